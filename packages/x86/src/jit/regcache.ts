// Register caching for a compiled block. Emitters address guest registers as `r[i]`, `r8[i]` and
// `r16[i]` (views of the state's Int32Array); this pass rewrites a block so that those live in JS
// locals for the whole block, loaded once on entry and written back once on exit — the difference
// between a memory access and a machine register for every use.
//
// Correctness rules:
//  - Written registers are stored back in a `finally`, so every way out (return, a fault thrown by a
//    memory access, an exit) leaves the architectural state in `r`. Faults leave the state of the
//    instructions before the faulting one, because emitters write registers only after an
//    instruction's memory accesses succeed.
//  - Code the pass cannot see into (a call to anything but the pure memory and flag helpers, or a
//    use of `c.state`/`c.r`) may read or write any register: written registers are flushed before
//    that line and every cached register is reloaded after it.
//  - r[36] (TMP_HI, written by rd64 and helpers) and anything above are never cached.

/** Calls that neither read nor write guest registers (they may throw, which `finally` covers). */
const PURE_CALLS = new Set([
  'rd8', 'rd16', 'rd32', 'rd64', 'wr8', 'wr16', 'wr32', 'wr64',
  'auxAdd', 'auxSub', 'auxAdd64', 'auxSub64', 'canon', 'mulu32',
  'Math.floor', 'Math.imul', 'Math.clz32', 'Math.fround', 'Math.trunc', 'Math.abs', 'Math.sqrt',
  'Math.min', 'Math.max', 'Math.round', 'Math.ceil', 'Math.sign',
]);
/** Calls that touch only the lazy flags (r[32..35]): only those are flushed and reloaded around them. */
const FLAG_CALLS = new Set(['shift32', 'shift64', 'shd32', 'shd64', 'imulN', 'imul64', 'bitScan']);
const FLAG_REGS = [32, 33, 34, 35];
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'function', 'typeof', 'catch']);
const CACHED_MAX = 35;

const CALL_RE = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(/g;

/**
 * Which cached registers a line may touch behind the pass's back: none, only the flags, or all.
 */
function opaque(line: string, extraPure: ReadonlySet<string>): 'none' | 'flags' | 'all' {
  if (/\bc\.(r|r8|r16|state)\b/.test(line) || /\bst\.(r|r8|r16|getRflags|setRflags|set64|set32|get64|get32)\b/.test(line)) return 'all';
  let kind: 'none' | 'flags' = 'none';
  for (const m of line.matchAll(CALL_RE)) {
    const name = m[1];
    const start = m.index ?? 0;
    if (start > 0 && /[\w$.]/.test(line[start - 1])) continue;
    if (KEYWORDS.has(name) || PURE_CALLS.has(name) || extraPure.has(name)) continue;
    if (FLAG_CALLS.has(name)) { kind = 'flags'; continue; }
    return 'all';
  }
  return kind;
}

interface Use { read: Set<number>; written: Set<number> }

/** Finds the end of the expression that starts at `i` (the next `;` at bracket depth 0). */
function exprEnd(s: string, i: number): number {
  let depth = 0;
  for (let k = i; k < s.length; k++) {
    const ch = s[k];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ';' && depth === 0) return k;
  }
  return s.length;
}

const REG_RE = /(?<![\w$.])(r8|r16|r)\[(\d+)\]/g;
const ASSIGN_RE = /\s*(=(?!=)|&=|\|=|\^=|\+=|-=)/y;

