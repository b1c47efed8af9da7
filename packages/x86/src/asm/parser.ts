// Source lines → statements. Everything that does not depend on label values is settled here
// (syntax, mnemonic names, local-label scoping, `default rel`), so layout passes only evaluate.
import { AsmError, AsmIssue, issue } from './errors.js';
import { parseExpr, TokenStream, type Expr } from './expr.js';
import { stripComment, tokenize } from './lexer.js';
import { parseOperand, type Operand, type OperandContext } from './operand.js';
import { isRegisterName } from './registers.js';
import { isMnemonic } from './table.js';

export type DataItem = { k: 'bytes'; v: Uint8Array } | { k: 'expr'; e: Expr } | { k: 'float'; v: number };

export type Stmt =
  | { kind: 'insn'; mnem: string; ops: Operand[]; lock: boolean; rep: '' | 'rep' | 'repne' }
  | { kind: 'data'; unit: number; items: DataItem[] }
  | { kind: 'res'; unit: number; count: Expr }
  | { kind: 'times'; count: Expr; body: Stmt }
  | { kind: 'align'; n: Expr; fill: Expr | null; zero: boolean }
  | { kind: 'bits'; bits: 16 | 32 | 64 }
  | { kind: 'equ'; name: string; e: Expr }
  | { kind: 'org'; e: Expr };

export interface Line {
  line: number;
  text: string;
  labels: string[];
  stmt: Stmt | null;
}

const DATA: Record<string, number> = { db: 1, dw: 2, dd: 4, dq: 8 };
const RES: Record<string, number> = { resb: 1, resw: 2, resd: 4, resq: 8, rest: 10, reso: 16, resy: 32, resz: 64 };
const PREFIXES: Record<string, 'lock' | 'rep' | 'repne'> = {
  lock: 'lock', rep: 'rep', repe: 'rep', repz: 'rep', repne: 'repne', repnz: 'repne',
};
const DIRECTIVES = new Set([
  ...Object.keys(DATA), ...Object.keys(RES), 'times', 'align', 'alignb', 'bits', 'use16', 'use32', 'use64',
  'org', 'default', 'global', 'extern', 'section', 'segment', 'equ', 'cpu',
]);
/** Words that may follow a label written without a colon (`msg db 'hi'`). A lone word is not
 * taken as a label (NASM would, with a warning): a mistyped mnemonic must be an error. */
const AFTER_BARE_LABEL = new Set([...Object.keys(DATA), ...Object.keys(RES), 'times', 'equ']);

class LineParser implements OperandContext {
  private scope = '';
  defaultRel = false;
  private readonly defined = new Set<string>();

  resolve = (name: string): string => (name.startsWith('.') && !name.startsWith('..') ? this.scope + name : name);

  parse(text: string): { labels: string[]; stmt: Stmt | null } {
    const code = stripComment(text).trim();
    if (code.startsWith('%')) issue('preprocessor directives (%define, %macro, ...) are not supported');
    let toks = tokenize(code);
    // [bits 32], [org 0x7c00]: NASM's primitive-directive spelling.
    if (toks.length > 2 && toks[0].t === 'op' && toks[0].v === '[' && toks[1].t === 'id' &&
        DIRECTIVES.has(toks[1].v.toLowerCase())) {
      const last = toks[toks.length - 1];
      if (last.t !== 'op' || last.v !== ']') issue("expected ']'");
      toks = toks.slice(1, -1);
    }
    const ts = new TokenStream(toks);
    const labels: string[] = [];
    for (;;) {
      const t = ts.peek();
      if (t?.t !== 'id') break;
      const word = t.v.toLowerCase();
      if (ts.isOp(':', 1) && !isRegisterName(t.v)) {
        labels.push(this.label(t.v));
        ts.pos += 2;
        continue;
      }
      const next = ts.peek(1);
      const bare = !isMnemonic(word) && !PREFIXES[word] && !DIRECTIVES.has(word) && !isRegisterName(t.v) &&
        next?.t === 'id' && AFTER_BARE_LABEL.has(next.v.toLowerCase());
      if (bare && !(next?.t === 'id' && next.v.toLowerCase() === 'equ')) {
        labels.push(this.label(t.v));
        ts.pos += 1;
      }
      break;
    }
    if (ts.done()) return { labels, stmt: null };
    const t = ts.peek()!;
    if (t.t === 'id' && ts.peek(1)?.t === 'id' && (ts.peek(1) as { v: string }).v.toLowerCase() === 'equ') {
      if (labels.length) issue('a label cannot precede equ');
      ts.pos += 2;
      const name = this.define(this.resolve(t.v));
      return { labels, stmt: { kind: 'equ', name, e: this.expr(ts) } };
    }
    const stmt = this.statement(ts);
    if (!ts.done()) issue('unexpected text after the statement');
    return { labels, stmt };
  }

