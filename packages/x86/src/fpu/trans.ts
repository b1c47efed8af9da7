// The transcendental instructions: F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS, FSINCOS.
// Values are evaluated in BigInt floating point (bigfloat.ts) and rounded once to 64 bits per the
// rounding control. Like the hardware (Intel documents it; this machine's AMD CPU does the same),
// the trigonometric instructions reduce their argument with a 66-bit approximation of π, which is
// what makes results for large arguments differ from the true sine.
import { propagateNaN } from './arith.js';
import * as B from './bigfloat.js';
import type { BF } from './bigfloat.js';
import { DE, Fpu, IE, K, PE, ZE, classify, roundPack, setIndefinite, setInf, setZero, ua } from './ext.js';

function toBF(se: number, hi: number, lo: number): BF {
  const e = Math.max(1, se & 0x7fff);
  return B.bf(se >>> 15, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), e - 16383 - 63);
}

/**
 * Rounds a BigFloat to 64 bits into f (flags: underflow, overflow; C1). `tail` says on which side
 * of x the true value lies when x itself is exact but the function's value is not (a series cut
 * after its first term, for tiny arguments): +1 larger in magnitude, -1 smaller. Like the reference
 * CPU, these instructions report an inexact result even when it happens to be exact.
 */
function round(f: Fpu, x: BF, tail = 0): void {
  if (x.m === 0n) { setZero(f, x.s); return; }
  const n = B.bitlen(x.m);
  // Top 96 bits into h:l:x, the rest into the sticky bit.
  const sh = n - 96;
  let top = sh >= 0 ? x.m >> BigInt(sh) : x.m << BigInt(-sh);
  const rest = sh > 0 ? x.m & ((1n << BigInt(sh)) - 1n) : 0n;
  let sticky = rest !== 0n || tail > 0;
  if (tail < 0 && !sticky) { top -= 1n; sticky = true; } // just below x (x is exactly `top` here)
  ua.h = Number(top >> 64n) >>> 0;
  ua.l = Number((top >> 32n) & 0xffffffffn) >>> 0;
  ua.x = Number(top & 0xffffffffn) >>> 0;
  ua.s = sticky ? 1 : 0;
  ua.e = n - 1 + x.e + 16383;
  if (ua.h < 0x80000000) { ua.h = 0xffffffff; ua.l = 0xffffffff; ua.x = 0xffffffff; ua.e -= 1; } // top was 2^95
  roundPack(f, x.s, ua, 64);
  f.flags |= PE;
}

/** Below this magnitude the second term of sin, tan and atan cannot affect a 64-bit result. */
const TINY = -80;

/** Unsupported operands and NaNs of a one-operand instruction; true when it set the result. */
function special1(f: Fpu, k: K, se: number, hi: number, lo: number): boolean {
  if (k === K.Unsupported) { f.flags |= IE; setIndefinite(f); return true; }
  if (k === K.QNaN || k === K.SNaN) { propagateNaN(f, k, se, hi, lo, K.Zero, 0, 0, 0); return true; }
  return false;
}

/** F2XM1: 2^x − 1. */
export function f2xm1(f: Fpu, se: number, hi: number, lo: number): void {
  const k = classify(se, hi, lo);
  f.c1 = 0;
  if (special1(f, k, se, hi, lo)) return;
  if (k === K.Zero) { f.set(se, 0, 0); return; }
  if (k === K.Inf) { if (se & 0x8000) f.set(0xbfff, 0x80000000, 0); else setInf(f, 0); return; }
  if (k === K.Denormal) f.flags |= DE;
  if ((se & 0x7fff) >= 16383) {
    // Outside the documented domain (-1, 1) the reference CPU returns -0.5 for -1 and the operand
    // itself otherwise, always flagging an inexact result (and C1 for +1).
    f.flags |= PE;
    const one = hi >>> 0 === 0x80000000 && lo === 0 && (se & 0x7fff) === 16383;
    if (one && (se & 0x8000)) f.set(0xbffe, 0x80000000, 0);
    else { f.set(se, hi, lo); f.c1 = one ? 1 : 0; }
    return;
  }
  const x = toBF(se, hi, lo);
  round(f, B.expm1(B.mul(x, B.LN2)));
}

