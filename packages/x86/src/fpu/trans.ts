// The transcendental instructions: F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS, FSINCOS.
// Values are evaluated in BigInt floating point (bigfloat.ts) and rounded once to 64 bits per the
// rounding control. Like the hardware (Intel documents it; this machine's AMD CPU does the same),
// the trigonometric instructions reduce their argument with a 66-bit approximation of π, which is
// what makes results for large arguments differ from the true sine.
import { propagateNaN } from './arith.js';
import * as B from './bigfloat.js';
import type { BF } from './bigfloat.js';
import { DE, Fpu, IE, K, ZE, classify, roundPack, setIndefinite, setInf, setZero, ua } from './ext.js';

function toBF(se: number, hi: number, lo: number): BF {
  const e = Math.max(1, se & 0x7fff);
  return B.bf(se >>> 15, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), e - 16383 - 63);
}

/** Rounds a BigFloat to 64 bits into f (flags: precision, underflow, overflow; C1). */
function round(f: Fpu, x: BF): void {
  if (x.m === 0n) { setZero(f, x.s); return; }
  const n = x.m.toString(2).length;
  // Top 96 bits into h:l:x, the rest into the sticky bit.
  const sh = n - 96;
  const top = sh >= 0 ? x.m >> BigInt(sh) : x.m << BigInt(-sh);
  const rest = sh > 0 ? x.m & ((1n << BigInt(sh)) - 1n) : 0n;
  ua.h = Number(top >> 64n) >>> 0;
  ua.l = Number((top >> 32n) & 0xffffffffn) >>> 0;
  ua.x = Number(top & 0xffffffffn) >>> 0;
  ua.s = rest !== 0n ? 1 : 0;
  ua.e = n - 1 + x.e + 16383;
  roundPack(f, x.s, ua, 64);
}

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
  const l = B.ln(toBF(xse, xhi, xlo)); // x > 0 finite
  if (ky === K.Inf) {
    if (l.m === 0n) { f.flags |= IE; setIndefinite(f); return; }
    setInf(f, ys ^ l.s);
    return;
  }
  if (ky === K.Zero || l.m === 0n) { setZero(f, ys ^ (l.m === 0n ? 0 : l.s)); return; }
  round(f, B.mul(toBF(yse, yhi, ylo), B.div(l, B.LN2)));
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
  const c = B.cmpAbs(x, B.fromInt(1));
  if (xs && c >= 0) {
    if (c > 0) { f.flags |= IE; setIndefinite(f); return; }
    if (ky === K.Zero) { f.flags |= IE; setIndefinite(f); return; }
    f.flags |= ZE; setInf(f, ys ^ 1); return;
  }
  if (ky === K.Inf) { setInf(f, ys ^ xs); return; }
  if (ky === K.Zero) { setZero(f, ys ^ xs); return; }
  round(f, B.mul(toBF(yse, yhi, ylo), B.div(B.ln1p(x), B.LN2)));
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
 * FSIN/FCOS/FPTAN/FSINCOS on ST(0): the first result into f (sine, cosine or tangent), for
 * FSINCOS the cosine into f2. Returns false when the operand is out of range (C2 = 1, no change).
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
  const sc = sinCosOf(se, hi, lo);
  if (!sc) return false;
  const [s, c] = sc;
  switch (op) {
    case Trig.Sin: round(f, s); break;
    case Trig.Cos: round(f, c); break;
    case Trig.Tan: round(f, B.div(s, c)); break;
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
  if (B.cmpAbs(ay, ax) <= 0) a = atanOf(B.div(ay, ax));
  else a = B.sub(B.scale(pi, -1), atanOf(B.div(ax, ay)));
  if (xs) a = B.sub(pi, a);
  round(f, signed(a));
}

/** arctan of t in [0, 1]; tiny t keeps full relative precision. */
function atanOf(t: BF): BF {
  return B.atanSmall(t);
}
