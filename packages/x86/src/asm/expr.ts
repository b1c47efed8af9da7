// Expressions: parsed once per line into a small tree, evaluated on every layout pass (label
// values can change between passes). Arithmetic is 64-bit two's complement, as in NASM.
import { issue } from './errors.js';
import type { Token } from './lexer.js';
import { lookupRegister, type RegInfo } from './registers.js';

export type Expr =
  | { k: 'num'; v: bigint }
  | { k: 'sym'; name: string }
  | { k: 'here' }
  | { k: 'start' }
  | { k: 'reg'; reg: RegInfo }
  | { k: 'un'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr };

/** Turns a written symbol into its full name (NASM local labels `.x` hang off the last label). */
export type NameResolver = (name: string) => string;

const LEVELS: string[][] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '%%']];

/** A cursor over one line's tokens, shared by the expression, operand and statement parsers. */
export class TokenStream {
  pos = 0;
  constructor(readonly toks: Token[]) {}
  peek(offset = 0): Token | undefined { return this.toks[this.pos + offset]; }
  next(): Token | undefined { return this.toks[this.pos++]; }
  done(): boolean { return this.pos >= this.toks.length; }
  isOp(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  /** The next token if it is an identifier equal (case-insensitively) to one of `words`. */
  isWord(...words: string[]): string | undefined {
    const t = this.peek();
    if (t?.t !== 'id') return undefined;
    const w = t.v.toLowerCase();
    return words.includes(w) ? w : undefined;
  }
  expectOp(v: string): void {
    if (!this.isOp(v)) issue(`expected '${v}'`);
    this.pos++;
  }
}

export function parseExpr(ts: TokenStream, resolve: NameResolver, allowRegs = false): Expr {
  return parseLevel(ts, resolve, allowRegs, 0);
}

function parseLevel(ts: TokenStream, resolve: NameResolver, regs: boolean, level: number): Expr {
  if (level === LEVELS.length) return parseUnary(ts, resolve, regs);
  let a = parseLevel(ts, resolve, regs, level + 1);
  for (;;) {
    const t = ts.peek();
    if (t?.t !== 'op' || !LEVELS[level].includes(t.v)) return a;
    ts.next();
    const b = parseLevel(ts, resolve, regs, level + 1);
    a = { k: 'bin', op: t.v, a, b };
  }
}

function parseUnary(ts: TokenStream, resolve: NameResolver, regs: boolean): Expr {
  const t = ts.next();
  if (!t) issue('expression expected');
  switch (t.t) {
    case 'num': return { k: 'num', v: t.v };
    case 'str': return { k: 'num', v: charConstant(t.v) };
    case 'float': return issue('floating-point value not allowed here');
    case 'op':
      if (t.v === '(') {
        const e = parseLevel(ts, resolve, regs, 0);
        ts.expectOp(')');
        return e;
      }
      if (t.v === '-' || t.v === '+' || t.v === '~' || t.v === '!') {
        return { k: 'un', op: t.v, a: parseUnary(ts, resolve, regs) };
      }
      return issue(`unexpected '${t.v}' in expression`);
    case 'id': {
      if (t.v === '$') return { k: 'here' };
      if (t.v === '$$') return { k: 'start' };
      const reg = lookupRegister(t.v);
      if (reg) {
        if (!regs) issue(`register '${t.v}' not allowed here`);
        return { k: 'reg', reg };
      }
      return { k: 'sym', name: resolve(t.v) };
    }
  }
}

/** 'AB' is 0x4241: characters are stored little-endian, as NASM does. */
export function charConstant(bytes: Uint8Array): bigint {
  if (bytes.length > 8) issue('character constant longer than 8 bytes');
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

export interface EvalContext {
  /** `$`: address of the current statement (or repetition). */
  here: bigint;
  /** `$$`: start of the output. */
  start: bigint;
  lookup(name: string): bigint | undefined;
  /** Called for a symbol not (yet) defined; returns the value to carry on with. */
  missing(name: string): bigint;
}

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

export function evaluate(e: Expr, ctx: EvalContext): bigint {
  switch (e.k) {
    case 'num': return wrap(e.v);
    case 'here': return ctx.here;
    case 'start': return ctx.start;
    case 'sym': return ctx.lookup(e.name) ?? ctx.missing(e.name);
    case 'reg': return issue(`register '${e.reg.name}' not allowed here`);
    case 'un': {
      const a = evaluate(e.a, ctx);
      if (e.op === '-') return wrap(-a);
      if (e.op === '~') return wrap(~a);
      if (e.op === '!') return a === 0n ? 1n : 0n;
      return a;
    }
    case 'bin': {
      const a = evaluate(e.a, ctx), b = evaluate(e.b, ctx);
      switch (e.op) {
        case '+': return wrap(a + b);
        case '-': return wrap(a - b);
        case '*': return wrap(a * b);
        case '|': return wrap(a | b);
        case '^': return wrap(a ^ b);
        case '&': return wrap(a & b);
        case '<<': return b >= 64n || b < 0n ? 0n : wrap(a << b);
        case '>>': return b >= 64n || b < 0n ? 0n : wrap(u64(a) >> b);
      }
      if (b === 0n) issue('division by zero');
      // NASM: / and % are unsigned, // and %% signed.
      switch (e.op) {
        case '/': return wrap(u64(a) / u64(b));
        case '%': return wrap(u64(a) % u64(b));
        case '//': return wrap(a / b);
        default: return wrap(a % b);
      }
    }
  }
}

/**
 * How many times an address (a label, `$`, `$$`) is counted in the value: 0 for a plain number
 * or a difference of two addresses. NASM never shrinks a value with a nonzero count into a
 * sign-extended byte or a 32-bit `mov`, since a linker could move it; we do the same to match.
 */
export function relocWeight(e: Expr, symWeight: (name: string) => number): number {
  switch (e.k) {
    case 'here': case 'start': return 1;
    case 'sym': return symWeight(e.name);
    case 'un': return e.op === '-' ? -relocWeight(e.a, symWeight) : e.op === '+' ? relocWeight(e.a, symWeight) : relocWeight(e.a, symWeight) === 0 ? 0 : 1;
    case 'bin': {
      const a = relocWeight(e.a, symWeight), b = relocWeight(e.b, symWeight);
      if (e.op === '+') return a + b;
      if (e.op === '-') return a - b;
      return a === 0 && b === 0 ? 0 : 1;
    }
    default: return 0;
  }
}
