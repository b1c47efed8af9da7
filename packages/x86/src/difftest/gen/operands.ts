// Concrete operands for an iced instruction form: every OpCodeOperandKind a legacy general-purpose,
// x87, MMX or SSE form can have, with a record of where each operand lives so a generator can
// then give it a value (a register's start value or a patch at the memory operand).
import { OpCodeOperandKind as K, Register } from '../../iced/iced.js';
import type { EncOperand, FormInfo } from '../../iced/forms.js';
import { CaseBuilder, gpr, HIGH8, mm, st, xmm } from './builder.js';
import { DATA_BASE } from '../format.js';

export type Slot =
  | { k: 'gpr'; n: number; size: number; high: boolean }
  | { k: 'mem'; off: number; size: number }
  | { k: 'xmm'; n: number }
  | { k: 'mm'; n: number }
  | { k: 'st'; n: number }
  | { k: 'imm'; v: bigint }
  | { k: 'other' };

export interface Picked {
  ops: EncOperand[];
  slots: Slot[];
}

export interface PickOptions {
  /** Probability that an r/m operand is memory. */
  memRate?: number;
  /** Alignment wanted for memory operands (SSE aligned forms). */
  align?: number;
  /** Registers operands must not use (and memory operands must not use as base/index). */
  avoid?: Set<number>;
  /** Shared base register for memory operands (sequences). */
  memBase?: number;
  /** Extra room around memory operands. */
  room?: number;
  /** Chooses an immediate for operand `i` of `bits` bits (defaults to boundary-biased values). */
  imm?: (i: number, bits: number) => bigint;
  /** Probability of a memory operand just outside the data region. */
  outside?: number;
}

const R = Register as unknown as Record<string, number>;
const SEGS = [Register.ES, Register.CS, Register.SS, Register.DS, Register.FS, Register.GS];

function regSize(kind: number): number {
  switch (kind) {
    case K.r8_or_mem: case K.r8_reg: case K.r8_opcode: return 1;
    case K.r16_or_mem: case K.r16_reg: case K.r16_opcode: case K.r16_rm: case K.r16_reg_mem: return 2;
    case K.r32_or_mem: case K.r32_reg: case K.r32_opcode: case K.r32_rm: case K.r32_reg_mem: return 4;
    default: return 8;
  }
}

const sx = (v: bigint, bits: number) => BigInt.asIntN(bits, v);

