// CMPPS/CMPSS/CMPPD/CMPSD predicates and the (U)COMISS/(U)COMISD relation, one lane at a time.
import { DEN, MX, QNAN, SNAN, classify, opnd } from './fp.js';
import { lane } from './round.js';

/** Predicates 1, 2, 5, 6 (LT, LE, NLT, NLE) signal invalid on QNaNs too; the others only on SNaNs. */
const SIGNALING = 0x66;

/** CMPxx with predicate imm8[2:0]: all-ones (-1) when true, else 0. */
export function cmpLane(pred: number, fmt: number, alo: number, ahi: number, blo: number, bhi: number, mx: number): number {
  const r = relation(fmt, alo, ahi, blo, bhi, mx, ((SIGNALING >> pred) & 1) !== 0);
  switch (pred) {
    case 0: return r === EQ ? -1 : 0;
    case 1: return r === LT ? -1 : 0;
    case 2: return r === LT || r === EQ ? -1 : 0;
    case 3: return r === UN ? -1 : 0;
    case 4: return r !== EQ ? -1 : 0;
    case 5: return r !== LT ? -1 : 0;
    case 6: return r === LT || r === EQ ? 0 : -1;
    default: return r !== UN ? -1 : 0;
  }
}

export const LT = 0, EQ = 1, GT = 2, UN = 3;

/**
 * Orders two lane operands (after DAZ). NaNs make the pair unordered and signal invalid if one
 * is signaling or `quietSignals` (COMIS and the ordered-signaling predicates); denormal
 * operands of an ordered pair signal DE.
 */
export function relation(fmt: number, alo: number, ahi: number, blo: number, bhi: number, mx: number, quietSignals: boolean): number {
  const daz = (mx & MX.DAZ) !== 0;
  const ca = classify(fmt, alo, ahi, daz), a = opnd.neg ? -opnd.v : opnd.v;
  const cb = classify(fmt, blo, bhi, daz), b = opnd.neg ? -opnd.v : opnd.v;
  if (ca >= QNAN || cb >= QNAN) {
    if (quietSignals || ca === SNAN || cb === SNAN) lane.flags |= MX.IE;
    return UN;
  }
  if ((ca | cb) & DEN) lane.flags |= MX.DE;
  return a < b ? LT : a > b ? GT : EQ;
}

/**
 * Lazy-flag words for a COMIS result (see CpuState.setRflags): unordered ZF=PF=CF=1, less CF=1,
 * equal ZF=1, greater none; OF, SF and AF are cleared.
 */
export const COMI_RES = [1, 0, 1, 0];
export const COMI_AUX = [1, 4, 0, 1];
