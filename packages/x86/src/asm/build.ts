// Builds the iced Instruction for one chosen form. The caller owns (and frees) the result.
import { iced, OpCodeOperandKind as K, OpKind, Register, type IcedInstruction } from '../iced/iced.js';
import { issue } from './errors.js';
import { BRANCH, FAR_BRANCH, fixedRegister, IMM_KINDS, isSource, widensReg16 } from './match.js';
import type { RMem, ROp } from './resolve.js';
import type { Form } from './table.js';

type MemoryOperand = InstanceType<typeof iced.MemoryOperand>;
type Creator = (code: number, ...args: unknown[]) => IcedInstruction;

export interface BuildOptions {
  bitness: 16 | 32 | 64;
}

const inRange = (v: bigint, lo: bigint, hi: bigint) => v >= lo && v <= hi;
const BR16 = new Set<number>([K.br16_1, K.br16_2]);
const BR32 = new Set<number>([K.br32_1, K.br32_4]);

export function buildInstruction(form: Form, ops: ROp[], opts: BuildOptions): IcedInstruction {
  const code = form.code;
  const k0 = form.kinds[0];
  if (BRANCH.has(k0)) {
    const op = ops[0];
    if (op.k !== 'imm') return issue('branch target expected');
    const max = BR16.has(k0) ? 0xffffn : BR32.has(k0) ? 0xffff_ffffn : -1n;
    if (max > 0n && !inRange(op.v, 0n, max)) issue('branch target out of range');
    return iced.Instruction.createBranch(code, BigInt.asUintN(64, op.v));
  }
  if (FAR_BRANCH.has(k0)) {
    const op = ops[0];
    if (op.k !== 'farptr') return issue('far pointer expected');
    const offMax = k0 === K.farbr2_2 ? 0xffffn : 0xffff_ffffn;
    if (!inRange(op.seg, 0n, 0xffffn) || !inRange(op.off, 0n, offMax)) issue('far pointer out of range');
    return iced.Instruction.createFarBranch(code, Number(op.seg), Number(op.off));
  }
  if (form.visible.length !== form.kinds.length) return buildImplicit(form, ops, opts.bitness);
  let sig = '';
  const args: unknown[] = [];
  const mems: MemoryOperand[] = [];
  try {
    form.kinds.forEach((kind, i) => {
      const op = ops[i];
      if (op.k === 'reg') {
        sig += 'Reg';
        const wide = widensReg16(kind, op, form, isSource(form, i));
        const X = iced.RegisterExt;
        args.push(!wide ? op.reg.reg : kind === K.r64_or_mem ? X.fullRegister(op.reg.reg) : X.fullRegister32(op.reg.reg));
      }
      else if (op.k === 'mem') {
        const m = memoryOperand(op, opts);
        mems.push(m);
        sig += 'Mem'; args.push(m);
      } else if (op.k === 'imm' && IMM_KINDS.has(kind)) {
        if (kind === K.imm64) { sig += 'I64'; args.push(BigInt.asIntN(64, op.v)); }
        else { sig += 'I32'; args.push(immArg(kind, op.v)); }
      } else issue('operand does not fit the instruction');
    });
    const create = (iced.Instruction as unknown as Record<string, Creator | undefined>)[`create${sig}`];
    if (!create) issue('unsupported operand combination');
    return create(code, ...args);
  } finally {
    // create* takes ownership of the memory operand; one it did not take must still be freed.
    for (const m of mems) if ((m as unknown as { __wbg_ptr: number }).__wbg_ptr) m.free();
  }
}

/** Immediates go to iced as i32; sign-extended forms need the value wrapped to their width. */
function immArg(kind: number, v: bigint): number {
  switch (kind) {
    case K.imm8sex16: return Number(BigInt.asIntN(16, v));
    case K.imm8sex32: case K.imm32: return Number(BigInt.asIntN(32, v));
    default: return Number(v);
  }
}

