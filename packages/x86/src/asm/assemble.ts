// The driver: lays the program out in passes. Each pass encodes every statement at its address,
// using label values from this pass (backward) or the previous one (forward). When a pass ends
// with every label where the previous pass put it, all references saw final values and that
// pass's bytes are the result. Errors are only reported from such a final pass, because an
// earlier pass may have seen provisional values (a short jump that does not reach yet).
import { iced } from '../iced/iced.js';
import { encodeData } from './data.js';
import { AsmError, AsmIssue, issue } from './errors.js';
import { encodeInstruction } from './encode.js';
import { evaluate, relocWeight, type EvalContext, type Expr } from './expr.js';
import { parseSource, type Line, type Stmt } from './parser.js';
import { resolveOperand } from './resolve.js';

type Encoder = InstanceType<typeof iced.Encoder>;

export interface AssembleOptions {
  bitness?: 16 | 32 | 64;
  origin?: number;
  defines?: Record<string, number>;
}

export interface AssembleResult {
  bytes: Uint8Array;
  /** Labels and equ constants (local labels under their full name, e.g. `main.loop`). */
  labels: Map<string, number>;
}

const MAX_PASSES = 30;
/** After this many passes, a statement whose size still changes keeps its long encoding. */
const LONG_AFTER = 6;

interface PassState {
  pass: number;
  bitness: 16 | 32 | 64;
  origin: bigint;
  addr: bigint;
  /** `$`: where the current line starts (NASM keeps it for every repetition of `times`). */
  lineStart: bigint;
  chunks: Uint8Array[];
  symbols: Map<string, bigint>;
  /** A forward reference was resolved through the previous pass's values. */
  usedPrevious: boolean;
  missing: boolean;
}

export function assemble(source: string, opts: AssembleOptions = {}): AssembleResult {
  const lines = parseSource(source);
  const isReloc = relocatable(lines);
  const defines = new Map(Object.entries(opts.defines ?? {}).map(([k, v]) => [k, BigInt(v)] as const));
  const encoders = new Map<number, Encoder>();
  const sizes: number[] = new Array(lines.length).fill(-1);
  const long: boolean[] = new Array(lines.length).fill(false);
  let previous = new Map<string, bigint>();
  try {
    const encoderFor = (bits: number): Encoder => {
      let e = encoders.get(bits);
      if (!e) { e = new iced.Encoder(bits); encoders.set(bits, e); }
      return e;
    };
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const st: PassState = {
        pass, bitness: opts.bitness ?? 32, origin: BigInt(opts.origin ?? 0), addr: 0n, lineStart: 0n, chunks: [],
        symbols: new Map(), usedPrevious: false, missing: false,
      };
      st.addr = st.origin;
      let firstError: AsmError | undefined;
      lines.forEach((line, i) => {
        const start = st.addr;
        st.lineStart = start;
        try {
          for (const l of line.labels) st.symbols.set(l, st.addr);
          if (line.stmt) emit(line.stmt, { st, previous, defines, encoderFor, long: long[i], isReloc });
        } catch (e) {
          if (!(e instanceof AsmIssue)) throw e;
          firstError ??= new AsmError(line.line, e.message, line.text, { cause: e });
          st.addr = start + BigInt(Math.max(sizes[i], 0));
        }
        const size = Number(st.addr - start);
        if (pass > LONG_AFTER && sizes[i] !== size) long[i] = true;
        sizes[i] = size;
      });
      const settled = (!st.usedPrevious && !st.missing) || (pass > 1 && sameValues(st.symbols, previous));
      if (settled || pass === MAX_PASSES) {
        if (firstError) throw firstError;
        if (!settled) throw new AsmError(0, 'label addresses do not settle', '');
        return { bytes: concat(st.chunks), labels: new Map([...st.symbols].map(([k, v]) => [k, Number(v)])) };
      }
      previous = st.symbols;
    }
    throw new Error('unreachable');
  } finally {
    for (const e of encoders.values()) e.free();
  }
}