/** FYL2X: y × log2(x) (x is ST(0), y is ST(1)). */
export function fyl2x(f: Fpu, xse: number, xhi: number, xlo: number, yse: number, yhi: number, ylo: number): void {
  const kx = classify(xse, xhi, xlo), ky = classify(yse, yhi, ylo);
  f.c1 = 0;
  if (kx === K.Unsupported || ky === K.Unsupported) { f.flags |= IE; setIndefinite(f); return; }
  if (kx === K.QNaN || kx === K.SNaN || ky === K.QNaN || ky === K.SNaN) {
    propagateNaN(f, kx, xse, xhi, xlo, ky, yse, yhi, ylo);
    return;
  }
  const xs = xse >>> 15, ys = yse >>> 15;
  if (xs && kx !== K.Zero) { f.flags |= IE; setIndefinite(f); return; }
  if (kx === K.Denormal || ky === K.Denormal) f.flags |= DE;
  if (kx === K.Zero) {
    if (ky === K.Zero) { f.flags |= IE; setIndefinite(f); return; }
    if (ky !== K.Inf) f.flags |= ZE;
    setInf(f, ys ^ 1); // log2(0) = -inf
    return;
  }
  if (kx === K.Inf) {
    if (ky === K.Zero) { f.flags |= IE; setIndefinite(f); return; }
    setInf(f, ys);
    return;
  }
  const l = log2(toBF(xse, xhi, xlo)); // x > 0 finite
  if (ky === K.Inf) {
    if (l.m === 0n) { f.flags |= IE; setIndefinite(f); return; }
    setInf(f, ys ^ l.s);
    return;
  }
  if (ky === K.Zero || l.m === 0n) { setZero(f, ys ^ (l.m === 0n ? 0 : l.s)); return; }
  round(f, B.mul(toBF(yse, yhi, ylo), l));
}

/** log2 of a positive value; exact for powers of two. */
function log2(x: BF): BF {
  const k = B.ilog2(x);
  const m: BF = { s: 0, m: x.m, e: x.e - k }; // [1, 2)
  if (B.cmpAbs(m, B.fromInt(1)) === 0) return B.fromInt(k);
  // Near 1 (k = 0 or -1 with m close to 2) ln keeps the relative precision log2 needs.
  return B.div(B.ln(x), B.LN2);
}

/** FYL2XP1: y × log2(x + 1). */
export function fyl2xp1(f: Fpu, xse: number, xhi: number, xlo: number, yse: number, yhi: number, ylo: number): void {
  const kx = classify(xse, xhi, xlo), ky = classify(yse, yhi, ylo);
  f.c1 = 0;
  if (kx === K.Unsupported || ky === K.Unsupported) { f.flags |= IE; setIndefinite(f); return; }
  if (kx === K.QNaN || kx === K.SNaN || ky === K.QNaN || ky === K.SNaN) {
    propagateNaN(f, kx, xse, xhi, xlo, ky, yse, yhi, ylo);
    return;
  }
  const xs = xse >>> 15, ys = yse >>> 15;
  if (kx === K.Denormal || ky === K.Denormal) f.flags |= DE;
  if (kx === K.Inf) {
    if (xs || ky === K.Zero) { f.flags |= IE; setIndefinite(f); return; }
    setInf(f, ys);
    return;
  }
  if (kx === K.Zero) {
    if (ky === K.Inf) { f.flags |= IE; setIndefinite(f); return; }
    setZero(f, xs ^ ys);
    return;
  }
  const x = toBF(xse, xhi, xlo);
  if (ky === K.Inf) { setInf(f, ys ^ xs); return; }
  if (ky === K.Zero) { setZero(f, ys ^ xs); return; }
  if (xs && B.cmpAbs(x, B.fromInt(1)) >= 0) {
    // log2(1 + x) undefined (x ≤ −1): the reference CPU returns x itself, flagged inexact.
    f.set(xse, xhi, xlo);
    f.flags |= PE;
    return;
  }
  const l = B.ilog2(x) > -2 ? log2(B.add(B.fromInt(1), x)) : B.div(B.ln1p(x), B.LN2);
  round(f, B.mul(toBF(yse, yhi, ylo), l));
}

/** The hardware's π: 0xC90FDAA22168C234C × 2^-66 (66 significant bits), halved. */
const HALF_PI_66: BF = { s: 0, m: 0xc90fdaa22168c234cn, e: -67 };

/**
 * Reduces x (finite, |x| < 2^63) by the nearest multiple k of HALF_PI_66, exactly. Returns the
 * remainder; the quadrant k mod 4 is left in `quadrant`.
 */
let quadrant = 0;
function reduce(x: BF): BF {
  const e = Math.min(x.e, HALF_PI_66.e);
  const X = x.m << BigInt(x.e - e), Pm = HALF_PI_66.m << BigInt(HALF_PI_66.e - e);
  const k = (2n * X + Pm) / (2n * Pm); // round(|x| / P)
  const r = X - k * Pm;
  const q = Number(k & 3n);
  quadrant = x.s ? (4 - q) & 3 : q;
  return B.bf(x.s ^ (r < 0n ? 1 : 0), r < 0n ? -r : r, e);
}

/** Sine and cosine of ST(0) for FSIN/FCOS/FSINCOS/FPTAN; null when |x| ≥ 2^63 (C2 = 1). */
function sinCosOf(se: number, hi: number, lo: number): [BF, BF] | null {
  if ((se & 0x7fff) >= 16383 + 63) return null;
  const r = reduce(toBF(se, hi, lo));
  const [s, c] = B.sinCos(r);
  switch (quadrant) {
    case 0: return [s, c];
    case 1: return [c, B.neg(s)];
    case 2: return [B.neg(s), B.neg(c)];
    default: return [B.neg(c), s];
  }
}

