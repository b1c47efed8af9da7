// Instruction operands: registers, memory references, immediates/branch targets and far pointers.
// Memory references are reduced here to "sum of scaled registers + displacement expression";
// which register becomes base or index is decided at encode time, once scales are known.
import { Register } from '../iced/iced.js';
import { issue } from './errors.js';
import { parseExpr, type Expr, type NameResolver, type TokenStream } from './expr.js';
import { lookupRegister, type RegInfo } from './registers.js';

export const SIZE_WORDS: Record<string, number> = {
  byte: 1, word: 2, dword: 4, fword: 6, qword: 8, tword: 10, oword: 16, xmmword: 16,
  yword: 32, ymmword: 32, zword: 64, zmmword: 64,
};

export interface RegTerm { reg: RegInfo; scale: Expr }

export interface MemOperand {
  k: 'mem';
  /** Bytes from a size keyword; 0 when none was written. */
  size: number;
  far: boolean;
  /** iced segment register or Register.None. */
  seg: number;
  terms: RegTerm[];
  disp: Expr | null;
  /** RIP-relative (`[rel x]`, or `default rel` for a register-less reference). */
  rel: boolean;
  relExplicit: boolean;
}

export type Operand =
  | { k: 'reg'; reg: RegInfo }
  | MemOperand
  | { k: 'imm'; e: Expr; size: number; jump: 'short' | 'near' | '' }
  | { k: 'farptr'; seg: Expr; off: Expr; size: number };

export interface OperandContext {
  resolve: NameResolver;
  defaultRel: boolean;
}

const ONE: Expr = { k: 'num', v: 1n };

export function parseOperand(ts: TokenStream, ctx: OperandContext): Operand {
  let size = 0, far = false;
  let jump: 'short' | 'near' | '' = '';
  for (;;) {
    const w = ts.isWord(...Object.keys(SIZE_WORDS), 'ptr', 'short', 'near', 'far', 'strict');
    if (!w) break;
    ts.next();
    if (w in SIZE_WORDS) size = SIZE_WORDS[w];
    else if (w === 'far') far = true;
    else if (w === 'short' || w === 'near') jump = w;
  }
  let seg: number = Register.None;
  const first = ts.peek();
  if (first?.t === 'id' && ts.isOp(':', 1) && ts.isOp('[', 2)) {
    const r = lookupRegister(first.v);
    if (r?.cls !== 'seg') issue(`'${first.v}' is not a segment register`);
    seg = r.reg;
    ts.pos += 2;
  }
  if (ts.isOp('[')) return parseMemory(ts, ctx, size, far, seg);
  if (far) issue("'far' needs a memory operand or seg:offset");
  if (first?.t === 'id') {
    const reg = lookupRegister(first.v);
    if (reg && endsOperand(ts, 1)) { ts.next(); return { k: 'reg', reg }; }
    if (reg?.cls === 'st' && ts.isOp('(', 1)) return parseStRegister(ts);
  }
  const e = parseExpr(ts, ctx.resolve);
  if (ts.isOp(':')) {
    ts.next();
    return { k: 'farptr', seg: e, off: parseExpr(ts, ctx.resolve), size };
  }
  return { k: 'imm', e, size, jump };
}

function endsOperand(ts: TokenStream, offset: number): boolean {
  return ts.peek(offset) === undefined || ts.isOp(',', offset);
}

function parseStRegister(ts: TokenStream): Operand {
  ts.pos += 2;
  const n = ts.next();
  if (n?.t !== 'num' || n.v > 7n) issue('expected st(0) to st(7)');
  ts.expectOp(')');
  return { k: 'reg', reg: lookupRegister(`st${n.v}`)! };
}

function parseMemory(ts: TokenStream, ctx: OperandContext, size: number, far: boolean, seg: number): MemOperand {
  ts.expectOp('[');
  let rel: boolean | undefined;
  for (;;) {
    const w = ts.isWord('rel', 'abs', ...Object.keys(SIZE_WORDS));
    if (!w) break;
    ts.next();
    if (w === 'rel' || w === 'abs') rel = w === 'rel';
  }
  const t = ts.peek();
  if (t?.t === 'id' && ts.isOp(':', 1)) {
    const r = lookupRegister(t.v);
    if (r?.cls !== 'seg') issue(`'${t.v}' is not a segment register`);
    if (seg !== Register.None) issue('two segment overrides');
    seg = r.reg;
    ts.pos += 2;
  }
  const e = parseExpr(ts, ctx.resolve, true);
  ts.expectOp(']');
  const terms: RegTerm[] = [];
  const consts: Expr[] = [];
  linearize(e, 1, terms, consts);
  const disp = consts.length === 0 ? null : consts.reduce((a, b) => ({ k: 'bin', op: '+', a, b }));
  const relExplicit = rel !== undefined;
  // NASM's `default rel` leaves fs:/gs: references absolute (TLS-style accesses).
  const fsgs = seg === Register.FS || seg === Register.GS;
  const defRel = ctx.defaultRel && terms.length === 0 && !fsgs;
  return { k: 'mem', size, far, seg, terms, disp, rel: rel ?? defRel, relExplicit };
}

function hasReg(e: Expr): boolean {
  if (e.k === 'reg') return true;
  if (e.k === 'un') return hasReg(e.a);
  if (e.k === 'bin') return hasReg(e.a) || hasReg(e.b);
  return false;
}

function linearize(e: Expr, sign: 1 | -1, terms: RegTerm[], consts: Expr[]): void {
  if (!hasReg(e)) {
    consts.push(sign > 0 ? e : { k: 'un', op: '-', a: e });
    return;
  }
  if (e.k === 'reg') {
    if (sign < 0) issue('a register cannot be subtracted in an address');
    terms.push({ reg: e.reg, scale: ONE });
    return;
  }
  if (e.k === 'un' && (e.op === '+' || e.op === '-')) {
    linearize(e.a, e.op === '-' ? (-sign as 1 | -1) : sign, terms, consts);
    return;
  }
  if (e.k === 'bin' && (e.op === '+' || e.op === '-')) {
    linearize(e.a, sign, terms, consts);
    linearize(e.b, e.op === '-' ? (-sign as 1 | -1) : sign, terms, consts);
    return;
  }
  if (e.k === 'bin' && e.op === '*' && sign > 0) {
    const [r, k] = e.a.k === 'reg' ? [e.a, e.b] : [e.b, e.a];
    if (r.k === 'reg' && !hasReg(k)) {
      terms.push({ reg: r.reg, scale: k });
      return;
    }
  }
  issue('invalid effective address');
}
