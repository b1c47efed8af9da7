// Evaluates a parsed operand for one layout pass: immediates become numbers and memory
// references get a base, an index and a scale the way NASM assigns them.
import { Register } from '../iced/iced.js';
import { issue } from './errors.js';
import { evaluate, type EvalContext, type Expr } from './expr.js';
import type { MemOperand, Operand } from './operand.js';
import type { RegInfo } from './registers.js';

export interface RMem {
  k: 'mem';
  size: number;
  far: boolean;
  seg: number;
  base: RegInfo | null;
  index: RegInfo | null;
  scale: number;
  disp: bigint;
  hasDisp: boolean;
  /** 16, 32 or 64 from the registers used; 0 when there are none (the mode decides). */
  addrSize: number;
  rel: boolean;
  relExplicit: boolean;
  /** The displacement is an address (see relocWeight): always encoded full size. */
  reloc: boolean;
}

export type ROp =
  | { k: 'reg'; reg: RegInfo }
  | RMem
  | { k: 'imm'; v: bigint; size: number; jump: 'short' | 'near' | ''; reloc: boolean }
  | { k: 'farptr'; seg: bigint; off: bigint; size: number };

/**
 * `isReloc` tells whether an expression is an address (relocWeight != 0). A statement that has
 * to keep its long encoding treats every value as one.
 */
export function resolveOperand(op: Operand, ctx: EvalContext, isReloc: (e: Expr) => boolean): ROp {
  switch (op.k) {
    case 'reg': return op;
    case 'imm': return { k: 'imm', v: evaluate(op.e, ctx), size: op.size, jump: op.jump, reloc: isReloc(op.e) };
    case 'farptr': return { k: 'farptr', seg: evaluate(op.seg, ctx), off: evaluate(op.off, ctx), size: op.size };
    case 'mem': return resolveMemory(op, ctx, op.disp !== null && isReloc(op.disp));
  }
}

const SPLITTABLE = new Set([2, 3, 5, 9]);

function resolveMemory(m: MemOperand, ctx: EvalContext, reloc: boolean): RMem {
  // Merge repeated registers ([eax+eax] is eax*2) and evaluate scales.
  const terms: { reg: RegInfo; scale: number }[] = [];
  for (const t of m.terms) {
    const s = Number(evaluate(t.scale, ctx));
    const same = terms.find((x) => x.reg.reg === t.reg.reg);
    if (same) same.scale += s; else terms.push({ reg: t.reg, scale: s });
  }
  const regs = terms.filter((t) => t.scale !== 0);
  for (const t of regs) {
    if (t.reg.cls !== 'gpr' || t.reg.size === 1) issue(`register '${t.reg.name}' cannot be used in an address`);
    if (t.scale < 0) issue('negative scale in address');
  }
  if (regs.length > 0 && regs.some((t) => t.reg.size !== regs[0].reg.size)) issue('mixed address sizes in address');
  const addrSize = regs.length ? regs[0].reg.size * 8 : 0;
  let base: RegInfo | null = null, index: RegInfo | null = null, scale = 1;
  if (regs.length === 1) {
    const t = regs[0];
    if (t.scale === 1) base = t.reg;
    else if (SPLITTABLE.has(t.scale) && !isSp(t.reg)) {
      // NASM writes [eax*3] as [eax+eax*2]: no 32-bit displacement needed.
      base = t.reg; index = t.reg; scale = t.scale - 1;
    } else { index = t.reg; scale = t.scale; }
  } else if (regs.length === 2) {
    let [a, b] = regs;
    if (a.scale !== 1) [a, b] = [b, a];
    if (a.scale !== 1) issue('invalid effective address: two scaled registers');
    base = a.reg; index = b.reg; scale = b.scale;
    if (scale === 1 && isSp(index)) [base, index] = [index, base];
  } else if (regs.length > 2) issue('invalid effective address: too many registers');
  if (addrSize === 16) [base, index] = order16(base, index, scale);
  else if (index && isSp(index)) issue(`'${index.name}' cannot be an index register`);
  if (index && ![1, 2, 4, 8].includes(scale)) issue(`invalid scale ${scale}`);
  const disp = m.disp ? evaluate(m.disp, ctx) : 0n;
  return {
    k: 'mem', size: m.size, far: m.far, seg: m.seg, base, index, scale, disp, hasDisp: m.disp !== null,
    addrSize, rel: m.rel && regs.length === 0, relExplicit: m.relExplicit, reloc,
  };
}

function isSp(r: RegInfo): boolean {
  return r.reg === Register.RSP || r.reg === Register.ESP;
}

/** 16-bit addressing only has bx/bp as base and si/di as index. */
function order16(base: RegInfo | null, index: RegInfo | null, scale: number): [RegInfo | null, RegInfo | null] {
  const isBase = (r: RegInfo) => r.reg === Register.BX || r.reg === Register.BP;
  const isIndex = (r: RegInfo) => r.reg === Register.SI || r.reg === Register.DI;
  if (scale !== 1) issue('16-bit addresses cannot scale a register');
  if (base && !index) {
    if (!isBase(base) && !isIndex(base)) issue(`'${base.name}' cannot be used in a 16-bit address`);
    return [base, null];
  }
  if (base && index) {
    if (isBase(index) && isIndex(base)) return [index, base];
    if (isBase(base) && isIndex(index)) return [base, index];
    issue('invalid 16-bit address');
  }
  return [base, index];
}