export const enum Trig { Sin, Cos, SinCos, Tan }

/**
 * FSIN/FCOS/FPTAN/FSINCOS on ST(0): the first result into f (sine, cosine or tangent), the value
 * pushed into f2 (FSINCOS: the cosine; FPTAN: 1.0, or the NaN for invalid operands). Returns false when the operand is out of range (C2 = 1, no change).
 */
export function trig(f: Fpu, f2: Fpu, op: Trig, se: number, hi: number, lo: number): boolean {
  const k = classify(se, hi, lo);
  f.c1 = 0; f2.c1 = 0;
  if (k === K.Unsupported || k === K.Inf) { f.flags |= IE; setIndefinite(f); setIndefinite(f2); return true; }
  if (k === K.QNaN || k === K.SNaN) {
    propagateNaN(f, k, se, hi, lo, K.Zero, 0, 0, 0);
    f2.set(f.se, f.hi, f.lo);
    return true;
  }
  if (k === K.Zero) {
    f.set(se, 0, 0);
    if (op === Trig.Cos) f.set(0x3fff, 0x80000000, 0);
    f2.set(0x3fff, 0x80000000, 0);
    return true;
  }
  if (k === K.Denormal) f.flags |= DE;
  if ((se & 0x7fff) >= 16383 + 63) return false;
  if ((se & 0x7fff) - 16383 < TINY) {
    // sin x = x − x³/6, cos x = 1 − x²/2, tan x = x + x³/3: only the side of the first term counts.
    const x = toBF(se, hi, lo), one = B.fromInt(1);
    switch (op) {
      case Trig.Sin: round(f, x, -1); break;
      case Trig.Cos: round(f, one, -1); break;
      case Trig.Tan: round(f, x, 1); f2.set(0x3fff, 0x80000000, 0); break;
      default: f2.cw = f.cw; f2.flags = 0; round(f2, one, -1); round(f, x, -1); f.flags |= f2.flags;
    }
    return true;
  }
  const sc = sinCosOf(se, hi, lo);
  if (!sc) return false;
  const [s, c] = sc;
  switch (op) {
    case Trig.Sin: round(f, s); break;
    case Trig.Cos: round(f, c); break;
    case Trig.Tan: round(f, B.div(s, c)); f2.set(0x3fff, 0x80000000, 0); break;
    default: {
      f2.cw = f.cw; f2.flags = 0;
      round(f2, c);
      round(f, s);
      f.flags |= f2.flags;
    }
  }
  return true;
}

/** FPATAN: atan2(y, x) with y = ST(1), x = ST(0). */
export function fpatan(f: Fpu, xse: number, xhi: number, xlo: number, yse: number, yhi: number, ylo: number): void {
  const kx = classify(xse, xhi, xlo), ky = classify(yse, yhi, ylo);
  f.c1 = 0;
  if (kx === K.Unsupported || ky === K.Unsupported) { f.flags |= IE; setIndefinite(f); return; }
  if (kx === K.QNaN || kx === K.SNaN || ky === K.QNaN || ky === K.SNaN) {
    propagateNaN(f, kx, xse, xhi, xlo, ky, yse, yhi, ylo);
    return;
  }
  if (kx === K.Denormal || ky === K.Denormal) f.flags |= DE;
  const xs = xse >>> 15, ys = yse >>> 15;
  const pi = B.PI;
  const signed = (v: BF) => (ys ? B.neg(v) : v);
  if (ky === K.Zero) {
    if (xs) round(f, signed(pi)); else setZero(f, ys);
    return;
  }
  if (ky === K.Inf) {
    if (kx === K.Inf) round(f, signed(B.scale(xs ? B.mul(pi, B.fromInt(3)) : pi, -2)));
    else round(f, signed(B.scale(pi, -1)));
    return;
  }
  if (kx === K.Zero) { round(f, signed(B.scale(pi, -1))); return; }
  if (kx === K.Inf) {
    if (xs) round(f, signed(pi)); else setZero(f, ys);
    return;
  }
  const x = toBF(xse, xhi, xlo), y = toBF(yse, yhi, ylo);
  const ax = { s: 0, m: x.m, e: x.e }, ay = { s: 0, m: y.m, e: y.e };
  // atan(|y|/|x|) in the first octant or its complement, then the quadrant.
  let a: BF;
  if (B.cmpAbs(ay, ax) <= 0) {
    const t = B.div(ay, ax);
    if (!xs && B.ilog2(t) < TINY) {
      // atan t = t − t³/3: an exact quotient is the first term, the result just below it.
      round(f, signed(t), B.divides(ax, ay) ? -1 : 0);
      return;
    }
    a = B.atanSmall(t);
  } else a = B.sub(B.scale(pi, -1), B.atanSmall(B.div(ax, ay)));
  if (xs) a = B.sub(pi, a);
  round(f, signed(a));
}
