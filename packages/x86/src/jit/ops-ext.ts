// Instruction groups beyond the integer core (x87, SSE/SSE2, MMX, CMPXCHG8B/16B, ...). Each group
// registers here; an instruction no group claims compiles to an `unimplemented` exit.
import type { Insn } from '../ir.js';
import type { Emitter } from './emitter.js';

export function extended(_e: Emitter, _i: Insn): boolean {
  return false;
}
