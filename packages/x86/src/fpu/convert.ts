// Conversions between the extended format and single/double precision, the integer formats and
// round-to-integer. Loads of single/double and integers are exact; stores round per the rounding
// control (the precision control does not apply) in the destination's own exponent range.
import {
  DE, Fpu, IE, K, OE, PE, UE, classify, lastCarry, lastInexact, lastUp, roundBits,
  shiftRightJam, ua, unpack, type Unpacked,
} from './ext.js';

/**
 * float32 bits → extended (exact). A denormal raises DE. For a load (`load`), an SNaN raises IE
 * and is quieted; as an arithmetic operand it stays signaling for the operation to see.
 */
export function fromF32(f: Fpu, v: number, load = true): void {
  const sign = (v >>> 31) << 15, e = (v >>> 23) & 0xff, m = v & 0x7fffff;
  if (e === 0) {
    if (m === 0) { f.set(sign, 0, 0); return; }
    f.flags |= DE;
    const n = Math.clz32(m) - 8; // leading zeros within the 23-bit field, plus 1 for the hidden bit
    f.set(sign | (16383 - 126 - n), (m << (n + 8)) >>> 0, 0);
    return;
  }
  if (e === 0xff) {
    if (load && m !== 0 && (m & 0x400000) === 0) f.flags |= IE;
    f.set(sign | 0x7fff, (0x80000000 | (m << 8) | (load && m !== 0 ? 0x40000000 : 0)) >>> 0, 0);
    return;
  }
  f.set(sign | (e - 127 + 16383), (0x80000000 | (m << 8)) >>> 0, 0);
}

/** float64 bits (hi, lo) → extended (exact); as fromF32. */
export function fromF64(f: Fpu, lo: number, hi: number, load = true): void {
  const sign = (hi >>> 31) << 15, e = (hi >>> 20) & 0x7ff, mh = hi & 0xfffff;
  lo >>>= 0;
  if (e === 0) {
    if ((mh | lo) === 0) { f.set(sign, 0, 0); return; }
    f.flags |= DE;
    // value = m × 2^-1074 with m = mh:lo (52 bits).
    let h = mh, l = lo, ex = 16383 - 1022 - 52 + 63;
    if (h === 0) { h = l; l = 0; ex -= 32; }
    const n = Math.clz32(h);
    if (n) { h = ((h << n) | (l >>> (32 - n))) >>> 0; l = (l << n) >>> 0; }
    f.set(sign | (ex - n), h, l);
    return;
  }
  const h = (0x80000000 | (mh << 11) | (lo >>> 21)) >>> 0, l = (lo << 11) >>> 0;
  if (e === 0x7ff) {
    const nan = (mh | lo) !== 0;
    if (load && nan && (mh & 0x80000) === 0) f.flags |= IE;
    f.set(sign | 0x7fff, nan && load ? (h | 0x40000000) >>> 0 : h, l);
    return;
  }
  f.set(sign | (e - 1023 + 16383), h, l);
}

/** Signed 32-bit integer → extended (exact). */
export function fromI32(f: Fpu, v: number): void {
  if (v === 0) { f.set(0, 0, 0); return; }
  const sign = v < 0 ? 0x8000 : 0;
  const m = v < 0 ? (-v) >>> 0 : v;
  const n = Math.clz32(m);
  f.set(sign | (16383 + 31 - n), (m << n) >>> 0, 0);
}

