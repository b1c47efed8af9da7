// Packed integer arithmetic, compares and packs against the real CPU. The random states lean on
// saturation boundaries (0x7f/0x80/0xff bytes, 0x7fff/0x8000/0xffff words), see testing/state.ts.
import { describe, expect, it, type TestContext } from 'vitest';
import { requireNative } from './testing/native.js';
import { compareForms } from './testing/compare.js';

type Ctx = TestContext;
const check = (ops: string[], opts: { mmx?: boolean } = {}) => (ctx: Ctx) => {
  const exe = requireNative(ctx);
  const forms = ops.flatMap((op) => [
    ...(opts.mmx === false ? [] : [`${op} mm1, mm2`, `${op} mm3, mm3`, `${op} mm6, [rsi]`]),
    `${op} xmm1, xmm2`, `${op} xmm4, xmm4`, `${op} xmm10, xmm13`, `${op} xmm5, [rsi]`,
  ]);
  expect(compareForms(exe, forms, { perForm: 24 })).toBe('');
};

describe('simd packed integer arithmetic vs the CPU', () => {
  it('wrapping add and subtract', check(['paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq']));
  it('saturating add and subtract', check(['paddsb', 'paddsw', 'paddusb', 'paddusw', 'psubsb', 'psubsw', 'psubusb', 'psubusw']));
  it('multiplies', check(['pmullw', 'pmulhw', 'pmulhuw', 'pmuludq', 'pmaddwd']));
  it('averages, minima, maxima, sums of absolute differences', check(['pavgb', 'pavgw', 'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'psadbw']));
  it('compares', check(['pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd']));
  it('packs', check(['packsswb', 'packssdw', 'packuswb']));
});
