// The basic arithmetic of the x87: add/subtract, multiply, divide, square root, each exactly
// rounded to the precision control's significand width in the extended exponent range, with the
// x87's special-operand rules (unsupported encodings, NaN propagation, invalid combinations,
// denormal operands, division by zero).
import {
  DE, Fpu, IE, K, ZE, classify, normalize, roundPack, setIndefinite, setInf, setZero,
  shiftRightJam, ua, ub, unpack, type Unpacked,
} from './ext.js';

/**
 * Result of an operation with a NaN operand (the caller checked that one is a NaN): SNaNs raise
 * IE and are quieted; with two NaNs a QNaN beats an SNaN, then the larger significand wins.
 */
export function propagateNaN(f: Fpu, ka: K, ase: number, ahi: number, alo: number,
  kb: K, bse: number, bhi: number, blo: number): void {
  const aNaN = ka === K.QNaN || ka === K.SNaN, bNaN = kb === K.QNaN || kb === K.SNaN;
  if (ka === K.SNaN || kb === K.SNaN) f.flags |= IE;
  let pickA: boolean;
  if (aNaN && bNaN) {
    if (ka !== kb) pickA = ka === K.QNaN;
    else {
      const ah = (ahi & 0x7fffffff) >>> 0, bh = (bhi & 0x7fffffff) >>> 0;
      pickA = ah > bh || (ah === bh && (alo >>> 0) > (blo >>> 0)) || (ah === bh && alo >>> 0 === blo >>> 0 && (ase & 0x8000) === 0);
    }
  } else pickA = aNaN;
  if (pickA) f.set(ase, ahi | 0x40000000, alo);
  else f.set(bse, bhi | 0x40000000, blo);
}

/** Handles unsupported and NaN operands of a two-operand operation; true when it produced the result. */
function specialOperands(f: Fpu, ka: K, ase: number, ahi: number, alo: number,
  kb: K, bse: number, bhi: number, blo: number): boolean {
  if (ka === K.Unsupported || kb === K.Unsupported) { f.flags |= IE; setIndefinite(f); return true; }
  if (ka === K.QNaN || ka === K.SNaN || kb === K.QNaN || kb === K.SNaN) {
    propagateNaN(f, ka, ase, ahi, alo, kb, bse, bhi, blo);
    return true;
  }
  return false;
}

/** a + b (or a - b with `sub`), rounded to `prec` bits. */
export function add(f: Fpu, ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number,
  sub: boolean, prec: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  if (ka !== K.Normal || kb !== K.Normal) {
    if (specialOperands(f, ka, ase, ahi, alo, kb, bse, bhi, blo)) return;
    if (ka === K.Denormal || kb === K.Denormal) f.flags |= DE;
    const sa = ase >>> 15, sb = (bse >>> 15) ^ (sub ? 1 : 0);
    if (ka === K.Inf || kb === K.Inf) {
      if (ka === K.Inf && kb === K.Inf && sa !== sb) { f.flags |= IE; setIndefinite(f); return; }
      setInf(f, ka === K.Inf ? sa : sb);
      f.c1 = 0;
      return;
    }
    if (ka === K.Zero && kb === K.Zero) {
      f.c1 = 0;
      setZero(f, sa === sb ? sa : ((f.cw >> 10) & 3) === 1 ? 1 : 0);
      return;
    }
    if (ka === K.Zero) { unpack(ua, bse, bhi, blo); roundPack(f, sb, ua, prec); return; }
    if (kb === K.Zero) { unpack(ua, ase, ahi, alo); roundPack(f, sa, ua, prec); return; }
  }
  const sa = ase >>> 15, sb = (bse >>> 15) ^ (sub ? 1 : 0);
  unpack(ua, ase, ahi, alo);
  unpack(ub, bse, bhi, blo);
  // Order by magnitude so the subtraction below never goes negative.
  let x: Unpacked = ua, y: Unpacked = ub, sign = sa;
  if (ub.e > ua.e || (ub.e === ua.e && (ub.h > ua.h || (ub.h === ua.h && ub.l > ua.l)))) { x = ub; y = ua; sign = sb; }
  shiftRightJam(y, x.e - y.e);
  y.x = (y.x | y.s) >>> 0; y.s = 0; // a jammed low bit stands in for everything shifted out
  if (sa === sb) {
    let xl = x.x + y.x, c = xl >= 4294967296 ? 1 : 0;
    x.x = c ? xl - 4294967296 : xl;
    xl = x.l + y.l + c; c = xl >= 4294967296 ? 1 : 0;
    x.l = c ? xl - 4294967296 : xl;
    xl = x.h + y.h + c; c = xl >= 4294967296 ? 1 : 0;
    x.h = c ? xl - 4294967296 : xl;
    if (c) {
      shiftRightJam(x, 1);
      x.h = (x.h | 0x80000000) >>> 0;
      x.e += 1;
    }
  } else {
    let v = x.x - y.x, b = v < 0 ? 1 : 0;
    x.x = b ? v + 4294967296 : v;
    v = x.l - y.l - b; b = v < 0 ? 1 : 0;
    x.l = b ? v + 4294967296 : v;
    x.h = x.h - y.h - b;
    if ((x.h | x.l | x.x) === 0) {
      f.c1 = 0;
      setZero(f, ((f.cw >> 10) & 3) === 1 ? 1 : 0);
      return;
    }
    normalize(x);
  }
  roundPack(f, sign, x, prec);
}

