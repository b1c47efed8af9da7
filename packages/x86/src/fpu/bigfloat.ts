// Arbitrary-precision binary floating point on BigInt, for the transcendental instructions only
// (rare, so clarity beats speed here). A value is (-1)^s × m × 2^e with m kept to about P bits;
// every elementary function is evaluated to far more precision than the 64-bit result needs, so
// rounding the result once gives the correctly rounded value except in astronomically rare ties.

export const P = 160;

export interface BF { s: number; m: bigint; e: number }

export const ZERO: BF = { s: 0, m: 0n, e: 0 };

const NIBBLE_BITS = [0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4];

export function bitlen(m: bigint): number {
  if (m === 0n) return 0;
  const h = m.toString(16);
  return 4 * (h.length - 1) + NIBBLE_BITS[parseInt(h[0], 16)];
}

/** Truncates m to at most P bits (the error is far below what the results need). */
export function norm(x: BF): BF {
  const n = bitlen(x.m);
  if (n <= P) return x;
  const sh = n - P;
  return { s: x.s, m: x.m >> BigInt(sh), e: x.e + sh };
}

export function bf(s: number, m: bigint, e: number): BF { return norm({ s, m, e }); }
export function fromInt(v: number): BF { return { s: v < 0 ? 1 : 0, m: BigInt(Math.abs(v)), e: 0 }; }
export function neg(a: BF): BF { return { s: a.s ^ 1, m: a.m, e: a.e }; }
export function isZero(a: BF): boolean { return a.m === 0n; }
/** log2 of the magnitude's leading bit. */
export function ilog2(a: BF): number { return bitlen(a.m) - 1 + a.e; }

export function mul(a: BF, b: BF): BF { return norm({ s: a.s ^ b.s, m: a.m * b.m, e: a.e + b.e }); }

export function div(a: BF, b: BF): BF {
  if (b.m === 0n) throw new Error('bigfloat division by zero');
  const sh = P + bitlen(b.m) - bitlen(a.m) + 2;
  return norm({ s: a.s ^ b.s, m: (a.m << BigInt(Math.max(0, sh))) / b.m, e: a.e - b.e - Math.max(0, sh) });
}

/** Whether b / a is exact (a ≠ 0): a's odd part divides b's mantissa (exponents are free). */
export function divides(a: BF, b: BF): boolean {
  let m = a.m;
  while ((m & 1n) === 0n) m >>= 1n;
  return b.m % m === 0n;
}

export function add(a: BF, b: BF): BF {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  // Drop an operand too small to matter (keeping a guard margin).
  if (ilog2(a) - ilog2(b) > P + 8) return a;
  if (ilog2(b) - ilog2(a) > P + 8) return b;
  const e = Math.min(a.e, b.e);
  const ma = a.m << BigInt(a.e - e), mb = b.m << BigInt(b.e - e);
  const va = a.s ? -ma : ma, vb = b.s ? -mb : mb;
  const v = va + vb;
  return norm({ s: v < 0n ? 1 : 0, m: v < 0n ? -v : v, e });
}

export function sub(a: BF, b: BF): BF { return add(a, neg(b)); }

export function scale(a: BF, n: number): BF { return { s: a.s, m: a.m, e: a.e + n }; }

