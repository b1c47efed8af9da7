// Bit-level views of binary32/binary64 values and operand classification shared by every SSE
// floating-point lane operation. Lanes travel as int32 words: a binary32 is one word, a binary64
// is (lo, hi). NaNs never pass through a JS double (the engine may not keep their payloads), so
// classification reads the bits and only finite values and infinities become numbers.

/** MXCSR fields. The low six bits are the sticky flags, the masks sit 7 bits higher. */
export const MX = {
  IE: 1, DE: 2, ZE: 4, OE: 8, UE: 16, PE: 32, DAZ: 64,
  IM: 0x80, DM: 0x100, ZM: 0x200, OM: 0x400, UM: 0x800, PM: 0x1000,
  RC_SHIFT: 13, FTZ: 0x8000,
} as const;
/** Bits LDMXCSR may set (MXCSR_MASK): DAZ is supported; no AMD misaligned-SSE bit. */
export const MXCSR_MASK = 0xffff;

/** Rounding control values. */
export const RN = 0, RD = 1, RU = 2, RZ = 3;

/** Formats: index into the parameter tables below. */
export const F32 = 0, F64 = 1;
export const PREC = [24, 53];
export const EMIN = [-126, -1022];
export const EMAX = [127, 1023];

const scratch = new ArrayBuffer(8);
const sF64 = new Float64Array(scratch);
const sU32 = new Uint32Array(scratch);
const sF32 = new Float32Array(scratch);

/** The double a (lo, hi) pair encodes (callers exclude NaNs). */
export function fromBits64(lo: number, hi: number): number {
  sU32[0] = lo; sU32[1] = hi;
  return sF64[0];
}
/** The number a binary32 encodes (callers exclude NaNs). */
export function fromBits32(b: number): number {
  sU32[0] = b;
  return sF32[0];
}
/** Low word of a double's encoding; the high word is left in `bitsHi`. */
export function toBits64(v: number): number {
  sF64[0] = v;
  bits.hi = sU32[1] | 0;
  return sU32[0] | 0;
}
/** Encoding of a number that is exactly representable in binary32 (not NaN). */
export function toBits32(v: number): number {
  sF32[0] = v;
  return sU32[0] | 0;
}
/** Carries the second word of two-word results out of functions (no allocation per call). */
export const bits = { hi: 0 };

/** Unbiased exponent of a positive normal double. */
export function exponentOf(v: number): number {
  sF64[0] = v;
  return ((sU32[1] >>> 20) & 0x7ff) - 1023;
}

const POW2_BIAS = 1100;
const POW2 = new Float64Array(2200);
{
  POW2.fill(Infinity, POW2_BIAS + 1024);
  let v = 1;
  for (let n = 0; n <= 1023; n++) { POW2[POW2_BIAS + n] = v; v *= 2; }
  v = 1;
  for (let n = 0; n >= -1074; n--) { POW2[POW2_BIAS + n] = v; v /= 2; }
}
/** 2^n for -1074 <= n <= 1023 (Infinity above, 0 below, to 1099 either way). */
export function pow2(n: number): number {
  return POW2[POW2_BIAS + n];
}

/** x · 2^n, exact whenever the result is representable (in steps that never lose bits early). */
export function scale(x: number, n: number): number {
  while (n > 1000) { x *= POW2[POW2_BIAS + 1000]; n -= 1000; }
  while (n < -1000) { x *= POW2[POW2_BIAS - 1000]; n += 1000; }
  return x * POW2[POW2_BIAS + n];
}

// ---- operand classes ----

export const ZERO = 0, FIN = 1, INF = 2, QNAN = 32, SNAN = 33;
/** Or-ed into FIN for a denormal operand that DAZ did not turn into zero. */
export const DEN = 8;

/** Result of `classify`: the magnitude (for ZERO/FIN/INF) and the sign. */
export const opnd = { v: 0, neg: false };

/**
 * Classifies a lane operand of format `fmt` (binary32: bits in `lo`), applying DAZ. The
 * magnitude goes to `opnd.v` (a double: every binary32/binary64 value is one exactly).
 */
export function classify(fmt: number, lo: number, hi: number, daz: boolean): number {
  let exp: number, manZero: boolean;
  if (fmt === F32) {
    opnd.neg = lo < 0;
    exp = (lo >>> 23) & 0xff;
    manZero = (lo & 0x7fffff) === 0;
    if (exp === 0xff) return manZero ? (opnd.v = Infinity, INF) : (lo & 0x400000) !== 0 ? QNAN : SNAN;
    if (exp === 0 && (manZero || daz)) { opnd.v = 0; return ZERO; }
    opnd.v = Math.abs(fromBits32(lo));
  } else {
    opnd.neg = hi < 0;
    exp = (hi >>> 20) & 0x7ff;
    manZero = (hi & 0xfffff) === 0 && lo === 0;
    if (exp === 0x7ff) return manZero ? (opnd.v = Infinity, INF) : (hi & 0x80000) !== 0 ? QNAN : SNAN;
    if (exp === 0 && (manZero || daz)) { opnd.v = 0; return ZERO; }
    opnd.v = Math.abs(fromBits64(lo, hi));
  }
  return exp === 0 ? FIN | DEN : FIN;
}

// ---- special encodings (binary64 results return lo and leave hi in `bits.hi`) ----

export function quietNaN(fmt: number, lo: number, hi: number): number {
  if (fmt === F32) return lo | 0x400000;
  bits.hi = hi | 0x80000;
  return lo;
}
/** The "real indefinite" QNaN an invalid operation returns when masked. */
export function defaultNaN(fmt: number): number {
  if (fmt === F32) return 0xffc00000 | 0;
  bits.hi = 0xfff80000 | 0;
  return 0;
}
export function infinity(fmt: number, neg: boolean): number {
  if (fmt === F32) return (neg ? 0xff800000 : 0x7f800000) | 0;
  bits.hi = (neg ? 0xfff00000 : 0x7ff00000) | 0;
  return 0;
}
export function zero(fmt: number, neg: boolean): number {
  if (fmt === F32) return neg ? 0x80000000 | 0 : 0;
  bits.hi = neg ? 0x80000000 | 0 : 0;
  return 0;
}
/** The largest finite magnitude. */
export function maxFinite(fmt: number, neg: boolean): number {
  if (fmt === F32) return (neg ? 0xff7fffff : 0x7f7fffff) | 0;
  bits.hi = (neg ? 0xffefffff : 0x7fefffff) | 0;
  return -1;
}
/** Encodes ±v, a value exactly representable in the format. */
export function encode(fmt: number, neg: boolean, v: number): number {
  if (fmt === F32) return toBits32(neg ? -v : v);
  return toBits64(neg ? -v : v);
}

/**
 * v = m · 2^e with 1 <= m < 2, for a finite positive v; m goes to `norm.m`, e is returned.
 * Subnormals are scaled first so the exponent field is meaningful.
 */
export const norm = { m: 0 };
export function normalize(v: number): number {
  let e = 0;
  if (v < POW2[POW2_BIAS - 1000]) { v *= POW2[POW2_BIAS + 200]; e = -200; }
  const x = exponentOf(v);
  norm.m = v * POW2[POW2_BIAS - x];
  return x + e;
}
