// Does an instruction form accept these operands? One OpCodeOperandKind against one operand.
import { OpCodeOperandKind as K, Register } from '../iced/iced.js';
import type { RegClass } from './registers.js';
import type { RMem, ROp } from './resolve.js';
import type { Form } from './table.js';

const SHORT_BRANCH = new Set<number>([K.br16_1, K.br32_1, K.br64_1]);
const NEAR_BRANCH = new Set<number>([K.br16_2, K.br32_4, K.br64_4]);
export const BRANCH = new Set<number>([...SHORT_BRANCH, ...NEAR_BRANCH]);
export const FAR_BRANCH = new Set<number>([K.farbr2_2, K.farbr4_2]);

export const IMM_KINDS = new Set<number>([
  K.imm8, K.imm8_const_1, K.imm8sex16, K.imm8sex32, K.imm8sex64, K.imm16, K.imm32, K.imm32sex64, K.imm64,
]);
/** Immediate kinds that squeeze a value into a sign-extended byte (the forms to drop when an
 * instruction must keep its long encoding to make the layout converge). */
export const IMM8_SEX = new Set<number>([K.imm8sex16, K.imm8sex32, K.imm8sex64]);
export { SHORT_BRANCH };

const REG_KINDS: [RegClass, number, number[]][] = [
  ['gpr', 1, [K.r8_reg, K.r8_opcode]],
  ['gpr', 2, [K.r16_reg, K.r16_reg_mem, K.r16_rm, K.r16_opcode]],
  ['gpr', 4, [K.r32_reg, K.r32_reg_mem, K.r32_rm, K.r32_opcode, K.r32_vvvv]],
  ['gpr', 8, [K.r64_reg, K.r64_reg_mem, K.r64_rm, K.r64_opcode, K.r64_vvvv]],
  ['seg', 2, [K.seg_reg]],
  ['k', 8, [K.k_reg, K.kp1_reg, K.k_rm, K.k_vvvv]],
  ['mm', 8, [K.mm_reg, K.mm_rm]],
  ['xmm', 16, [K.xmm_reg, K.xmm_rm, K.xmm_vvvv, K.xmmp3_vvvv, K.xmm_is4, K.xmm_is5]],
  ['ymm', 32, [K.ymm_reg, K.ymm_rm, K.ymm_vvvv, K.ymm_is4, K.ymm_is5]],
  ['zmm', 64, [K.zmm_reg, K.zmm_rm, K.zmm_vvvv, K.zmmp3_vvvv]],
  ['cr', 0, [K.cr_reg]], ['dr', 0, [K.dr_reg]], ['tr', 0, [K.tr_reg]], ['bnd', 0, [K.bnd_reg]],
  ['st', 0, [K.sti_opcode]],
];
const REG_OR_MEM: [RegClass, number, number[]][] = [
  ['gpr', 1, [K.r8_or_mem]], ['gpr', 2, [K.r16_or_mem]], ['gpr', 4, [K.r32_or_mem, K.r32_or_mem_mpx]],
  ['gpr', 8, [K.r64_or_mem, K.r64_or_mem_mpx]], ['mm', 8, [K.mm_or_mem]], ['xmm', 16, [K.xmm_or_mem]],
  ['ymm', 32, [K.ymm_or_mem]], ['zmm', 64, [K.zmm_or_mem]], ['k', 8, [K.k_or_mem]], ['bnd', 0, [K.bnd_or_mem_mpx]],
];
const FIXED: [number, number][] = [
  [K.es, Register.ES], [K.cs, Register.CS], [K.ss, Register.SS], [K.ds, Register.DS], [K.fs, Register.FS],
  [K.gs, Register.GS], [K.al, Register.AL], [K.cl, Register.CL], [K.ax, Register.AX], [K.dx, Register.DX],
  [K.eax, Register.EAX], [K.rax, Register.RAX], [K.st0, Register.ST0],
];
const MEM_ONLY = new Set<number>([K.mem, K.mem_mpx, K.mem_mib, K.sibmem]);

const regKind = new Map<number, [RegClass, number]>();
for (const [cls, size, kinds] of REG_KINDS) for (const k of kinds) regKind.set(k, [cls, size]);
const regOrMem = new Map<number, [RegClass, number]>();
for (const [cls, size, kinds] of REG_OR_MEM) for (const k of kinds) regOrMem.set(k, [cls, size]);
const fixed = new Map<number, number>(FIXED);

export function fixedRegister(kind: number): number | undefined {
  return fixed.get(kind);
}

export interface MatchOptions {
  /** Ignore immediate ranges (to tell "out of range" from "no such form" in error messages). */
  anyImm?: boolean;
}

