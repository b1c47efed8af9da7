// The 80-bit extended format on int32-sized pieces: a value is (se, hi, lo) — se is sign << 15 |
// biased exponent, hi:lo the 64-bit significand with an explicit integer bit (bit 63). Every
// operation reads the control word from and reports into an `Fpu` environment, and leaves its
// result in the environment's se/hi/lo, so nothing is allocated per operation.
//
// Significand pieces are handled as unsigned 32-bit JS numbers (`>>> 0`) inside the library.

/** Exception flags as they sit in the status word. */
export const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, SF = 64;
/** Status word condition bits. */
export const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;

export const BIAS = 16383;
export const EXP_MAX = 0x7fff;
/** Exponent adjustment applied to results when overflow/underflow is unmasked. */
export const WRAP = 24576;

/** Classes of an extended value (FXAM distinguishes them; arithmetic dispatches on them). */
export const enum K { Zero, Normal, Denormal, Inf, QNaN, SNaN, Unsupported }

export class Fpu {
  /** Control word: masks (bits 0-5), precision (8-9), rounding (10-11). */
  cw = 0x037f;
  /** Exceptions raised since last cleared (status-word bit positions, SF included). */
  flags = 0;
  /** 1 when the last rounding step increased the magnitude (reported in C1). */
  c1 = 0;
  /** Result of the last operation. */
  se = 0;
  hi = 0;
  lo = 0;

  /** Significand precision the control word selects for the basic arithmetic (24, 53 or 64; the reserved setting 01 acts as 64). */
  get precision(): number {
    const pc = (this.cw >> 8) & 3;
    return pc === 0 ? 24 : pc === 2 ? 53 : 64;
  }

  set(se: number, hi: number, lo: number): void {
    this.se = se; this.hi = hi >>> 0; this.lo = lo >>> 0;
  }
}

export function classify(se: number, hi: number, lo: number): K {
  const e = se & 0x7fff;
  if (e === 0) return (hi | lo) === 0 ? K.Zero : K.Denormal;
  if ((hi & 0x80000000) === 0) return K.Unsupported;
  if (e === EXP_MAX) {
    if (((hi & 0x7fffffff) | lo) === 0) return K.Inf;
    return (hi & 0x40000000) !== 0 ? K.QNaN : K.SNaN;
  }
  return K.Normal;
}

export function isNaNClass(k: K): boolean {
  return k === K.QNaN || k === K.SNaN;
}

/** The default NaN ("real indefinite") every masked invalid operation produces. */
export function setIndefinite(f: Fpu): void {
  f.se = 0xffff; f.hi = 0xc0000000; f.lo = 0;
}

export function setInf(f: Fpu, sign: number): void {
  f.se = (sign << 15) | EXP_MAX; f.hi = 0x80000000; f.lo = 0;
}

export function setZero(f: Fpu, sign: number): void {
  f.se = sign << 15; f.hi = 0; f.lo = 0;
}

/**
 * Scratch for unpacked values: exponent (unbounded, biased), significand hi:lo, 32 more bits `x`
 * and a sticky bit `s` for everything below.
 */
export class Unpacked {
  e = 0; h = 0; l = 0; x = 0; s = 0;
}
export const ua = new Unpacked();
export const ub = new Unpacked();

/** Unpacks a finite nonzero value (normal, denormal, pseudo-denormal) normalized: bit 63 set. */
export function unpack(u: Unpacked, se: number, hi: number, lo: number): void {
  let e = se & 0x7fff;
  let h = hi >>> 0, l = lo >>> 0;
  if (e === 0) e = 1; // denormals and pseudo-denormals both scale by 2^(1 - BIAS)
  if (h === 0) { h = l; l = 0; e -= 32; }
  const n = Math.clz32(h);
  if (n !== 0) { h = ((h << n) | (l >>> (32 - n))) >>> 0; l = (l << n) >>> 0; e -= n; }
  u.e = e; u.h = h; u.l = l; u.x = 0; u.s = 0;
}

/** Shifts u's significand (h:l:x, sticky s) right by n >= 0 bits, folding lost bits into s. */
export function shiftRightJam(u: Unpacked, n: number): void {
  if (n === 0) return;
  let h = u.h, l = u.l, x = u.x, s = u.s;
  while (n >= 32) {
    s |= x !== 0 ? 1 : 0; x = l; l = h; h = 0; n -= 32;
    if (n >= 32 && (h | l | x) === 0) { n = 0; break; }
  }
  if (n > 0) {
    s |= (x << (32 - n)) !== 0 ? 1 : 0;
    x = ((x >>> n) | (l << (32 - n))) >>> 0;
    l = ((l >>> n) | (h << (32 - n))) >>> 0;
    h = h >>> n;
  }
  u.h = h; u.l = l; u.x = x; u.s = s;
}

/** Shifts h:l:x left until bit 63 is set (value nonzero), adjusting e. */
export function normalize(u: Unpacked): void {
  if ((u.h | u.l | u.x) === 0) return;
  while (u.h === 0) { u.h = u.l; u.l = u.x; u.x = 0; u.e -= 32; }
  const n = Math.clz32(u.h);
  if (n !== 0) {
    u.h = ((u.h << n) | (u.l >>> (32 - n))) >>> 0;
    u.l = ((u.l << n) | (u.x >>> (32 - n))) >>> 0;
    u.x = (u.x << n) >>> 0;
    u.e -= n;
  }
}

/** Whether tininess is judged on the value rounded to the destination precision (x87 does; see tests). */
const TINY_AFTER_ROUNDING = true;

/**
 * Rounds the normalized value u (sign, exponent e, bits h:l:x:s) to `prec` significand bits in
 * the extended exponent range and leaves it in f, with the overflow/underflow/precision flags and
 * C1. With `wrap`, unmasked overflow/underflow deliver the result with the exponent biased by
 * ∓24576 (register destinations); otherwise those cases still round into range.
 */