export function pickOperands(b: CaseBuilder, f: FormInfo, o: PickOptions = {}): Picked {
  const rng = b.rng;
  const ops: EncOperand[] = [];
  const slots: Slot[] = [];
  const memRate = o.memRate ?? 0.4;
  const avoid = o.avoid ?? new Set<number>();
  const memSize = f.memBytes || 1;
  let usedRex = false;
  const memory = () => {
    const p = b.mem({ size: memSize, align: o.align, avoid, base: o.memBase, room: o.room, outside: o.outside });
    ops.push(p.op); slots.push({ k: 'mem', off: p.off, size: memSize });
  };
  const register = (size: number) => {
    // AH-BH cannot be encoded next to a REX prefix; allow them only while no operand needs REX.
    const r = b.reg(size, { allowHigh: size === 1 && !usedRex, avoid });
    const high = HIGH8.includes(r.reg);
    if (!high && (r.n >= 8 || (size === 1 && r.n >= 4) || size === 8)) usedRex = true;
    ops.push({ k: 'reg', reg: r.reg }); slots.push({ k: 'gpr', n: r.n, size, high });
  };
  const immediate = (i: number, bits: number, signed: boolean) => {
    let v = o.imm ? o.imm(i, bits) : b.imm(bits);
    v &= (1n << BigInt(bits)) - 1n;
    if (signed) v = sx(v, bits);
    ops.push({ k: 'imm', v }); slots.push({ k: 'imm', v });
  };
  const fixedReg = (reg: number, n: number, size: number) => {
    ops.push({ k: 'reg', reg }); slots.push({ k: 'gpr', n, size, high: false });
  };
  f.ops.forEach((kind, i) => {
    switch (kind) {
      case K.r8_or_mem: case K.r16_or_mem: case K.r32_or_mem: case K.r64_or_mem:
        if (rng.bool(memRate)) memory(); else register(regSize(kind));
        break;
      case K.r8_reg: case K.r8_opcode: case K.r16_reg: case K.r16_opcode: case K.r16_rm:
      case K.r32_reg: case K.r32_opcode: case K.r32_rm: case K.r64_reg: case K.r64_opcode: case K.r64_rm:
        register(regSize(kind));
        break;
      case K.r16_reg_mem: case K.r32_reg_mem: case K.r64_reg_mem:
        if (rng.bool(memRate)) memory(); else register(regSize(kind));
        break;
      case K.mem:
        memory();
        break;
      case K.mem_offs: {
        const off = b.pickOffset({ size: memSize, outside: o.outside });
        ops.push({ k: 'mem', base: 0, index: 0, scale: 1, disp: DATA_BASE + off, dispSize: 8 });
        slots.push({ k: 'mem', off, size: memSize });
        break;
      }
      case K.al: fixedReg(Register.AL, 0, 1); break;
      case K.cl: fixedReg(Register.CL, 1, 1); break;
      case K.ax: fixedReg(Register.AX, 0, 2); break;
      case K.dx: fixedReg(Register.DX, 2, 2); break;
      case K.eax: fixedReg(Register.EAX, 0, 4); break;
      case K.rax: fixedReg(Register.RAX, 0, 8); break;
      case K.imm8: immediate(i, 8, false); break;
      case K.imm8sex16: case K.imm8sex32: case K.imm8sex64: immediate(i, 8, true); break;
      case K.imm16: immediate(i, 16, false); break;
      case K.imm32: immediate(i, 32, false); break;
      case K.imm32sex64: immediate(i, 32, true); break;
      case K.imm64: immediate(i, 64, false); break;
      case K.imm8_const_1: ops.push({ k: 'imm', v: 1n }); slots.push({ k: 'imm', v: 1n }); break;
      case K.seg_reg: {
        const s = rng.int(6);
        ops.push({ k: 'reg', reg: SEGS[s] }); slots.push({ k: 'other' });
        break;
      }
      case K.es: ops.push({ k: 'reg', reg: Register.ES }); slots.push({ k: 'other' }); break;
      case K.cs: ops.push({ k: 'reg', reg: Register.CS }); slots.push({ k: 'other' }); break;
      case K.ss: ops.push({ k: 'reg', reg: Register.SS }); slots.push({ k: 'other' }); break;
      case K.ds: ops.push({ k: 'reg', reg: Register.DS }); slots.push({ k: 'other' }); break;
      case K.fs: ops.push({ k: 'reg', reg: Register.FS }); slots.push({ k: 'other' }); break;
      case K.gs: ops.push({ k: 'reg', reg: Register.GS }); slots.push({ k: 'other' }); break;
      case K.xmm_reg: case K.xmm_rm: { const n = rng.int(16); ops.push({ k: 'reg', reg: xmm(n) }); slots.push({ k: 'xmm', n }); break; }
      case K.xmm_or_mem:
        if (rng.bool(memRate)) memory(); else { const n = rng.int(16); ops.push({ k: 'reg', reg: xmm(n) }); slots.push({ k: 'xmm', n }); }
        break;
      case K.xmm_vvvv: case K.xmm_is4: { const n = rng.int(16); ops.push({ k: 'reg', reg: xmm(n) }); slots.push({ k: 'xmm', n }); break; }
      case K.ymm_reg: case K.ymm_rm: case K.ymm_vvvv: case K.ymm_is4: { const n = rng.int(16); ops.push({ k: 'reg', reg: R[`YMM${n}`] }); slots.push({ k: 'other' }); break; }
      case K.ymm_or_mem:
        if (rng.bool(memRate)) memory(); else { const n = rng.int(16); ops.push({ k: 'reg', reg: R[`YMM${n}`] }); slots.push({ k: 'other' }); }
        break;
      case K.r32_vvvv: case K.r64_vvvv: register(kind === K.r32_vvvv ? 4 : 8); break;
      case K.mm_reg: case K.mm_rm: { const n = rng.int(8); ops.push({ k: 'reg', reg: mm(n) }); slots.push({ k: 'mm', n }); break; }
      case K.mm_or_mem:
        if (rng.bool(memRate)) memory(); else { const n = rng.int(8); ops.push({ k: 'reg', reg: mm(n) }); slots.push({ k: 'mm', n }); }
        break;
      case K.cr_reg: ops.push({ k: 'reg', reg: R[`CR${rng.pick([0, 2, 3, 4, 8])}`] }); slots.push({ k: 'other' }); break;
      case K.dr_reg: ops.push({ k: 'reg', reg: R[`DR${rng.pick([0, 1, 2, 3, 6, 7])}`] }); slots.push({ k: 'other' }); break;
      case K.st0: ops.push({ k: 'reg', reg: st(0) }); slots.push({ k: 'st', n: 0 }); break;
      case K.sti_opcode: { const n = rng.int(8); ops.push({ k: 'reg', reg: st(n) }); slots.push({ k: 'st', n }); break; }
      default:
        throw new Error(`operand kind ${kind} of ${f.name} has no generator`);
    }
  });
  return { ops, slots };
}

/** Gives an operand a start value: a register's value, or bytes at its memory location. */
export function setSlot(b: CaseBuilder, s: Slot, v: bigint): void {
  if (s.k === 'gpr') {
    if (b.fixed.has(s.n) && !s.high) return;
    const bits = BigInt(s.size * 8);
    const shift = s.high ? 8n : 0n;
    const mask = ((1n << bits) - 1n) << shift;
    b.gpr[s.n] = (b.gpr[s.n] & ~mask) | ((v << shift) & mask);
  } else if (s.k === 'mem') {
    b.patchInt(s.off, s.size, v);
  }
}

/** The start value of an integer operand (register or memory), when the generator set or knows it. */
export function regOf(b: CaseBuilder, s: Slot): bigint | undefined {
  if (s.k !== 'gpr') return undefined;
  const v = s.high ? b.gpr[s.n] >> 8n : b.gpr[s.n];
  return v & ((1n << BigInt(s.size * 8)) - 1n);
}

export { gpr };
