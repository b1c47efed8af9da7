// Operand values that find bugs: sign and carry boundaries for integers, and for floating point
// zeros, infinities, NaNs (quiet and signalling), denormals, the limits of each format and the
// edges of integer conversion, mixed with plain random values.
import type { Rng } from './rng.js';

const M64 = (1n << 64n) - 1n;

/** An integer of `bits` bits (as an unsigned bigint), biased towards boundary values. */
export function intValue(rng: Rng, bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  const top = 1n << BigInt(bits - 1);
  switch (rng.int(12)) {
    case 0: return 0n;
    case 1: return rng.pick([1n, 2n, 3n, 7n, 8n, 15n, 16n, 31n, 32n, 63n, 64n]);
    case 2: return mask;
    case 3: return top;
    case 4: return top - 1n;
    case 5: return (top + 1n) & mask;
    case 6: return (mask - BigInt(rng.int(4))) & mask;
    case 7: { // a boundary of a narrower width, in a wider operand
      const w = rng.pick([8, 16, 32]);
      const v = rng.pick([(1n << BigInt(w - 1)), (1n << BigInt(w - 1)) - 1n, (1n << BigInt(w)) - 1n, 1n << BigInt(w)]);
      return (rng.bool() ? v : (M64 - v + 1n)) & mask;
    }
    case 8: return BigInt(rng.int(256)) & mask;
    default: return rng.u64() & mask;
  }
}

/** A 64-bit register value: full random, boundaries of every width, or small. */
export function regValue(rng: Rng): bigint {
  return intValue(rng, rng.pick([8, 16, 32, 64, 64, 64]));
}

// ---- floating point, as raw bits ----

const F32_SPECIAL = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
  0x7fa00000, 0xff800001, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f000000,
  0x4f000000, 0xcf000000, 0x4effffff, 0x5f000000, 0xdf000000, 0x3fc00000, 0x40490fdb, 0x33800000,
];

const F64_SPECIAL: bigint[] = [
  0x0000000000000000n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x7ff0000000000000n,
  0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff4000000000000n, 0xfff0000000000001n,
  0x0000000000000001n, 0x800fffffffffffffn, 0x0010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn,
  0x3fe0000000000000n, 0x41e0000000000000n, 0xc1e0000000000000n, 0x41dfffffffffffffn, 0xc1e0000000200000n,
  0x43e0000000000000n, 0xc3e0000000000000n, 0x43dfffffffffffffn, 0x3ff8000000000000n, 0x400921fb54442d18n,
  0x3ca0000000000000n, 0x41efffffffe00000n, 0x4330000000000000n,
];

export function f32Bits(rng: Rng): number {
  switch (rng.int(4)) {
    case 0: return rng.pick(F32_SPECIAL) >>> 0;
    case 1: { // an ordinary number of moderate size
      const e = 127 + rng.range(-20, 40);
      return ((rng.bool() ? 0x80000000 : 0) | (e << 23) | (rng.u32() & 0x7fffff)) >>> 0;
    }
    case 2: { // a small integer
      const f = new Float32Array([rng.range(-300, 300) + (rng.bool(0.3) ? 0.5 : 0)]);
      return new Uint32Array(f.buffer)[0];
    }
    default: return rng.u32();
  }
}

export function f64Bits(rng: Rng): bigint {
  switch (rng.int(4)) {
    case 0: return rng.pick(F64_SPECIAL);
    case 1: {
      const e = BigInt(1023 + rng.range(-40, 70));
      return (rng.bool() ? 1n << 63n : 0n) | (e << 52n) | (rng.u64() & 0xfffffffffffffn);
    }
    case 2: {
      const f = new Float64Array([rng.range(-100000, 100000) / (rng.bool(0.5) ? 1 : 8)]);
      return new BigUint64Array(f.buffer)[0];
    }
    default: return rng.u64();
  }
}

/** An 80-bit extended value as [significand (64 bits), sign|exponent (16 bits)]. */
export function f80Parts(rng: Rng): [bigint, number] {
  const J = 1n << 63n;
  switch (rng.int(6)) {
    case 0: return rng.pick<[bigint, number]>([
      [0n, 0], [0n, 0x8000], [J, 0x3fff], [J, 0xbfff], [J, 0x7fff], [J, 0xffff], [J | (1n << 62n), 0x7fff],
      [J | (1n << 62n), 0xffff], [J | 1n, 0x7fff], [1n, 0], [J, 0x0001], [(1n << 64n) - 1n, 0x7ffe],
      [J, 0x403e], [J, 0xc03e], [J, 0x401e], [0xc90fdaa22168c235n, 0x4000], [J | (1n << 62n), 0x3ffe],
      [0x4000000000000000n, 0x3fff], [(1n << 63n) - 1n, 0],
    ]);
    case 1: case 2: {
      const e = 0x3fff + rng.range(-30, 64);
      return [J | (rng.u64() & (J - 1n)), (rng.bool() ? 0x8000 : 0) | e];
    }
    case 3: { // exactly a small integer or half-integer
      const n = rng.range(1, 4000);
      const shift = 63 - (31 - Math.clz32(n));
      return [BigInt(n) << BigInt(shift), (rng.bool() ? 0x8000 : 0) | (0x3fff + (31 - Math.clz32(n)) - (rng.bool(0.2) ? 1 : 0))];
    }
    case 4: { // a converted double (what most programs hold in x87 registers)
      const b = f64Bits(rng);
      return f64ToF80(b);
    }
    default: return [rng.u64(), rng.u32() & 0xffff];
  }
}

export function f64ToF80(b: bigint): [bigint, number] {
  const sign = Number(b >> 63n) << 15;
  const e = Number((b >> 52n) & 0x7ffn);
  const m = b & 0xfffffffffffffn;
  if (e === 0x7ff) return [(1n << 63n) | (m << 11n), sign | 0x7fff];
  if (e === 0) {
    if (m === 0n) return [0n, sign];
    let mm = m, ee = 1 - 1023 + 0x3fff;
    while ((mm & (1n << 52n)) === 0n) { mm <<= 1n; ee--; }
    return [mm << 11n, sign | ee];
  }
  return [(1n << 63n) | (m << 11n), sign | (e - 1023 + 0x3fff)];
}

export function le64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
}

export function leN(v: bigint, n: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = BigInt.asUintN(n * 8, v);
  for (let i = 0; i < n; i++) { b[i] = Number(x & 0xffn); x >>= 8n; }
  return b;
}
