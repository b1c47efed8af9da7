// Rounding of an exactly known result into binary32/binary64 under MXCSR: rounding control,
// overflow, tininess detected after rounding (as x86 does), FTZ, and the post-computation flags.
//
// Every operation hands over its exact result as ±(d + τ)·2^k: d is a positive double, the
// correctly rounded (to 53 bits) value of the exact result scaled by 2^-k, and τ is what rounding
// lost, known only by its sign (`tail`). Error-free transformations (TwoSum, Dekker's product,
// exact residuals of division and square root) give that sign. Knowing d and sign(τ) is enough to
// round to any coarser grid (24 bits, or the subnormal grid) under any mode: grid points and the
// midpoints between them are doubles, so the exact value lies on the same side of each as d does,
// except when d sits exactly on one, where sign(τ) decides.
import { EMAX, EMIN, MX, PREC, RD, RN, RU, RZ, encode, exponentOf, infinity, maxFinite, pow2, scale, zero } from './fp.js';

/** Flags an operation produced (MXCSR bit positions), accumulated by the lane functions. */
export const lane = { flags: 0 };

/**
 * Rounds d + τ to a multiple of g (a power of two no finer than d's last bit). `dir` is +1 to
 * round the magnitude up when inexact, -1 for down, 0 for nearest-even.
 */
function gridRound(d: number, tail: number, g: number, dir: number): number {
  const q = d / g;
  const fq = Math.floor(q);
  const frac = q - fq;
  if (frac === 0 && tail === 0) return d;
  // The exact value lies strictly between lo·g and (lo + 1)·g.
  const lo = frac === 0 && tail < 0 ? fq - 1 : fq;
  let up: boolean;
  if (dir > 0) up = true;
  else if (dir < 0) up = false;
  else {
    if (frac === 0) return d; // within half a double ulp of a grid point
    up = frac > 0.5 || (frac === 0.5 && (tail > 0 || (tail === 0 && lo % 2 !== 0)));
  }
  return (up ? lo + 1 : lo) * g;
}

/** +1 (magnitude rounds up), -1 (down) or 0 (nearest) for a result of the given sign. */
function direction(mx: number, neg: boolean): number {
  const rc = (mx >> MX.RC_SHIFT) & 3;
  if (rc === RN) return 0;
  if (rc === RZ) return -1;
  return (rc === RU) !== neg ? 1 : -1;
}

/**
 * Rounds ±(d + τ)·2^k (d > 0 finite) into `fmt` and returns its encoding (binary64: low word,
 * high word in `bits.hi`). Or-s OE/UE/PE into `lane.flags`. With OE or UE unmasked the
 * destination is left alone (the returned value does not matter) and PE accompanies the flag
 * only if the significand itself was inexact, as if the exponent range were unbounded.
 */
export function roundPack(fmt: number, neg: boolean, d: number, tail: number, k: number, mx: number): number {
  if (d < 1e-300) { d *= pow2(200); k -= 200; }
  const p = PREC[fmt], emin = EMIN[fmt], emax = EMAX[fmt];
  let E = exponentOf(d);
  // A power of two with a negative tail stands for a value in the binade below (finer grid).
  if (tail < 0 && d === pow2(E)) E -= 1;
  const dir = direction(mx, neg);
  // Rounded to p bits with an unbounded exponent: decides overflow and tininess.
  const r = gridRound(d, tail, pow2(E - p + 1), dir);
  const inexact = r !== d || tail !== 0 ? MX.PE : 0;
  const e = E + k, eR = r >= pow2(E + 1) ? e + 1 : e;
  if (eR > emax) {
    if (!(mx & MX.OM)) { lane.flags |= MX.OE | inexact; return 0; }
    lane.flags |= MX.OE | MX.PE;
    return dir < 0 ? maxFinite(fmt, neg) : infinity(fmt, neg);
  }
  if (eR >= emin) {
    lane.flags |= inexact;
    return encode(fmt, neg, scale(r, k));
  }
  if (!(mx & MX.UM)) { lane.flags |= MX.UE | inexact; return 0; }
  if (mx & MX.FTZ) { lane.flags |= MX.UE | MX.PE; return zero(fmt, neg); }
  if (e < emin - p - 1) {
    // Below a quarter of the smallest subnormal: only the mode matters.
    lane.flags |= MX.UE | MX.PE;
    return dir > 0 ? encode(fmt, neg, pow2(emin - p + 1)) : zero(fmt, neg);
  }
  const r2 = gridRound(d, tail, pow2(emin - p + 1 - k), dir);
  if (r2 !== d || tail !== 0) lane.flags |= MX.UE | MX.PE;
  return r2 === 0 ? zero(fmt, neg) : encode(fmt, neg, scale(r2, k));
}

/** The sign an exact zero sum (x + (-x)) gets: -0 only when rounding down. */
export function exactZeroSign(mx: number): boolean {
  return ((mx >> MX.RC_SHIFT) & 3) === RD;
}

// ---- error-free transformations ----

/** Sign of the rounding error of s = a + b (s already computed, no overflow). */
export function twoSumTail(a: number, b: number, s: number): number {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

const SPLIT = 134217729; // 2^27 + 1
/** The exact error a·b - RN(a·b) (Dekker), barring overflow in the split and underflow of the error. */
export function twoProductErr(a: number, b: number, p: number): number {
  const ca = SPLIT * a, ah = ca - (ca - a), al = a - ah;
  const cb = SPLIT * b, bh = cb - (cb - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