const STRING_KIND: Record<number, [number, number, number]> = {
  [K.seg_rSI]: [OpKind.MemorySegSI, OpKind.MemorySegESI, OpKind.MemorySegRSI],
  [K.es_rDI]: [OpKind.MemoryESDI, OpKind.MemoryESEDI, OpKind.MemoryESRDI],
  [K.seg_rDI]: [OpKind.MemorySegDI, OpKind.MemorySegEDI, OpKind.MemorySegRDI],
};

/** String instructions and xlatb: the implied operands are set one by one. */
function buildImplicit(form: Form, ops: ROp[], bitness: 16 | 32 | 64): IcedInstruction {
  const ins = iced.Instruction.create(form.code);
  try {
    setImplicitOperands(ins, form, ops, bitness);
  } catch (e) {
    ins.free();
    throw e;
  }
  return ins;
}

function setImplicitOperands(ins: IcedInstruction, form: Form, ops: ROp[], bitness: 16 | 32 | 64): void {
  const sizeIdx = bitness === 16 ? 0 : bitness === 32 ? 1 : 2;
  form.kinds.forEach((kind, i) => {
    const user = form.visible.indexOf(i);
    if (user >= 0) {
      const op = ops[user];
      if (op.k !== 'reg') issue('register expected');
      ins.setOpKind(i, OpKind.Register);
      ins.setOpRegister(i, op.reg.reg);
    } else if (kind === K.seg_rBX_al) {
      ins.setOpKind(i, OpKind.Memory);
      ins.memoryBase = [Register.BX, Register.EBX, Register.RBX][sizeIdx];
      ins.memoryIndex = Register.AL;
      ins.memoryIndexScale = 1;
    } else if (STRING_KIND[kind]) {
      ins.setOpKind(i, STRING_KIND[kind][sizeIdx]);
    } else {
      ins.setOpKind(i, OpKind.Register);
      ins.setOpRegister(i, fixedRegister(kind) ?? Register.None);
    }
  });
}

function memoryOperand(m: RMem, opts: BuildOptions): MemoryOperand {
  const { bitness } = opts;
  if (m.rel && bitness === 64) {
    return new iced.MemoryOperand(Register.RIP, Register.None, 1, BigInt.asIntN(64, m.disp), 8, false, m.seg);
  }
  if (m.rel && m.relExplicit) issue('RIP-relative addressing needs 64-bit mode');
  if (m.addrSize === 64 && bitness !== 64) issue('64-bit registers in an address outside 64-bit mode');
  const addr = m.addrSize || bitness;
  const full = addr / 8;
  const base = m.base?.reg ?? Register.None;
  const index = m.index?.reg ?? Register.None;
  if (!m.base && !m.index) {
    // An absolute address: 64-bit mode takes any 64-bit value here (moffs forms use it; modrm
    // forms reject what does not sign-extend from 32 bits).
    const disp = addr === 64 ? m.disp : checkedDisp(m.disp, addr, true);
    return new iced.MemoryOperand(Register.None, Register.None, 1, disp, full, false, m.seg);
  }
  const disp = checkedDisp(m.disp, addr, false);
  const displSize = m.reloc ? full : disp === 0n ? 0 : 1;
  return new iced.MemoryOperand(base, index, m.scale, disp, displSize, false, m.seg);
}

function checkedDisp(v: bigint, addr: number, absolute: boolean): bigint {
  if (addr === 16) {
    if (!inRange(v, -0x8000n, 0xffffn)) issue('displacement out of range');
    return absolute ? BigInt.asUintN(16, v) : BigInt.asIntN(16, v);
  }
  const max = addr === 32 ? 0xffff_ffffn : 0x7fff_ffffn;
  if (!inRange(v, -0x8000_0000n, max)) issue('displacement out of range');
  return absolute ? BigInt.asUintN(32, v) : BigInt.asIntN(32, v);
}