/** Signed 64-bit integer (lo, hi halves) → extended (exact). */
export function fromI64(f: Fpu, lo: number, hi: number): void {
  let h = hi >>> 0, l = lo >>> 0;
  const sign = (hi >>> 31) << 15;
  if (sign) { // negate
    l = (~l + 1) >>> 0; h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  fromU64(f, sign, h, l);
}

/** Unsigned magnitude h:l with a sign → extended (exact). */
export function fromU64(f: Fpu, sign: number, h: number, l: number): void {
  if ((h | l) === 0) { f.set(sign, 0, 0); return; }
  let e = 16383 + 63;
  if (h === 0) { h = l; l = 0; e -= 32; }
  const n = Math.clz32(h);
  if (n) { h = ((h << n) | (l >>> (32 - n))) >>> 0; l = (l << n) >>> 0; }
  f.set(sign | (e - n), h, l);
}

/**
 * Rounds u (normalized) into a binary format with `frac` fraction bits and exponent bias `bias`
 * (single: 23/127, double: 52/1023). Leaves the biased exponent in `te` and the significand,
 * integer bit at bit 63, in u.h:u.l; sets the flags for overflow/underflow/inexact and C1.
 * Returns false on overflow (the caller packs infinity or the largest finite value).
 */
let te = 0;
function roundTo(f: Fpu, sign: number, u: Unpacked, frac: number, bias: number): boolean {
  const cw = f.cw, emax = 2 * bias + 1;
  const d = 63 - frac;
  let e = u.e - 16383 + bias;
  let tiny = false;
  if (e < 1) {
    // Tininess after rounding: would the value, rounded with an unbounded exponent, be normal?
    const h = u.h, l = u.l, x = u.x, s = u.s;
    roundBits(cw, sign, u, d);
    tiny = !(e === 0 && lastCarry());
    u.h = h; u.l = l; u.x = x; u.s = s;
    shiftRightJam(u, 1 - e);
    e = 0;
  }
  roundBits(cw, sign, u, d);
  if (lastCarry()) { u.h = 0x80000000; e++; } else if (e === 0 && u.h >= 0x80000000) e = 1;
  f.c1 = lastUp();
  const inexact = lastInexact();
  if (inexact) f.flags |= PE;
  if (tiny && (inexact || (cw & UE) === 0)) f.flags |= UE;
  te = e;
  if (e >= emax) { f.flags |= OE | PE; return false; }
  return true;
}

/** Whether masked overflow yields infinity (else the largest finite value) for this sign. */
function overflowToInf(cw: number, sign: number): boolean {
  const rc = (cw >> 10) & 3;
  return rc === 0 || (rc === 1 && sign !== 0) || (rc === 2 && sign === 0);
}

/** Extended → float32 bits (returned). Flags as FST m32 raises them. */
export function toF32(f: Fpu, se: number, hi: number, lo: number): number {
  const k = classify(se, hi, lo);
  const sign = se >>> 15, sb = (sign << 31) >>> 0;
  f.c1 = 0;
  switch (k) {
    case K.Zero: return sb;
    case K.Inf: return (sb | 0x7f800000) >>> 0;
    case K.Unsupported: f.flags |= IE; return 0xffc00000;
    case K.SNaN: case K.QNaN:
      if (k === K.SNaN) f.flags |= IE;
      return (sb | 0x7fc00000 | ((hi >>> 8) & 0x3fffff)) >>> 0;
    default: break;
  }
  unpack(ua, se, hi, lo);
  if (!roundTo(f, sign, ua, 23, 127)) {
    if (overflowToInf(f.cw, sign)) { f.c1 = 1; return (sb | 0x7f800000) >>> 0; }
    f.c1 = 0;
    return (sb | 0x7f7fffff) >>> 0;
  }
  return (sb | (te << 23) | ((ua.h >>> 8) & 0x7fffff)) >>> 0;
}

/** Extended → float64: returns the low half, the high half in `f.hi` (f.se/f.lo untouched). */
export function toF64(f: Fpu, se: number, hi: number, lo: number): number {
  const k = classify(se, hi, lo);
  const sign = se >>> 15, sb = (sign << 31) >>> 0;
  f.c1 = 0;
  switch (k) {
    case K.Zero: f.hi = sb; return 0;
    case K.Inf: f.hi = (sb | 0x7ff00000) >>> 0; return 0;
    case K.Unsupported: f.flags |= IE; f.hi = 0xfff80000; return 0;
    case K.SNaN: case K.QNaN:
      if (k === K.SNaN) f.flags |= IE;
      f.hi = (sb | 0x7ff80000 | ((hi >>> 11) & 0x7ffff)) >>> 0;
      return ((hi << 21) | (lo >>> 11)) >>> 0;
    default: break;
  }
  unpack(ua, se, hi, lo);
  if (!roundTo(f, sign, ua, 52, 1023)) {
    if (overflowToInf(f.cw, sign)) { f.c1 = 1; f.hi = (sb | 0x7ff00000) >>> 0; return 0; }
    f.c1 = 0;
    f.hi = (sb | 0x7fefffff) >>> 0;
    return 0xffffffff;
  }
  f.hi = (sb | (te << 20) | ((ua.h >>> 11) & 0xfffff)) >>> 0;
  return ((ua.h << 21) | (ua.l >>> 11)) >>> 0;
}

/**
 * Rounds a finite value to an integer per the rounding control: magnitude into u.h:u.l (exact
 * when it fits in 64 bits). Returns false when the magnitude needs more than 64 bits. Sets PE/C1.
 */
export function roundToInt(f: Fpu, se: number, hi: number, lo: number, u: Unpacked): boolean {
  const sign = se >>> 15;
  f.c1 = 0;
  if ((se & 0x7fff) === 0 && (hi | lo) === 0) { u.h = 0; u.l = 0; return true; }
  unpack(u, se, hi, lo);
  const unb = u.e - 16383; // value = h:l × 2^(unb - 63)
  if (unb >= 64) return false;
  if (unb >= 63) return true;
  shiftRightJam(u, 63 - unb);
  roundBits(f.cw, sign, u, 0);
  if (lastInexact()) f.flags |= PE;
  f.c1 = lastUp();
  return !lastCarry();
}

/**
 * Extended → signed integer of `bits` (16, 32, 64) for FIST: returns the low half, the high half
 * in f.hi. Invalid operands and values out of range raise IE and give the integer indefinite.
 */
export function toInt(f: Fpu, se: number, hi: number, lo: number, bits: number): number {
  const k = classify(se, hi, lo);
  f.c1 = 0;
  f.hi = 0;
  if (k === K.Inf || k === K.QNaN || k === K.SNaN || k === K.Unsupported) return indefiniteInt(f, bits);
  const sign = se >>> 15;
  const unb = (se & 0x7fff) - 16383;
  if (k === K.Normal && unb >= 0 && unb < 31 && bits !== 16) {
    // Fast path (printf's digit loops): |x| in [1, 2^31), the integer part within hi.
    const flags0 = f.flags;
    hi >>>= 0;
    const ip = hi >>> (31 - unb);
    const fr = (hi << (unb + 1)) >>> 0;
    const rb = fr >>> 31, sticky = (fr << 1) !== 0 || lo !== 0;
    let inc = 0;
    if (rb !== 0 || sticky) {
      f.flags |= PE;
      const rc = (f.cw >> 10) & 3;
      if (rc === 0) inc = rb !== 0 && (sticky || (ip & 1) !== 0) ? 1 : 0;
      else if (rc === 1) inc = sign;
      else if (rc === 2) inc = sign ^ 1;
    }
    f.c1 = inc;
    const m = ip + inc;
    if (bits === 32 && m > 0x7fffffff && !(sign && m === 0x80000000)) { f.flags = flags0; return indefiniteInt(f, bits); }
    f.hi = sign && m !== 0 && bits === 64 ? 0xffffffff : 0;
    return sign ? (-m) >>> 0 : m;
  }
  const flags = f.flags;
  if (!roundToInt(f, se, hi, lo, ua)) { f.flags = flags; return indefiniteInt(f, bits); }
  let h = ua.h, l = ua.l;
  // Range: magnitude ≤ 2^(bits-1) - 1, or exactly 2^(bits-1) when negative.
  const lim = bits === 64 ? 0 : 2 ** (bits - 1);
  if (bits === 64) {
    if (h > 0x80000000 || (h === 0x80000000 && (l !== 0 || !sign))) { f.flags = flags; return indefiniteInt(f, bits); }
  } else if (h !== 0 || l > lim || (l === lim && !sign)) { f.flags = flags; return indefiniteInt(f, bits); }
  if (sign) { l = (~l + 1) >>> 0; h = (~h + (l === 0 ? 1 : 0)) >>> 0; }
  f.hi = bits === 64 ? h : 0;
  return bits === 16 ? l & 0xffff : l;
}

function indefiniteInt(f: Fpu, bits: number): number {
  f.flags |= IE;
  f.c1 = 0;
  if (bits === 64) { f.hi = 0x80000000; return 0; }
  return bits === 32 ? 0x80000000 : 0x8000;
}
