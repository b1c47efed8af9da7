// The x87 opcode register (FOP): the low three bits of the first opcode byte and the ModRM byte,
// computed at compile time from iced's opcode tables. The decoded IR does not keep the ModRM byte
// of memory forms, so its mod/rm fields are rebuilt from the addressing form, assuming the
// shortest displacement (what assemblers and compilers emit).
import { iced, OpCodeOperandKind } from '../../iced/iced.js';
import { OK, type Insn, type Operand } from '../../ir.js';

interface Form {
  /** Opcode bytes: one byte (memory forms, with `group` = ModRM.reg) or two (register forms). */
  opcode: number;
  twoByte: boolean;
  group: number;
  /** Index of the ST(i) operand encoded in the second byte, or -1. */
  sti: number;
  /** FN* forms (and FXSAVE/FXRSTOR) do not check for pending exceptions. */
  noWait: boolean;
}

const forms = new Map<number, Form>();

export function formOf(code: number): Form {
  let f = forms.get(code);
  if (f) return f;
  const info = iced.CodeExt.opCode(code);
  try {
    let sti = -1;
    for (let n = 0; n < info.opCount; n++) if (info.opKind(n) === OpCodeOperandKind.sti_opcode) sti = n;
    f = { opcode: info.opCode, twoByte: info.opCodeLength === 2, group: info.groupIndex, sti, noWait: info.isFpuNoWait };
  } finally {
    info.free();
  }
  forms.set(code, f);
  return f;
}

export function fopOf(i: Insn): number {
  const f = formOf(i.code);
  if (f.twoByte) {
    const reg = f.sti >= 0 ? i.ops[f.sti].reg : 0;
    return (((f.opcode >> 8) & 7) << 8) | ((f.opcode & 0xff) + reg);
  }
  const mem = i.ops.find((o) => o.k === OK.Mem);
  const modrm = mem ? modRm(mem, i.addrSize) : 0xc0;
  return ((f.opcode & 7) << 8) | modrm | ((f.group & 7) << 3);
}

/** ModRM mod and r/m fields (reg left 0) of a memory operand. */
function modRm(m: Operand, addrSize: number): number {
  const d = m.disp;
  if (addrSize === 16) {
    const b = m.base, x = m.index;
    // [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] [BX]: GPR numbers 3/6, 3/7, 5/6, 5/7, 6, 7, 5, 3.
    let rm: number;
    if (b === -1 && x === -1) return 0x06;
    if (x >= 0) rm = (b === 5 ? 2 : 0) + (x === 7 ? 1 : 0);
    else rm = b === 6 ? 4 : b === 7 ? 5 : b === 5 ? 6 : 7;
    const mod = d === 0 && rm !== 6 ? 0 : d >= -128 && d <= 127 ? 1 : 2;
    return (mod << 6) | rm;
  }
  if (m.base === 16) return 0x05; // RIP-relative
  const sib = m.index >= 0 || m.base === -1 || (m.base & 7) === 4;
  if (m.base === -1) return addrSize === 64 || m.index >= 0 ? 0x04 : 0x05;
  const mod = d === 0 && (m.base & 7) !== 5 ? 0 : d >= -128 && d <= 127 ? 1 : 2;
  return (mod << 6) | (sib ? 4 : m.base & 7);
}
