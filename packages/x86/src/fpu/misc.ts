// The remaining non-transcendental operations: round to integer, scale, extract, partial
// remainder, comparisons and classification.
import { propagateNaN } from './arith.js';
import { fromU64, roundToInt } from './convert.js';
import {
  C0, C1, C2, C3, DE, Fpu, IE, K, ZE, classify, normalize, roundPack, setIndefinite, setInf, setZero,
  ua, ub, unpack,
} from './ext.js';

/** FRNDINT: round to an integer per the rounding control (precision control does not apply). */
export function rndint(f: Fpu, se: number, hi: number, lo: number): void {
  const k = classify(se, hi, lo);
  f.c1 = 0;
  switch (k) {
    case K.Unsupported: f.flags |= IE; setIndefinite(f); return;
    case K.SNaN: case K.QNaN: propagateNaN(f, k, se, hi, lo, K.Zero, 0, 0, 0); return;
    case K.Zero: case K.Inf: f.set(se, hi, lo); return;
    case K.Denormal: f.flags |= DE; break;
    default: if ((se & 0x7fff) >= 16383 + 63) { f.set(se, hi, lo); return; }
  }
  roundToInt(f, se, hi, lo, ua);
  fromU64(f, se & 0x8000, ua.h, ua.l);
}

/** FSCALE: a × 2^trunc(b). */
export function scale(f: Fpu, ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  const sign = ase >>> 15;
  f.c1 = 0;
  if (ka === K.Unsupported || kb === K.Unsupported) { f.flags |= IE; setIndefinite(f); return; }
  if (ka === K.QNaN || ka === K.SNaN || kb === K.QNaN || kb === K.SNaN) {
    propagateNaN(f, ka, ase, ahi, alo, kb, bse, bhi, blo);
    return;
  }
  const bneg = bse >>> 15;
  if (kb === K.Inf) {
    if ((ka === K.Zero && !bneg) || (ka === K.Inf && bneg)) { f.flags |= IE; setIndefinite(f); return; }
    if (ka === K.Denormal) f.flags |= DE;
    if (ka === K.Zero || bneg) setZero(f, sign); else setInf(f, sign);
    return;
  }
  if (ka === K.Denormal || kb === K.Denormal) f.flags |= DE;
  if (ka === K.Zero || ka === K.Inf) { f.set(ase, ahi, alo); return; }
  // trunc(b), saturated well beyond any exponent that can matter.
  let n = 0;
  if (kb !== K.Zero) {
    const eb = (bse & 0x7fff) - 16383;
    if (eb >= 30) n = 1 << 30;
    else if (eb >= 0) n = (bhi >>> 0) >>> (31 - eb);
    if (bneg) n = -n;
  }
  unpack(ua, ase, ahi, alo);
  ua.e += n;
  roundPack(f, sign, ua, 64);
}

/** FXTRACT: the exponent (into `f`) and significand (into `sig`) of a. */
export function xtract(f: Fpu, sig: Fpu, se: number, hi: number, lo: number): void {
  const k = classify(se, hi, lo);
  f.c1 = 0;
  switch (k) {
    case K.Unsupported: f.flags |= IE; setIndefinite(f); setIndefinite(sig); return;
    case K.SNaN: case K.QNaN:
      propagateNaN(f, k, se, hi, lo, K.Zero, 0, 0, 0);
      sig.set(f.se, f.hi, f.lo);
      return;
    case K.Zero: f.flags |= ZE; setInf(f, 1); sig.set(se, 0, 0); return;
    case K.Inf: setInf(f, 0); sig.set(se, hi, lo); return;
    case K.Denormal: f.flags |= DE; break;
    default: break;
  }
  unpack(ua, se, hi, lo);
  sig.set((se & 0x8000) | 16383, ua.h, ua.l);
  const x = ua.e - 16383;
  const m = x < 0 ? -x : x;
  if (m === 0) { f.set(0, 0, 0); return; }
  const n = Math.clz32(m);
  f.set((x < 0 ? 0x8000 : 0) | (16383 + 31 - n), (m << n) >>> 0, 0);
}


