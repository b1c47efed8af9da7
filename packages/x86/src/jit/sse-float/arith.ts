// One lane of ADD/SUB/MUL/DIV/SQRT/MIN/MAX in either format, exactly as SSE computes it: operand
// classes first (NaN propagation, invalid operations, division by zero, denormal operands: the
// pre-computation flags), then the exact result handed to roundPack for the post-computation
// ones. Operands come as words (binary32: `alo`; binary64: `alo`, `ahi`); the result is returned
// the same way (binary64 high word in `bits.hi`) and flags are or-ed into `lane.flags`.
import {
  DEN, FIN, INF, MX, QNAN, SNAN, ZERO, bits, classify, defaultNaN, infinity, normalize, norm, opnd, quietNaN, zero,
} from './fp.js';
import { exactZeroSign, lane, roundPack, twoProductErr, twoSumTail } from './round.js';

export const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MIN = 4, MAX = 5, SQRT = 6, RCP = 7, RSQRT = 8;

/** Binary operation `op` (ADD..MAX) on one lane. */
export function arith(op: number, fmt: number, alo: number, ahi: number, blo: number, bhi: number, mx: number): number {
  const daz = (mx & MX.DAZ) !== 0;
  const ca = classify(fmt, alo, ahi, daz), va = opnd.v, na = opnd.neg;
  const cb = classify(fmt, blo, bhi, daz), vb = opnd.v, nb = opnd.neg;
  if (op >= MIN) return minMax(op, fmt, ca, va, na, alo, ahi, cb, vb, nb, blo, bhi);
  if (ca >= QNAN || cb >= QNAN) {
    if (ca === SNAN || cb === SNAN) lane.flags |= MX.IE;
    return ca >= QNAN ? quietNaN(fmt, alo, ahi) : quietNaN(fmt, blo, bhi);
  }
  const den = ((ca | cb) & DEN) !== 0 ? MX.DE : 0;
  switch (op) {
    case ADD: case SUB: return addSub(fmt, ca & 7, va, na, cb & 7, vb, op === SUB ? !nb : nb, den, mx);
    case MUL: return mul(fmt, ca & 7, va, cb & 7, vb, na !== nb, den, mx);
    default: return div(fmt, ca & 7, va, cb & 7, vb, na !== nb, den, mx);
  }
}

function invalid(fmt: number): number {
  lane.flags |= MX.IE;
  return defaultNaN(fmt);
}

const HUGE = 2 ** 1020, NOT_TINY = 2 ** -1000;

function addSub(fmt: number, ca: number, va: number, na: boolean, cb: number, vb: number, nb: boolean, den: number, mx: number): number {
  if (ca === INF || cb === INF) {
    if (ca === INF && cb === INF && na !== nb) return invalid(fmt);
    lane.flags |= den;
    return infinity(fmt, ca === INF ? na : nb);
  }
  lane.flags |= den;
  if (ca === ZERO && cb === ZERO) return zero(fmt, na === nb ? na : exactZeroSign(mx));
  const a = na ? -va : va, b = nb ? -vb : vb;
  if (Math.max(va, vb) >= HUGE && Math.min(va, vb) >= NOT_TINY) {
    // The sum or TwoSum's intermediates could overflow; halving both operands is exact here.
    // (A tiny operand next to a huge one cannot make TwoSum overflow, and halving it could round.)
    const h = a * 0.5 + b * 0.5;
    if (h === 0) return zero(fmt, exactZeroSign(mx));
    const t = twoSumTail(a * 0.5, b * 0.5, h);
    return roundPack(fmt, h < 0, Math.abs(h), h < 0 ? -t : t, 1, mx);
  }
  const s = a + b;
  if (s === 0) return zero(fmt, exactZeroSign(mx));
  const t = twoSumTail(a, b, s);
  return roundPack(fmt, s < 0, Math.abs(s), s < 0 ? -t : t, 0, mx);
}

function mul(fmt: number, ca: number, va: number, cb: number, vb: number, neg: boolean, den: number, mx: number): number {
  if ((ca === INF && cb === ZERO) || (ca === ZERO && cb === INF)) return invalid(fmt);
  lane.flags |= den;
  if (ca === INF || cb === INF) return infinity(fmt, neg);
  if (ca === ZERO || cb === ZERO) return zero(fmt, neg);
  const ea = normalize(va), ma = norm.m;
  const eb = normalize(vb), mb = norm.m;
  const p = ma * mb;
  return roundPack(fmt, neg, p, twoProductErr(ma, mb, p), ea + eb, mx);
}

function div(fmt: number, ca: number, va: number, cb: number, vb: number, neg: boolean, den: number, mx: number): number {
  if ((ca === INF && cb === INF) || (ca === ZERO && cb === ZERO)) return invalid(fmt);
  if (cb === ZERO && ca === FIN) { lane.flags |= MX.ZE; return infinity(fmt, neg); }
  lane.flags |= den;
  if (ca === INF) return infinity(fmt, neg);
  if (ca === ZERO || cb === INF) return zero(fmt, neg);
  const ea = normalize(va), ma = norm.m;
  const eb = normalize(vb), mb = norm.m;
  const q = ma / mb;
  // Exact residual ma - q·mb: ma - p is exact (p is within a factor of two of ma).
  const p = q * mb;
  const rem = (ma - p) - twoProductErr(q, mb, p);
  return roundPack(fmt, neg, q, rem, ea - eb, mx);
}

/** SQRT of one lane (the source operand only). */
export function sqrt(fmt: number, lo: number, hi: number, mx: number): number {
  const c = classify(fmt, lo, hi, (mx & MX.DAZ) !== 0), v = opnd.v, neg = opnd.neg;
  if (c >= QNAN) {
    if (c === SNAN) lane.flags |= MX.IE;
    return quietNaN(fmt, lo, hi);
  }
  if (c === ZERO) return zero(fmt, neg);
  if (neg) return invalid(fmt);
  if (c & DEN) lane.flags |= MX.DE;
  if (c === INF) return infinity(fmt, false);
  let e = normalize(v), m = norm.m;
  if (e & 1) { m *= 2; e -= 1; }
  const q = Math.sqrt(m);
  const p = q * q;
  const rem = (m - p) - twoProductErr(q, q, p);
  return roundPack(fmt, false, q, rem, e / 2, mx);
}

/**
 * MIN/MAX return the second operand whenever the comparison is false: for NaNs (either kind,
 * which signal invalid), for equal values including zeros of either sign. The returned operand
 * is as DAZ left it; nothing is quieted.
 */
function minMax(op: number, fmt: number, ca: number, va: number, na: boolean, alo: number, ahi: number,
  cb: number, vb: number, nb: boolean, blo: number, bhi: number): number {
  if (ca >= QNAN || cb >= QNAN) {
    lane.flags |= MX.IE;
    if (cb === ZERO) return zero(fmt, nb);
    bits.hi = bhi;
    return blo;
  }
  if ((ca | cb) & DEN) lane.flags |= MX.DE;
  const a = na ? -va : va, b = nb ? -vb : vb;
  const pickA = op === MIN ? a < b : a > b;
  if (pickA) {
    if (ca === ZERO) return zero(fmt, na);
    bits.hi = ahi;
    return alo;
  }
  if (cb === ZERO) return zero(fmt, nb);
  bits.hi = bhi;
  return blo;
}