function sameValues(a: Map<string, bigint>, b: Map<string, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

const BRANCHES = /^(j[a-z]+|call|loop[a-z]*|xbegin)$/;

/** Which expressions are addresses (labels, `$`), directly or through equ. */
function relocatable(lines: Line[]): (e: Expr) => boolean {
  const labels = new Set(lines.flatMap((l) => l.labels));
  const equs = new Map<string, Expr>();
  for (const l of lines) if (l.stmt?.kind === 'equ') equs.set(l.stmt.name, l.stmt.e);
  const busy = new Set<string>();
  const symWeight = (name: string): number => {
    if (labels.has(name)) return 1;
    const e = equs.get(name);
    if (!e || busy.has(name)) return 0;
    busy.add(name);
    try { return relocWeight(e, symWeight); } finally { busy.delete(name); }
  };
  return (e) => relocWeight(e, symWeight) !== 0;
}

interface EmitEnv {
  st: PassState;
  previous: Map<string, bigint>;
  defines: Map<string, bigint>;
  encoderFor: (bits: number) => Encoder;
  long: boolean;
  isReloc: (e: Expr) => boolean;
}

function emit(stmt: Stmt, env: EmitEnv): void {
  const { st, previous, defines, encoderFor, long } = env;
  // A symbol not defined yet stands for `$` in a branch (keeps the jump short until its target
  // is known) and 0 elsewhere (keeps immediates small): later passes correct both.
  const ctx = (provisional: 'here' | 'zero'): EvalContext => ({
    here: st.lineStart,
    start: st.origin,
    lookup: (name) => {
      const v = st.symbols.get(name) ?? defines.get(name);
      if (v !== undefined) return v;
      const p = previous.get(name);
      if (p !== undefined) st.usedPrevious = true;
      return p;
    },
    missing: (name) => {
      if (st.pass > 1) issue(`undefined symbol '${name}'`);
      st.missing = true;
      return provisional === 'here' ? st.addr : 0n;
    },
  });
  const put = (bytes: Uint8Array) => { st.chunks.push(bytes); st.addr += BigInt(bytes.length); };
  const value = (e: Expr, what: string): bigint => {
    const v = evaluate(e, ctx('zero'));
    if (v < 0n) issue(`${what} must not be negative`);
    return v;
  };
  switch (stmt.kind) {
    case 'insn': {
      const c = ctx(BRANCHES.test(stmt.mnem) ? 'here' : 'zero');
      const ops = stmt.ops.map((o) => resolveOperand(o, c, long ? () => true : env.isReloc));
      put(encodeInstruction(stmt.mnem, ops, stmt, { bitness: st.bitness, ip: st.addr, encoder: encoderFor(st.bitness), long }));
      return;
    }
    case 'data': put(encodeData(stmt.unit, stmt.items, ctx('zero'))); return;
    case 'res': put(new Uint8Array(Number(value(stmt.count, 'reserve count')) * stmt.unit)); return;
    case 'times': {
      const n = Number(value(stmt.count, 'times count'));
      // Repeat one encoding unless the body's bytes depend on where it sits (IP-relative).
      const positional = stmt.body.kind === 'insn' ? stmt.body.ops.some((o) => o.k !== 'reg') : stmt.body.kind !== 'data';
      if (!positional && n > 0) {
        const startLen = st.chunks.length, start = st.addr;
        emit(stmt.body, env);
        const once = concat(st.chunks.splice(startLen));
        const all = new Uint8Array(once.length * n);
        for (let i = 0; i < n; i++) all.set(once, i * once.length);
        st.addr = start;
        put(all);
      } else {
        for (let i = 0; i < n; i++) emit(stmt.body, env);
      }
      return;
    }
    case 'align': {
      const n = value(stmt.n, 'alignment');
      if (n === 0n || (n & (n - 1n)) !== 0n) issue('alignment must be a power of two');
      const pad = Number((n - ((st.addr - st.origin) % n)) % n);
      const fill = stmt.fill ? evaluate(stmt.fill, ctx('zero')) : stmt.zero ? 0n : 0x90n;
      if (fill < -128n || fill > 255n) issue('fill value must be a byte');
      put(new Uint8Array(pad).fill(Number(BigInt.asUintN(8, fill))));
      return;
    }
    case 'bits': st.bitness = stmt.bits; return;
    case 'equ': st.symbols.set(stmt.name, evaluate(stmt.e, ctx('zero'))); return;
    case 'org':
      if (st.chunks.length > 0) issue('org must come before any code or data');
      st.origin = st.addr = evaluate(stmt.e, ctx('zero'));
      return;
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}
