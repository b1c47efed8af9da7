// MOVS/STOS/LODS/CMPS/SCAS/INS/OUTS. The iteration loop (REP prefixes, DF, address size, budget
// checks between iterations) lives in the Cpu's string engine; a REP form always ends its block.
import { OK, type Insn } from '../ir.js';
import { Mnemonic as M } from '../iced/iced.js';
import { type Emitter } from './emitter.js';

export const STR_KIND: Record<number, number> = {
  [M.Movsb]: 0, [M.Movsw]: 0, [M.Movsd]: 0, [M.Movsq]: 0,
  [M.Stosb]: 1, [M.Stosw]: 1, [M.Stosd]: 1, [M.Stosq]: 1,
  [M.Lodsb]: 2, [M.Lodsw]: 2, [M.Lodsd]: 2, [M.Lodsq]: 2,
  [M.Cmpsb]: 3, [M.Cmpsw]: 3, [M.Cmpsd]: 3, [M.Cmpsq]: 3,
  [M.Scasb]: 4, [M.Scasw]: 4, [M.Scasd]: 4, [M.Scasq]: 4,
  [M.Insb]: 5, [M.Insw]: 5, [M.Insd]: 5,
  [M.Outsb]: 6, [M.Outsw]: 6, [M.Outsd]: 6,
};

/** True for the string forms (MOVSD with two XMM operands is an SSE instruction, not a string op). */
export function isStringOp(i: Insn): boolean {
  if (STR_KIND[i.mnem] === undefined) return false;
  return i.ops.every((o) => o.k !== OK.Reg || o.size <= 8);
}

export function stringOp(e: Emitter, i: Insn): void {
  const kind = STR_KIND[i.mnem];
  const mem = i.ops.find((o) => o.k === OK.Mem);
  const size = mem ? mem.size : i.opSize;
  // The source segment (overridable) comes from the [rSI] operand; ES:[rDI] is fixed.
  const src = i.ops.find((o) => o.k === OK.Mem && o.base === 6);
  const seg = src ? src.seg : 3;
  e.fault();
  const call = `c.str(${kind}, ${size}, ${i.rep}, ${i.addrSize}, ${seg}, ${e.ip})`;
  if (i.rep) {
    e.emit(`st.rip = ${call} ? ${e.next} : ${e.ip};`);
    e.wroteRip = true;
  } else {
    e.emit(`${call};`);
  }
}
