// Test support: seeded generators of extended-precision operands that hit the interesting cases
// (zeros, infinities, NaNs, denormals, pseudo-denormals, unsupported encodings, exponent extremes,
// significands on rounding boundaries for each precision) plus plain random values.

/** An extended value as stored: sign/exponent word and the significand halves (uint32). */
export interface X80 { se: number; hi: number; lo: number }

/** mulberry32: small, fast, good enough for operand generation. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export class Gen {
  readonly next: () => number;
  constructor(seed: number) { this.next = rng(seed); }

  u32(): number { return this.next(); }
  below(n: number): number { return this.next() % n; }
  pick<T>(xs: readonly T[]): T { return xs[this.below(xs.length)]; }
  bool(): boolean { return (this.next() & 1) !== 0; }

  /** A 64-bit significand with the integer bit set, biased toward rounding boundaries. */
  significand(): [number, number] {
    const r = this.below(12);
    let hi = (this.u32() | 0x80000000) >>> 0, lo = this.u32();
    switch (r) {
      case 0: hi = 0x80000000; lo = 0; break;
      case 1: hi = 0xffffffff; lo = 0xffffffff; break;
      case 2: lo = (lo & ~0x7ff) | this.pick([0x400, 0x3ff, 0x401, 0, 0x7ff, 0xc00 & 0x7ff]); break; // 53-bit boundary
      case 3: hi = (hi & ~0xff) | this.pick([0x80, 0x7f, 0x81, 0, 0xff]); lo = this.pick([0, 1, 0xffffffff, this.u32()]); break; // 24-bit boundary
      case 4: lo = (lo & ~1) | this.below(2); hi = (hi & 0xff000000) | 0x80000000; break;
      case 5: hi = (0x80000000 | (this.u32() & 0xfff00000)) >>> 0; lo = 0; break; // short significands: exact results
      case 6: hi = 0xffffffff; lo = (0xffffffff << this.below(32)) >>> 0; break;
      default: break;
    }
    return [hi >>> 0, lo >>> 0];
  }

  exponent(): number {
    const r = this.below(10);
    if (r < 4) return 0x3fff + this.below(130) - 65;
    if (r === 4) return 1 + this.below(70);
    if (r === 5) return 0x7ffe - this.below(70);
    if (r === 6) return 0x3fff + this.below(20000) - 10000;
    return 1 + this.below(0x7ffe);
  }

  normal(): X80 {
    const [hi, lo] = this.significand();
    return { se: (this.bool() ? 0x8000 : 0) | this.exponent(), hi, lo };
  }

  /** Any value, with about one in four special (per `specials`, 0-1). */
  value(specials = 0.25): X80 {
    if (this.below(1000) >= specials * 1000) return this.normal();
    const s = this.bool() ? 0x8000 : 0;
    switch (this.below(9)) {
      case 0: return { se: s, hi: 0, lo: 0 };
      case 1: return { se: s | 0x7fff, hi: 0x80000000, lo: 0 };
      case 2: return { se: s | 0x7fff, hi: (0xc0000000 | this.u32()) >>> 0, lo: this.u32() }; // QNaN
      case 3: { // SNaN
        let hi = (0x80000000 | (this.u32() & 0x3fffffff)) >>> 0;
        const lo = this.u32();
        if (hi === 0x80000000 && lo === 0) hi = 0x80000001;
        return { se: s | 0x7fff, hi, lo };
      }
      case 4: { // denormal
        const [hi, lo] = this.significand();
        const sh = this.below(64);
        const h = sh >= 32 ? 0 : hi >>> sh, l = sh >= 32 ? hi >>> (sh - 32) : ((lo >>> sh) | (sh ? hi << (32 - sh) : 0)) >>> 0;
        return { se: s, hi: (h & 0x7fffffff) >>> 0, lo: (h === 0 && l === 0 ? 1 : l) >>> 0 };
      }
      case 5: { const [hi, lo] = this.significand(); return { se: s, hi, lo }; } // pseudo-denormal
      case 6: { const [hi, lo] = this.significand(); return { se: s | this.exponent(), hi: (hi & 0x7fffffff) >>> 0, lo }; } // unnormal
      case 7: return { se: s | 0x7fff, hi: this.u32() & 0x7fffffff, lo: this.u32() }; // pseudo-infinity/NaN
      default: return { se: s | 0x3fff, hi: 0x80000000, lo: 0 }; // ±1
    }
  }

  /** A second operand related to `a` (close in magnitude, equal, negated, rounding-boundary sums). */
  related(a: X80): X80 {
    switch (this.below(6)) {
      case 0: return { ...a };
      case 1: return { ...a, se: a.se ^ 0x8000 };
      case 2: { const e = (a.se & 0x7fff) + this.below(5) - 2; return { se: (a.se & 0x8000) ^ (this.bool() ? 0x8000 : 0) | Math.min(0x7ffe, Math.max(1, e)), hi: (a.hi | 0x80000000) >>> 0, lo: (a.lo ^ this.below(4)) >>> 0 }; }
      case 3: { const e = (a.se & 0x7fff) - 64 + this.below(8); const [hi, lo] = this.significand(); return { se: (this.bool() ? 0x8000 : 0) | Math.max(1, e), hi, lo }; }
      case 4: { const e = (a.se & 0x7fff) - 24 - this.below(40); const [hi, lo] = this.significand(); return { se: (this.bool() ? 0x8000 : 0) | Math.max(1, e), hi, lo }; }
      default: return this.value();
    }
  }
}

export function x80Hex(v: X80): string {
  return `${v.se.toString(16).padStart(4, '0')}:${v.hi.toString(16).padStart(8, '0')}${v.lo.toString(16).padStart(8, '0')}`;
}