/** Rewrites one line's register accesses to locals, recording which registers it uses. */
function rewriteLine(line: string, use: Use): string {
  // Copies the text between matches in slices: this runs for every statement of every block.
  const re = new RegExp(REG_RE);
  let out = '';
  let from = 0;
  for (let hit = re.exec(line); hit; hit = re.exec(line)) {
    const at = hit.index;
    const view = hit[1], n = Number(hit[2]);
    const idx = view === 'r' ? n : view === 'r16' ? (n >> 2) * 2 : (n >> 3) * 2;
    if (idx > CACHED_MAX || (view === 'r16' && n % 4 !== 0) || (view === 'r8' && n % 8 > 1)) continue;
    out += line.slice(from, at);
    let j = at + hit[0].length;
    ASSIGN_RE.lastIndex = j;
    const assign = ASSIGN_RE.exec(line);
    const R = `R${idx}`;
    use.read.add(idx);
    from = j;
    if (view === 'r') {
      if (assign) use.written.add(idx);
      out += R;
      continue;
    }
    const hiByte = view === 'r8' && n % 8 === 1;
    const width = view === 'r8' ? 0xff : 0xffff;
    if (assign && assign[1] === '=') {
      // Partial-register write: merge into the cached 32-bit half.
      use.written.add(idx);
      j += assign[0].length;
      const end = exprEnd(line, j);
      const expr = rewriteLine(line.slice(j, end), use);
      out += hiByte
        ? `${R} = (${R} & ~0xff00) | (((${expr}) & 0xff) << 8)`
        : `${R} = (${R} & ~${width}) | ((${expr}) & ${width})`;
      from = end;
      re.lastIndex = end;
      continue;
    }
    if (assign) throw new Error(`regcache: compound assignment to ${hit[0]}`);
    out += hiByte ? `((${R} >> 8) & 0xff)` : `(${R} & ${width})`;
  }
  return out + line.slice(from);
}

function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s) {
    if (ch === '{') d++;
    else if (ch === '}') d--;
  }
  return d === 0;
}

/** Splits a line into its top-level statements (a `;` outside any bracket ends one). */
function statements(line: string): string[] {
  const out: string[] = [];
  let depth = 0, from = 0;
  for (let k = 0; k < line.length; k++) {
    const ch = line[k];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ';' && depth === 0) { out.push(line.slice(from, k + 1)); from = k + 1; }
  }
  if (line.slice(from).trim()) out.push(line.slice(from));
  return out;
}

/**
 * Rewrites a block body (the statements inside `function block() { ... }`) to cache registers.
 * `extraPure` names group helper calls that do not touch guest registers. Returns the body
 * unchanged when caching cannot be proven safe (an opaque call in a statement that also writes a
 * guest register: the order of the two would matter).
 */
export function cacheRegisters(body: string, extraPure: ReadonlySet<string> = new Set()): string {
  const use: Use = { read: new Set(), written: new Set() };
  const stmts = body.split('\n').flatMap((l) => statements(l));
  const rewritten: { code: string; opaque: 'none' | 'flags' | 'all' }[] = [];
  for (const st of stmts) {
    const local: Use = { read: new Set(), written: new Set() };
    const code = rewriteLine(st, local);
    const o = opaque(st, extraPure);
    // The flush must precede and the reload follow the call on every path: give up on statements
    // that also write a register or that open a block (the reload would land inside one branch).
    if (o !== 'none' && (local.written.size || !balanced(st))) return body;
    for (const k of local.read) use.read.add(k);
    for (const k of local.written) use.written.add(k);
    rewritten.push({ code, opaque: o });
  }
  if (use.read.size === 0) return body;
  const all = [...use.read].sort((a, b) => a - b);
  const written = [...use.written].sort((a, b) => a - b);
  const store = (ks: number[]) => ks.map((k) => `r[${k}] = R${k};`).join(' ');
  const load = (ks: number[]) => ks.map((k) => `R${k} = r[${k}];`).join(' ');
  const flush = store(written);
  const out: string[] = [];
  for (const { code, opaque: o } of rewritten) {
    if (o === 'none') { out.push(code); continue; }
    const ws = o === 'all' ? written : written.filter((k) => FLAG_REGS.includes(k));
    const rs = o === 'all' ? all : all.filter((k) => FLAG_REGS.includes(k));
    if (ws.length) out.push(store(ws));
    out.push(code);
    if (rs.length) out.push(load(rs));
  }
  return [
    `let ${all.map((k) => `R${k} = r[${k}]`).join(', ')};`,
    'try {',
    ...out,
    `} finally { ${flush} }`,
  ].join('\n');
}