// 64×64 → 128-bit product limbs, most significant first (module scratch).
let p3 = 0, p2 = 0, p1 = 0, p0 = 0;
let mHi = 0, mLo = 0;

function mul32(a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  mHi = p11 + (p01 >>> 16) + (p10 >>> 16) + Math.floor(mid / 65536);
}

/** Unsigned 64×64-bit multiply into p3:p2:p1:p0. */
export function mul64(ah: number, al: number, bh: number, bl: number): void {
  mul32(al, bl); p0 = mLo; const c = mHi;
  mul32(ah, bl); let t1 = c + mLo, t2 = mHi;
  mul32(al, bh); t1 += mLo; t2 += mHi;
  p1 = t1 % 4294967296; t2 += Math.floor(t1 / 4294967296);
  mul32(ah, bh); t2 += mLo; let t3 = mHi;
  p2 = t2 % 4294967296; t3 += Math.floor(t2 / 4294967296);
  p3 = t3;
}

/** a × b rounded to `prec` bits. */
export function mul(f: Fpu, ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, prec: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  const sign = ((ase ^ bse) >>> 15) & 1;
  if (ka !== K.Normal || kb !== K.Normal) {
    if (specialOperands(f, ka, ase, ahi, alo, kb, bse, bhi, blo)) return;
    if ((ka === K.Inf && kb === K.Zero) || (ka === K.Zero && kb === K.Inf)) { f.flags |= IE; setIndefinite(f); return; }
    if (ka === K.Denormal || kb === K.Denormal) f.flags |= DE;
    f.c1 = 0;
    if (ka === K.Inf || kb === K.Inf) { setInf(f, sign); return; }
    if (ka === K.Zero || kb === K.Zero) { setZero(f, sign); return; }
  }
  unpack(ua, ase, ahi, alo);
  unpack(ub, bse, bhi, blo);
  mul64(ua.h, ua.l, ub.h, ub.l);
  const u = ua;
  u.e = ua.e + ub.e - 16383 + 1;
  u.h = p3; u.l = p2; u.x = p1; u.s = p0 !== 0 ? 1 : 0;
  if (p3 < 0x80000000) {
    u.h = ((p3 << 1) | (p2 >>> 31)) >>> 0;
    u.l = ((p2 << 1) | (p1 >>> 31)) >>> 0;
    u.x = ((p1 << 1) | (p0 >>> 31)) >>> 0;
    u.s = (p0 << 1) !== 0 ? 1 : 0;
    u.e -= 1;
  }
  roundPack(f, sign, u, prec);
}

/**
 * Long division of two normalized 64-bit significands: 64 quotient bits into u.h:u.l and a round
 * bit and sticky bit into u.x (bit 31, bit 0). Returns 0 when a >= b (quotient in [1, 2)), else -1
 * (the dividend was doubled first: quotient exponent one lower).
 */
function divSig(u: Unpacked, ah: number, al: number, bh: number, bl: number): number {
  let adj = 0;
  let rh = ah, rl = al, top = 0;
  if (ah < bh || (ah === bh && al < bl)) {
    top = rh >>> 31; rh = ((rh << 1) | (rl >>> 31)) >>> 0; rl = (rl << 1) >>> 0;
    adj = -1;
  }
  let qh = 0, ql = 0;
  for (let i = 0; i < 65; i++) {
    // Invariant: remainder (top:rh:rl) < 2b; one quotient bit per step.
    let bit = 0;
    if (top || rh > bh || (rh === bh && rl >= bl)) {
      let v = rl - bl, br = 0;
      if (v < 0) { v += 4294967296; br = 1; }
      rl = v; rh = (rh - bh - br) >>> 0; top = 0;
      bit = 1;
    }
    if (i < 32) qh = ((qh << 1) | bit) >>> 0;
    else if (i < 64) ql = ((ql << 1) | bit) >>> 0;
    else u.x = (bit << 31) >>> 0;
    if (i < 64) {
      top = rh >>> 31; rh = ((rh << 1) | (rl >>> 31)) >>> 0; rl = (rl << 1) >>> 0;
    }
  }
  if (rh !== 0 || rl !== 0 || top !== 0) u.x = (u.x | 1) >>> 0;
  u.h = qh; u.l = ql; u.s = 0;
  return adj;
}

