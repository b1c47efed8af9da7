// Shifts against the real CPU: every immediate count around the element widths, and counts from
// registers and memory including 64-bit counts whose high half is set.
import { describe, expect, it, type TestContext } from 'vitest';
import { requireNative } from './testing/native.js';
import { compareForms } from './testing/compare.js';
import { setMm, setXmm, type SimdCase, type Rng } from './testing/state.js';

type Ctx = TestContext;
const SHIFTS = ['psllw', 'psrlw', 'psraw', 'pslld', 'psrld', 'psrad', 'psllq', 'psrlq'];
const COUNTS = [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255];

/** A count operand: small and boundary values mostly, sometimes with high bits set. */
function count(rng: Rng): [bigint, bigint] {
  const lo = BigInt(rng.pick(COUNTS));
  switch (rng.below(6)) {
    case 0: return [lo | (1n << 32n), 0n];
    case 1: return [lo | (1n << 63n), 0n];
    case 2: return [lo, 0xffffffffffffffffn];
    case 3: return [lo | 0x100n, 0n];
    default: return [lo, BigInt(rng.u32())];
  }
}

describe('simd shifts vs the CPU', () => {
  it('by immediate', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const forms = SHIFTS.flatMap((op) => COUNTS.flatMap((n) => [`${op} mm1, ${n}`, `${op} xmm2, ${n}`, `${op} xmm11, ${n}`]));
    expect(compareForms(exe, forms, { perForm: 3 })).toBe('');
  });

  it('by register and memory counts', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const forms = SHIFTS.flatMap((op) => [`${op} mm1, mm2`, `${op} mm3, mm3`, `${op} mm4, [rsi]`, `${op} xmm1, xmm2`, `${op} xmm3, xmm3`, `${op} xmm5, [rsi]`]);
    const tweak = (c: SimdCase, rng: Rng) => {
      const [lo, hi] = count(rng);
      setMm(c, 2, lo);
      setXmm(c, 2, lo, hi);
      const mem = new DataView(c.mem.buffer);
      const at = Number(c.gpr[6]) - 0x301f00;
      if (at + 16 <= 256) { mem.setBigUint64(at, lo, true); mem.setBigUint64(at + 8, hi, true); }
    };
    expect(compareForms(exe, forms, { perForm: 24, tweak })).toBe('');
  });

  it('PSLLDQ and PSRLDQ by every byte count', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const forms = [...Array(20).keys(), 127, 128, 255].flatMap((n) => [`pslldq xmm1, ${n}`, `psrldq xmm2, ${n}`, `psrldq xmm12, ${n}`]);
    expect(compareForms(exe, forms, { perForm: 3 })).toBe('');
  });
});