export function roundPack(f: Fpu, sign: number, u: Unpacked, prec: number, wrap = true): void {
  const cw = f.cw;
  f.c1 = 0;
  if ((u.h | u.l | u.x | u.s) === 0) { setZero(f, sign); return; }
  let e = u.e;
  // The precision control rounds at a fixed bit of the 64-bit field, also for denormal results.
  const d = 64 - prec;
  let tiny = false;
  if (e < 1) {
    tiny = !TINY_AFTER_ROUNDING || !roundsToNormal(cw, sign, u, prec);
    // Unmasked underflow delivers the result biased into range; one too small even for that
    // (FSCALE) becomes a signed zero.
    if (tiny && (cw & UE) === 0 && wrap) {
      if (e + WRAP < 1) { f.flags |= UE | PE; setZero(f, sign); return; }
      e += WRAP;
    } else {
      shiftRightJam(u, 1 - e);
      e = 0;
    }
  }
  roundBits(cw, sign, u, d);
  const inexact = rInexact;
  let h = u.h;
  if (rCarry) { h = 0x80000000; e++; } else if (e === 0 && (h & 0x80000000) !== 0) e = 1;
  f.c1 = rUp;
  if (inexact) f.flags |= PE;
  if (tiny && (inexact || ((cw & UE) === 0 && wrap))) f.flags |= UE;
  if (e >= EXP_MAX) {
    if ((cw & OE) === 0 && wrap) {
      // Beyond what the bias can bring into range (FSCALE): infinity, whatever the rounding.
      if (e - WRAP >= EXP_MAX) { f.flags |= OE | PE; setInf(f, sign); f.c1 = 1; return; }
      e -= WRAP;
      f.flags |= OE;
    } else {
      f.flags |= OE | PE;
      overflowResult(f, sign, prec);
      return;
    }
  }
  f.se = (sign << 15) | e;
  f.hi = h >>> 0;
  f.lo = u.l >>> 0;
}

/** The masked-overflow result: infinity, or the largest finite value when rounding toward zero. */
export function overflowResult(f: Fpu, sign: number, prec: number): void {
  const rc = (f.cw >> 10) & 3;
  if (rc === 0 || (rc === 1 && sign) || (rc === 2 && !sign)) {
    setInf(f, sign); f.c1 = 1;
    return;
  }
  f.se = (sign << 15) | (EXP_MAX - 1);
  f.hi = prec >= 32 ? 0xffffffff : (0xffffffff << (32 - prec)) >>> 0;
  f.lo = prec >= 64 ? 0xffffffff : prec <= 32 ? 0 : (0xffffffff << (64 - prec)) >>> 0;
  f.c1 = 0;
}

/** Would u, rounded to `prec` bits with an unbounded exponent, reach the smallest normal? */
function roundsToNormal(cw: number, sign: number, u: Unpacked, prec: number): boolean {
  if (u.e < 0) return false;
  const h = u.h, l = u.l, x = u.x, s = u.s;
  roundBits(cw, sign, u, 64 - prec);
  const up = rCarry;
  u.h = h; u.l = l; u.x = x; u.s = s;
  return up;
}

// Results of roundBits (module scratch: no allocation).
let rInexact = false;
let rCarry = false;
let rUp = 0;

/**
 * Rounds h:l:x:s in place at bit d of the 64-bit significand (bits below d are discarded) per the
 * rounding control. Sets rInexact, rUp (magnitude increased) and rCarry (carried out of bit 63,
 * leaving h:l zero).
 */
export function roundBits(cw: number, sign: number, u: Unpacked, d: number): void {
  let h = u.h, l = u.l;
  let rb: number, st: boolean;
  if (d === 0) {
    rb = u.x >>> 31; st = (u.x & 0x7fffffff) !== 0 || u.s !== 0;
  } else if (d <= 32) {
    rb = (l >>> (d - 1)) & 1;
    st = (d > 1 && (l << (33 - d)) !== 0) || u.x !== 0 || u.s !== 0;
  } else {
    rb = (h >>> (d - 33)) & 1;
    st = (d > 33 && (h << (65 - d)) !== 0) || l !== 0 || u.x !== 0 || u.s !== 0;
  }
  const inexact = rb !== 0 || st;
  let inc = false;
  if (inexact) {
    const rc = (cw >> 10) & 3;
    if (rc === 0) {
      const lsb = d === 64 ? 0 : d < 32 ? (l >>> d) & 1 : (h >>> (d - 32)) & 1;
      inc = rb !== 0 && (st || lsb !== 0);
    } else if (rc === 1) inc = sign !== 0;
    else if (rc === 2) inc = sign === 0;
  }
  // Truncate the discarded bits.
  if (d >= 32) { l = 0; if (d > 32) h = d >= 64 ? 0 : (h & (0xffffffff << (d - 32))) >>> 0; } else if (d > 0) l = (l & (0xffffffff << d)) >>> 0;
  let carry = false;
  if (inc) {
    if (d < 32) {
      l += 2 ** d;
      if (l >= 4294967296) { l -= 4294967296; h += 1; }
    } else h += 2 ** (d - 32);
    if (h >= 4294967296) { h -= 4294967296; carry = true; }
  }
  u.h = h >>> 0; u.l = l >>> 0; u.x = 0; u.s = 0;
  rInexact = inexact; rCarry = carry; rUp = inc ? 1 : 0;
}

/** The last roundBits call's outcome (for callers outside this module). */
export function lastInexact(): boolean { return rInexact; }
export function lastUp(): number { return rUp; }
export function lastCarry(): boolean { return rCarry; }