/** a / b rounded to `prec` bits. */
export function div(f: Fpu, ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number, prec: number): void {
  const ka = classify(ase, ahi, alo), kb = classify(bse, bhi, blo);
  const sign = ((ase ^ bse) >>> 15) & 1;
  if (ka !== K.Normal || kb !== K.Normal) {
    if (specialOperands(f, ka, ase, ahi, alo, kb, bse, bhi, blo)) return;
    if ((ka === K.Inf && kb === K.Inf) || (ka === K.Zero && kb === K.Zero)) { f.flags |= IE; setIndefinite(f); return; }
    f.c1 = 0;
    // Division by zero is detected before a denormal dividend is.
    if (kb === K.Zero && ka !== K.Inf) { f.flags |= ZE; setInf(f, sign); return; }
    if (ka === K.Denormal || kb === K.Denormal) f.flags |= DE;
    if (ka === K.Inf) { setInf(f, sign); return; }
    if (kb === K.Inf) { setZero(f, sign); return; }
    if (ka === K.Zero) { setZero(f, sign); return; }
  }
  unpack(ua, ase, ahi, alo);
  unpack(ub, bse, bhi, blo);
  const e = ua.e - ub.e + 16383;
  const adj = divSig(ua, ua.h, ua.l, ub.h, ub.l);
  ua.e = e + adj;
  roundPack(f, sign, ua, prec);
}

/** √a rounded to `prec` bits. */
export function sqrt(f: Fpu, ase: number, ahi: number, alo: number, prec: number): void {
  const ka = classify(ase, ahi, alo);
  const sign = ase >>> 15;
  if (ka !== K.Normal) {
    if (ka === K.Unsupported) { f.flags |= IE; setIndefinite(f); return; }
    if (ka === K.SNaN || ka === K.QNaN) { propagateNaN(f, ka, ase, ahi, alo, K.Zero, 0, 0, 0); return; }
    if (ka === K.Zero) { f.c1 = 0; setZero(f, sign); return; }
    if (sign) { f.flags |= IE; setIndefinite(f); return; }
    if (ka === K.Inf) { f.c1 = 0; setInf(f, 0); return; }
    f.flags |= DE;
  } else if (sign) { f.flags |= IE; setIndefinite(f); return; }
  unpack(ua, ase, ahi, alo);
  // value = m × 2^(e - 16383 - 63), m = h:l. Make the exponent even: radicand = m·2^64 or m·2^63.
  const unb = ua.e - 16383;
  const odd = unb & 1;
  sqrtSig(ua, ua.h, ua.l, odd === 0);
  ua.e = ((unb - odd) >> 1) + 16383;
  roundPack(f, 0, ua, prec);
}

/**
 * Integer square root of the 128-bit radicand h:l:0:0 (shifted right one bit when `half`): 64 root
 * bits into u.h:u.l, round bit and sticky into u.x. Root is in [2^63, 2^64).
 */
function sqrtSig(u: Unpacked, h: number, l: number, half: boolean): void {
  // Radicand bits, two per step, most significant first: 4 words r3 r2 r1 r0.
  let r3 = h, r2 = l;
  let r1 = 0;
  if (half) { r1 = (r2 << 31) >>> 0; r2 = ((r2 >>> 1) | (r3 << 31)) >>> 0; r3 = r3 >>> 1; }
  // remainder (rem2:rem1:rem0, up to 67 bits) and root (qh:ql, up to 64 bits + the round bit).
  let rem2 = 0, rem1 = 0, rem0 = 0;
  let qh = 0, ql = 0, qx = 0;
  for (let i = 0; i < 65; i++) {
    // Bring down two radicand bits.
    let two: number;
    if (i < 16) two = (r3 >>> (30 - 2 * i)) & 3;
    else if (i < 32) two = (r2 >>> (30 - 2 * (i - 16))) & 3;
    else if (i < 48) two = (r1 >>> (30 - 2 * (i - 32))) & 3;
    else two = 0;
    rem2 = ((rem2 << 2) | (rem1 >>> 30)) >>> 0;
    rem1 = ((rem1 << 2) | (rem0 >>> 30)) >>> 0;
    rem0 = ((rem0 << 2) | two) >>> 0;
    // trial = root·4 + 1 (root so far is qh:ql, at most 64 bits; trial at most 66 bits).
    const t2 = (qh >>> 30), t1 = ((qh << 2) | (ql >>> 30)) >>> 0, t0 = ((ql << 2) | 1) >>> 0;
    let bit = 0;
    if (rem2 > t2 || (rem2 === t2 && (rem1 > t1 || (rem1 === t1 && rem0 >= t0)))) {
      let v = rem0 - t0, b = 0;
      if (v < 0) { v += 4294967296; b = 1; }
      rem0 = v;
      v = rem1 - t1 - b; b = 0;
      if (v < 0) { v += 4294967296; b = 1; }
      rem1 = v;
      rem2 = (rem2 - t2 - b) >>> 0;
      bit = 1;
    }
    if (i < 64) {
      qh = ((qh << 1) | (ql >>> 31)) >>> 0;
      ql = ((ql << 1) | bit) >>> 0;
    } else qx = bit;
  }
  u.h = qh; u.l = ql;
  u.x = ((qx << 31) | ((rem2 | rem1 | rem0) !== 0 ? 1 : 0)) >>> 0;
  u.s = 0;
}