  private label(name: string): string {
    if (!name.startsWith('.')) this.scope = name;
    return this.define(this.resolve(name));
  }

  private define(name: string): string {
    if (this.defined.has(name)) issue(`symbol '${name}' redefined`);
    this.defined.add(name);
    return name;
  }

  private expr(ts: TokenStream): Expr {
    return parseExpr(ts, this.resolve);
  }

  private statement(ts: TokenStream): Stmt | null {
    const t = ts.next()!;
    if (t.t !== 'id') issue('instruction or directive expected');
    const word = t.v.toLowerCase();
    if (word in DATA) return { kind: 'data', unit: DATA[word], items: this.dataItems(ts) };
    if (word in RES) return { kind: 'res', unit: RES[word], count: this.expr(ts) };
    switch (word) {
      case 'times': {
        const count = this.expr(ts);
        const body = this.statement(ts);
        if (!body) issue('times needs a statement');
        return { kind: 'times', count, body };
      }
      case 'align': case 'alignb': return this.align(ts, word === 'alignb');
      case 'bits': {
        const n = ts.next();
        if (n?.t !== 'num' || ![16n, 32n, 64n].includes(n.v)) issue('bits must be 16, 32 or 64');
        return { kind: 'bits', bits: Number(n.v) as 16 | 32 | 64 };
      }
      case 'use16': case 'use32': case 'use64':
        return { kind: 'bits', bits: Number(word.slice(3)) as 16 | 32 | 64 };
      case 'org': return { kind: 'org', e: this.expr(ts) };
      case 'default': {
        const w = ts.isWord('rel', 'abs');
        if (!w) issue("expected 'rel' or 'abs'");
        ts.next();
        this.defaultRel = w === 'rel';
        return null;
      }
      case 'global': case 'cpu':
        ts.pos = ts.toks.length;   // meaningless for a flat binary
        return null;
      case 'extern': return issue('extern is not supported (flat binary output)');
      case 'section': case 'segment': return issue('sections are not supported (flat binary output)');
      case 'equ': return issue('equ needs a name');
    }
    let lock = false;
    let rep: '' | 'rep' | 'repne' = '';
    let mnem = t.v;
    for (let p = PREFIXES[word]; p; p = PREFIXES[mnem.toLowerCase()]) {
      if (p === 'lock') lock = true; else rep = p;
      const n = ts.next();
      if (n?.t !== 'id') issue('instruction expected after prefix');
      mnem = n.v;
    }
    if (!isMnemonic(mnem)) issue(`unknown instruction '${mnem}'`);
    const ops: Operand[] = [];
    while (!ts.done()) {
      if (ops.length) ts.expectOp(',');
      ops.push(parseOperand(ts, this));
      if (!ts.done() && !ts.isOp(',')) issue('unexpected text after operand');
    }
    return { kind: 'insn', mnem: mnem.toLowerCase(), ops, lock, rep };
  }

  private align(ts: TokenStream, zero: boolean): Stmt {
    const n = this.expr(ts);
    let fill: Expr | null = null;
    if (ts.isOp(',')) {
      ts.next();
      const w = ts.isWord('db', 'nop');
      if (w) ts.next();
      fill = w === 'nop' ? { k: 'num', v: 0x90n } : this.expr(ts);
    }
    return { kind: 'align', n, fill, zero };
  }

  private dataItems(ts: TokenStream): DataItem[] {
    const items: DataItem[] = [];
    do {
      if (items.length) ts.expectOp(',');
      const t = ts.peek();
      const alone = ts.peek(1) === undefined || ts.isOp(',', 1);
      if (t?.t === 'str' && alone) { ts.next(); items.push({ k: 'bytes', v: t.v }); continue; }
      const neg = ts.isOp('-') && ts.peek(1)?.t === 'float';
      const f = ts.peek(neg ? 1 : 0);
      if (f?.t === 'float') { ts.pos += neg ? 2 : 1; items.push({ k: 'float', v: neg ? -f.v : f.v }); continue; }
      items.push({ k: 'expr', e: this.expr(ts) });
    } while (!ts.done());
    return items;
  }
}

export function parseSource(source: string): Line[] {
  const p = new LineParser();
  return source.split('\n').map((text, i) => {
    try {
      return { line: i + 1, text, ...p.parse(text) };
    } catch (e) {
      if (e instanceof AsmIssue) throw new AsmError(i + 1, e.message, text, { cause: e });
      throw e;
    }
  });
}