export function sqrt(a: BF): BF {
  if (a.m === 0n) return a;
  // Make the exponent even and the mantissa 2P+ bits, then integer Newton.
  let m = a.m, e = a.e;
  const want = 2 * P + 4 - bitlen(m);
  if (want > 0) { m <<= BigInt(want); e -= want; }
  if (e & 1) { m <<= 1n; e -= 1; }
  let x = 1n << BigInt((bitlen(m) >> 1) + 1);
  for (;;) {
    const y = (x + m / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return norm({ s: 0, m: x, e: e / 2 });
}

/** Compares magnitudes: -1, 0, 1. */
export function cmpAbs(a: BF, b: BF): number {
  if (a.m === 0n || b.m === 0n) return a.m === b.m ? 0 : a.m === 0n ? -1 : 1;
  const la = ilog2(a), lb = ilog2(b);
  if (la !== lb) return la > lb ? 1 : -1;
  const e = Math.min(a.e, b.e);
  const ma = a.m << BigInt(a.e - e), mb = b.m << BigInt(b.e - e);
  return ma > mb ? 1 : ma < mb ? -1 : 0;
}

/** A term below the running sum by more than P + 8 bits ends a series. */
function negligible(term: BF, sum: BF): boolean {
  return term.m === 0n || (sum.m !== 0n && ilog2(sum) - ilog2(term) > P + 8);
}

/** atanh(z) = z + z³/3 + z⁵/5 + … for |z| well below 1. */
export function atanh(z: BF): BF {
  const z2 = mul(z, z);
  let pow = z, sum = z;
  for (let k = 3; ; k += 2) {
    pow = mul(pow, z2);
    const t = div(pow, fromInt(k));
    if (negligible(t, sum)) return sum;
    sum = add(sum, t);
  }
}

/** e^y - 1 for |y| ≲ 1: the series on y/2^8, then expm1(2a) = expm1(a)·(expm1(a) + 2) eight times. */
export function expm1(y: BF): BF {
  const halvings = ilog2(y) > -20 ? 8 : 0;
  const a = scale(y, -halvings);
  let term = a, sum = a;
  for (let k = 2; ; k++) {
    term = div(mul(term, a), fromInt(k));
    if (negligible(term, sum)) break;
    sum = add(sum, term);
  }
  const two = fromInt(2);
  for (let i = 0; i < halvings; i++) sum = mul(sum, add(sum, two));
  return sum;
}

/** arctan(t) for 0 ≤ t ≤ 1: three angle halvings, then the Taylor series. */
export function atanSmall(t: BF): BF {
  const one = fromInt(1);
  let x = t;
  for (let i = 0; i < 3; i++) x = div(x, add(one, sqrt(add(one, mul(x, x)))));
  const x2 = mul(x, x);
  let pow = x, sum = x;
  for (let k = 3, sgn = 1; ; k += 2, sgn ^= 1) {
    pow = mul(pow, x2);
    const term = div(pow, fromInt(k));
    if (negligible(term, sum)) break;
    sum = add(sum, sgn ? neg(term) : term);
  }
  return scale(sum, 3);
}

/** sin(r) and cos(r) for |r| ≲ 1 by their Taylor series. */
export function sinCos(r: BF): [BF, BF] {
  const r2 = mul(r, r);
  let term = r, s = r;
  for (let k = 2; ; k += 2) {
    term = neg(div(mul(term, r2), fromInt(k * (k + 1))));
    if (negligible(term, s)) break;
    s = add(s, term);
  }
  let ct: BF = fromInt(1), c: BF = fromInt(1);
  for (let k = 1; ; k += 2) {
    ct = neg(div(mul(ct, r2), fromInt(k * (k + 1))));
    if (negligible(ct, c)) break;
    c = add(c, ct);
  }
  return [s, c];
}

export const LN2: BF = scale(atanh(div(fromInt(1), fromInt(3))), 1);
/** π from Machin's formula: 16·atan(1/5) − 4·atan(1/239). */
export const PI: BF = (() => {
  const series = (inv: number): BF => {
    const x = div(fromInt(1), fromInt(inv)), x2 = mul(x, x);
    let pow = x, sum = x;
    for (let k = 3, sgn = 1; ; k += 2, sgn ^= 1) {
      pow = mul(pow, x2);
      const t = div(pow, fromInt(k));
      if (negligible(t, sum)) return sum;
      sum = add(sum, sgn ? neg(t) : t);
    }
  };
  return sub(scale(series(5), 4), scale(series(239), 2));
})();

/** ln(m × 2^e) for a positive value, with full relative precision near 1. */
export function ln(x: BF): BF {
  // x = m' × 2^k with m' in [√½, √2): ln x = k·ln2 + 2·atanh((m'-1)/(m'+1)).
  let k = ilog2(x);
  let m: BF = { s: 0, m: x.m, e: x.e - k };
  if (cmpAbs(mul(m, m), fromInt(2)) > 0) { m = scale(m, -1); k += 1; }
  const one = fromInt(1);
  const z = div(sub(m, one), add(m, one));
  const r = scale(atanh(z), 1);
  return k === 0 ? r : add(mul(fromInt(k), LN2), r);
}

/** ln(1 + x) with full relative precision for small x. */
export function ln1p(x: BF): BF {
  if (ilog2(x) > -2) return ln(add(fromInt(1), x));
  return scale(atanh(div(x, add(fromInt(2), x))), 1);
}
