// Source operands of the SSE floating-point instructions as helper arguments.
import { OK, RC, type Operand } from '../../ir.js';
import type { Emitter } from '../emitter.js';

/** Emits the reads of a source operand of `bytes` bytes; returns the `array, offset` helper arguments. */
export function source(e: Emitter, op: Operand, bytes: number, aligned: boolean): string {
  if (op.k === OK.Reg) return op.rc === RC.Mmx ? `st.fpr, ${2 * op.reg}` : `st.xmm, ${4 * op.reg}`;
  const ea = e.ea(op);
  // Through a (pure) helper call: a direct c.raise would make the register cache write back.
  if (aligned) e.emit(`if ((${ea} & 15) !== 0) ssef.gp(c);`);
  if (bytes === 4) e.emit(`ssef.m[0] = rd32(c, ${ea});`);
  else {
    e.emit(`ssef.m[0] = rd64(c, ${ea}); ssef.m[1] = r[36];`);
    if (bytes === 16) e.emit(`ssef.m[2] = rd64(c, ${ea} + 8); ssef.m[3] = r[36];`);
  }
  return 'ssef.m, 0';
}
