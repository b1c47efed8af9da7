// The x87 FPU as an instruction group: emitters in emit.ts, runtime helpers bound as `x87` (and
// `x87f`) in every compiled block, arithmetic in ../../fpu.
import { registerGroup } from '../ops-ext.js';
import { emitX87 } from './emit.js';
import { arith, arithMem, binary, pushing, unary } from './h-arith.js';
import { com, comMem, comi, tst, xam } from './h-compare.js';
import { init, ldcw, ldenv, rstor, save, stenv } from './h-control.js';
import { fxrstor, fxsave } from './h-fxsave.js';
import { cmov, free, incTop, load, loadConst, loadReg, nop, store, storeReg, storeRegNce, xch } from './h-move.js';
import { pendingMf, waitMf } from './regs.js';

export const x87Helpers = {
  mf: pendingMf, wait: waitMf,
  arith, arithMem, unary, binary, pushing,
  load, loadReg, loadConst, store, storeReg, storeRegNce, xch, cmov, free, incTop, nop,
  com, comMem, tst, xam,
  init, ldcw, stenv, ldenv, save, rstor, fxsave, fxrstor,
};

/** None of these touches the guest's general registers or flags: the register cache stays put. */
registerGroup('x87', emitX87, x87Helpers, { pure: true });
/** FCOMI and friends write ZF/PF/CF, so they live in a group of their own that is not pure. */
registerGroup('x87f', () => false, { comi });