/**
 * FPREM (truncating quotient) or FPREM1 (`nearest`: IEEE remainder). Leaves the (partial)
 * remainder in f and returns the condition bits C0/C1/C2/C3 to set (quotient bits Q2, Q0, the
 * incomplete-reduction bit, Q1), or -1 for a NaN, unsupported or invalid operand (no quotient).
 */
export function prem(f: Fpu, ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, nearest: boolean): number {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  f.c1 = 0;
  if (ka === K.Unsupported || kb === K.Unsupported) { f.flags |= IE; setIndefinite(f); return -1; }
  if (ka === K.QNaN || ka === K.SNaN || kb === K.QNaN || kb === K.SNaN) {
    propagateNaN(f, ka, ase, ahi, alo, kb, bse, bhi, blo);
    return -1;
  }
  if (ka === K.Inf || kb === K.Zero) { f.flags |= IE; setIndefinite(f); return -1; }
  if (ka === K.Denormal || kb === K.Denormal) f.flags |= DE;
  if (ka === K.Zero || kb === K.Inf) { f.set(ase, ahi, alo); return 0; }
  const sign = ase >>> 15;
  unpack(ua, ase, ahi, alo);
  unpack(ub, bse, bhi, blo);
  let d = ua.e - ub.e;
  if (d < -1 || (d === -1 && !nearest)) { f.set(ase, ahi, alo); return roundTiny(f, ase, ahi, alo); }
  let partial = false;
  let scaleBack = 0;
  if (d >= 64) {
    // Partial reduction (C2 = 1): the exponent difference drops to a multiple of 32 by reducing
    // with b·2^(d-N), N = 32 + (d - 32) mod 32 (measured; Intel documents N as 32 to 63).
    partial = true;
    const n = 32 + ((d - 32) & 31);
    scaleBack = d - n;
    d = n;
  }
  // R (top bit rt : rh : rl) starts as A; each step yields one quotient bit.
  let rt = 0, rh = ua.h, rl = ua.l;
  const bh = ub.h, bl = ub.l;
  let q = 0; // the low three quotient bits are all that is reported
  // d = -1 (FPREM1 only: |a| below |b| but possibly above |b|/2): no division step; the rounding
  // below decides, comparing |a| with |b|/2 in units of a's LSB.
  const halfStep = d === -1;
  if (!halfStep) {
    for (let k = d; k >= 0; k--) {
      let bit = 0;
      if (rt || rh > bh || (rh === bh && rl >= bl)) {
        let v = rl - bl, br = 0;
        if (v < 0) { v += 4294967296; br = 1; }
        rl = v; rh = (rh - bh - br) >>> 0; rt = 0; bit = 1;
      }
      q = ((q << 1) | bit) & 7;
      if (k > 0) { rt = rh >>> 31; rh = ((rh << 1) | (rl >>> 31)) >>> 0; rl = (rl << 1) >>> 0; }
    }
  }
  // Remainder R in units of 2^(eb - 63 + scaleBack) (or of a's LSB for the half step).
  let rsign = sign;
  const unitE = halfStep ? ua.e : ub.e + scaleBack;
  if (nearest && !partial) {
    // Round the quotient to nearest: compare 2R with B (for the half step, R = A vs B' = 2B).
    let cmp: number;
    if (halfStep) cmp = rh > bh || (rh === bh && rl > bl) ? 1 : rh === bh && rl === bl ? 0 : -1;
    else {
      const th = rh >>> 31, h2 = ((rh << 1) | (rl >>> 31)) >>> 0, l2 = (rl << 1) >>> 0;
      cmp = th ? 1 : h2 > bh || (h2 === bh && l2 > bl) ? 1 : h2 === bh && l2 === bl ? 0 : -1;
    }
    if (cmp > 0 || (cmp === 0 && (q & 1))) {
      // R' = B - R (or 2B - A for the half step), with the sign flipped; Q + 1.
      let sh = bh, sl = bl, st = 0;
      if (halfStep) { st = sh >>> 31; sh = ((sh << 1) | (sl >>> 31)) >>> 0; sl = (sl << 1) >>> 0; }
      let v = sl - rl, br = 0;
      if (v < 0) { v += 4294967296; br = 1; }
      rl = v;
      v = sh - rh - br; br = 0;
      if (v < 0) { v += 4294967296; br = 1; }
      rh = v; rt = st - br;
      rsign ^= 1;
      q = (q + 1) & 7;
    }
  }
  // A partial reduction reports no quotient bits.
  const cc = partial ? C2 : (q & 4 ? C0 : 0) | (q & 2 ? C3 : 0) | (q & 1 ? C1 : 0);
  if ((rt | rh | rl) === 0) { setZero(f, sign); return cc; }
  ua.h = rh; ua.l = rl; ua.x = 0; ua.s = 0; ua.e = unitE;
  if (rt) { ua.l = ((rl >>> 1) | (rh << 31)) >>> 0; ua.h = ((rh >>> 1) | 0x80000000) >>> 0; ua.e += 1; }
  normalize(ua);
  roundPack(f, rsign, ua, 64);
  return cc;
}

