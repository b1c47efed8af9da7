// Packed BCD (FBLD/FBSTP): 18 decimal digits, two per byte in bytes 0-8 (least significant
// first), the sign in bit 7 of byte 9. Rare instructions: BigInt keeps this short.
import { fromU64, roundToInt } from './convert.js';
import { Fpu, IE, K, classify, ua } from './ext.js';

const LIMIT = 10n ** 18n;

/**
 * BCD (bytes 0-3 in lo, 4-7 in hi, 8-9 in w16) → extended, exact. Digits above 9 are weighted like
 * any other digit (the result for such "invalid" encodings is architecturally undefined).
 */
export function fromBcd(f: Fpu, lo: number, hi: number, w16: number): void {
  let v = 0n;
  const bytes = [w16 & 0xff, (hi >>> 24) & 0xff, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff,
    (lo >>> 24) & 0xff, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  for (const b of bytes) v = v * 100n + BigInt((b >> 4) * 10 + (b & 15));
  fromU64(f, (w16 & 0x8000) !== 0 ? 0x8000 : 0, Number(v >> 32n) >>> 0, Number(v & 0xffffffffn) >>> 0);
}

/**
 * Extended → BCD for FBSTP, rounded per the rounding control: returns bytes 0-3, bytes 4-7 in
 * f.hi and bytes 8-9 in f.se. Out-of-range and invalid operands raise IE and give the BCD
 * indefinite (FFFF C000 0000 0000 0000).
 */
export function toBcd(f: Fpu, se: number, hi: number, lo: number): number {
  const k = classify(se, hi, lo);
  f.c1 = 0;
  const flags = f.flags;
  if (k === K.Inf || k === K.QNaN || k === K.SNaN || k === K.Unsupported || !roundToInt(f, se, hi, lo, ua)) {
    return indefinite(f, flags);
  }
  let v = (BigInt(ua.h) << 32n) | BigInt(ua.l);
  if (v >= LIMIT) return indefinite(f, flags);
  let out = 0n;
  for (let i = 0; i < 18; i++) { out |= (v % 10n) << BigInt(4 * i); v /= 10n; }
  f.hi = Number((out >> 32n) & 0xffffffffn) >>> 0;
  f.se = Number(out >> 64n) | (se & 0x8000);
  return Number(out & 0xffffffffn) >>> 0;
}

function indefinite(f: Fpu, flags: number): number {
  f.flags = flags | IE;
  f.c1 = 0;
  f.hi = 0xc0000000;
  f.se = 0xffff;
  return 0;
}
