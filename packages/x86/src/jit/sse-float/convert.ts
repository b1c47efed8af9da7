// One lane of the CVT* family: float ↔ float, integer → float, float → integer (rounded by
// MXCSR.RC, or truncated for CVTT*). Results as in arith.ts: words returned, binary64 and int64
// high words in `bits.hi`, flags or-ed into `lane.flags`.
import { DEN, F32, INF, MX, QNAN, RD, RU, RZ, SNAN, ZERO, bits, classify, encode, infinity, opnd, zero } from './fp.js';
import { lane, roundPack, twoSumTail } from './round.js';

/** CVTSS2SD/CVTPS2PD (from F32) and CVTSD2SS/CVTPD2PS (from F64): converts to the other format. */
export function floatToFloat(from: number, lo: number, hi: number, mx: number): number {
  const c = classify(from, lo, hi, (mx & MX.DAZ) !== 0), v = opnd.v, neg = opnd.neg;
  const to = 1 - from;
  if (c >= QNAN) {
    if (c === SNAN) lane.flags |= MX.IE;
    // The payload keeps its leading bits; the quiet bit is set.
    if (from === F32) {
      bits.hi = (lo & 0x80000000) | 0x7ff80000 | ((lo & 0x7fffff) >>> 3);
      return (lo & 7) << 29;
    }
    return (hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
  }
  if (c === ZERO) return zero(to, neg);
  if (c === INF) return infinity(to, neg);
  if (c & DEN) lane.flags |= MX.DE;
  if (from === F32) return encode(to, neg, v);
  return roundPack(F32, neg, v, 0, 0, mx);
}

/** CVTSI2SS/SD, CVTDQ2PS/PD, CVTPI2PS/PD: the signed integer hi·2^32 + (lo unsigned). */
export function intToFloat(to: number, lo: number, hi: number, mx: number): number {
  const a = hi * 4294967296, b = lo >>> 0;
  const s = a + b;
  if (s === 0) return zero(to, false);
  const t = twoSumTail(a, b, s);
  return roundPack(to, s < 0, Math.abs(s), s < 0 ? -t : t, 0, mx);
}

const TWO31 = 2147483648, TWO63 = 9223372036854775808, TWO52 = 4503599627370496;

/**
 * CVT(T)SS2SI, CVT(T)SD2SI, CVT(T)PS2DQ/PI, CVT(T)PD2DQ/PI: to a 32-bit (`wide` false) or
 * 64-bit signed integer. NaNs, infinities and out-of-range values signal invalid and give the
 * integer indefinite (the most negative integer).
 */
export function floatToInt(from: number, lo: number, hi: number, mx: number, truncate: boolean, wide: boolean): number {
  const c = classify(from, lo, hi, (mx & MX.DAZ) !== 0), v = opnd.v;
  const x = opnd.neg ? -v : v;
  if (c === ZERO) { bits.hi = 0; return 0; }
  let r: number;
  if (c === INF || c >= QNAN) r = NaN;
  else if (v >= TWO52) r = x;
  else {
    const rc = truncate ? RZ : (mx >> MX.RC_SHIFT) & 3;
    const f = Math.floor(x), frac = x - f;
    if (rc === RZ) r = Math.trunc(x);
    else if (rc === RD) r = f;
    else if (rc === RU) r = frac > 0 ? f + 1 : f;
    else r = frac > 0.5 || (frac === 0.5 && f % 2 !== 0) ? f + 1 : f;
  }
  if (!(wide ? r >= -TWO63 && r < TWO63 : r >= -TWO31 && r < TWO31)) {
    lane.flags |= MX.IE;
    if (wide) { bits.hi = 0x80000000 | 0; return 0; }
    bits.hi = 0;
    return 0x80000000 | 0;
  }
  if (r !== x) lane.flags |= MX.PE;
  if (!wide) { bits.hi = r < 0 ? -1 : 0; return r | 0; }
  const h = Math.floor(r / 4294967296);
  bits.hi = h | 0;
  return (r - h * 4294967296) | 0;
}