/** A remainder equal to the (possibly denormal) dividend still goes through underflow handling. */
function roundTiny(f: Fpu, se: number, hi: number, lo: number): number {
  if ((se & 0x7fff) !== 0) return 0;
  unpack(ua, se, hi, lo);
  roundPack(f, se >>> 15, ua, 64);
  return 0;
}

/** Comparison outcomes as C3/C2/C0 bits (RFLAGS ZF/PF/CF for FCOMI use the same pattern). */
export const CMP_GT = 0, CMP_LT = C0, CMP_EQ = C3, CMP_UN = C3 | C2 | C0;

/**
 * Compares a with b. `quiet` (FUCOM*) raises IE only for SNaNs; ordered compares raise it for any
 * NaN. Unsupported encodings are invalid and unordered; denormals raise DE.
 */
export function compare(f: Fpu, ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, quiet: boolean): number {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  if (ka >= K.QNaN || kb >= K.QNaN) {
    if (!quiet || ka === K.SNaN || kb === K.SNaN || ka === K.Unsupported || kb === K.Unsupported) f.flags |= IE;
    return CMP_UN;
  }
  if (ka === K.Denormal || kb === K.Denormal) f.flags |= DE;
  const za = ka === K.Zero, zb = kb === K.Zero;
  if (za && zb) return CMP_EQ;
  const sa = ase >>> 15, sb = bse >>> 15;
  if (za) return sb ? CMP_GT : CMP_LT;
  if (zb) return sa ? CMP_LT : CMP_GT;
  if (sa !== sb) return sa ? CMP_LT : CMP_GT;
  let c: number; // magnitude order
  if (ka === K.Inf || kb === K.Inf) c = ka === kb ? 0 : ka === K.Inf ? 1 : -1;
  else {
    unpack(ua, ase, ahi, alo);
    unpack(ub, bse, bhi, blo);
    c = ua.e !== ub.e ? (ua.e > ub.e ? 1 : -1) : ua.h !== ub.h ? (ua.h > ub.h ? 1 : -1) : ua.l !== ub.l ? (ua.l > ub.l ? 1 : -1) : 0;
  }
  if (c === 0) return CMP_EQ;
  return (c > 0) !== (sa !== 0) ? CMP_GT : CMP_LT;
}

/** FXAM's class code (C3/C2/C0) and sign (C1) for a non-empty register. */
export function examine(se: number, hi: number, lo: number): number {
  const sign = se & 0x8000 ? C1 : 0;
  switch (classify(se, hi, lo)) {
    case K.Unsupported: return sign;
    case K.QNaN: case K.SNaN: return sign | C0;
    case K.Normal: return sign | C2;
    case K.Inf: return sign | C2 | C0;
    case K.Zero: return sign | C3;
    default: return sign | C3 | C2;
  }
}

/** FXAM's code for an empty register. */
export const XAM_EMPTY = C3 | C0;