export function matchForm(form: Form, ops: ROp[], opts: MatchOptions = {}): boolean {
  if (form.visible.length !== ops.length) return false;
  return form.visible.every((idx, i) => matchKind(form.kinds[idx], ops[i], form, opts, isSource(form, i)));
}

const READS_ITS_OPERAND = new Set(['ltr', 'lldt', 'verr', 'verw', 'lmsw']);

export function isSource(form: Form, i: number): boolean {
  return i > 0 || READS_ITS_OPERAND.has(form.mnemonic);
}

/** `r32/m16` source operands (mov ds, ax; lar eax, ax): NASM takes a 16-bit register there and
 * encodes it without an operand-size prefix. build.ts widens the register. */
export function widensReg16(kind: number, op: ROp, form: Form, source: boolean): boolean {
  const rm = regOrMem.get(kind);
  return source && form.memSize === 2 && rm !== undefined && rm[0] === 'gpr' && rm[1] >= 4 &&
    op.k === 'reg' && op.reg.cls === 'gpr' && op.reg.size === 2;
}

function matchKind(kind: number, op: ROp, form: Form, opts: MatchOptions, source: boolean): boolean {
  if (widensReg16(kind, op, form, source)) return true;
  const fixedReg = fixed.get(kind);
  if (fixedReg !== undefined) return op.k === 'reg' && op.reg.reg === fixedReg;
  const rk = regKind.get(kind);
  if (rk) return op.k === 'reg' && isReg(op.reg.cls, op.reg.size, rk);
  const rm = regOrMem.get(kind);
  if (rm) return op.k === 'reg' ? isReg(op.reg.cls, op.reg.size, rm) : op.k === 'mem' && memFits(op, form);
  if (MEM_ONLY.has(kind)) return op.k === 'mem' && memFits(op, form);
  if (kind === K.mem_offs) return op.k === 'mem' && !op.base && !op.index && !op.rel && memFits(op, form);
  if (op.k === 'imm' && IMM_KINDS.has(kind)) {
    if (op.reloc && (IMM8_SEX.has(kind) || kind === K.imm8_const_1)) return false;
    return op.jump === '' && immSizeOk(kind, op.size, form) && (opts.anyImm === true || immFits(kind, op.v));
  }
  if (op.k === 'imm' && BRANCH.has(kind)) {
    if (op.jump === 'short') return SHORT_BRANCH.has(kind);
    if (op.jump === 'near') return NEAR_BRANCH.has(kind);
    return true;
  }
  // `jmp dword 0x08:x` in 16-bit code picks the ptr16:32 form.
  if (FAR_BRANCH.has(kind)) return op.k === 'farptr' && (op.size === 0 || op.size === (kind === K.farbr4_2 ? 4 : 2));
  return false;
}

function isReg(cls: RegClass, size: number, want: [RegClass, number]): boolean {
  return cls === want[0] && (want[1] === 0 || size === want[1]);
}

function memFits(m: RMem, form: Form): boolean {
  if (m.far !== form.far) return false;
  // `jmp dword far [x]`: the size names the offset part of the m16:32 pointer.
  if (form.far) return m.size === 0 || m.size * 8 === form.opSize;
  return m.size === 0 || form.memSize === 0 || m.size === form.memSize;
}

const IMM_WIDTH = new Map<number, number>([
  [K.imm8, 1], [K.imm8_const_1, 1], [K.imm8sex16, 1], [K.imm8sex32, 1], [K.imm8sex64, 1],
  [K.imm16, 2], [K.imm32, 4], [K.imm32sex64, 4], [K.imm64, 8],
]);

/** `push word 5`: a size on an immediate names the operation size or the immediate's width. */
function immSizeOk(kind: number, size: number, form: Form): boolean {
  return size === 0 || form.opSize === size * 8 || IMM_WIDTH.get(kind) === size;
}

const inRange = (v: bigint, lo: bigint, hi: bigint) => v >= lo && v <= hi;
const sexByte = (v: bigint, bits: number) => inRange(BigInt.asIntN(bits, v), -128n, 127n);

export function immFits(kind: number, v: bigint): boolean {
  switch (kind) {
    case K.imm8: return inRange(v, -128n, 255n);
    case K.imm8_const_1: return v === 1n;
    case K.imm8sex16: return inRange(v, -0x8000n, 0xffffn) && sexByte(v, 16);
    case K.imm8sex32: return inRange(v, -0x8000_0000n, 0xffff_ffffn) && sexByte(v, 32);
    case K.imm8sex64: return inRange(v, -128n, 127n);
    case K.imm16: return inRange(v, -0x8000n, 0xffffn);
    case K.imm32: return inRange(v, -0x8000_0000n, 0xffff_ffffn);
    case K.imm32sex64: return inRange(v, -0x8000_0000n, 0x7fff_ffffn);
    default: return true;
  }
}
