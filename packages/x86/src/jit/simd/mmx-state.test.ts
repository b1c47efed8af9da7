// The x87 side of MMX against the real CPU: every MMX instruction leaves TOP = 0 and all tags
// valid (EMMS: all empty), writes ones to the sign/exponent of the MM registers it writes, takes
// a pending unmasked x87 exception as #MF first, and changes nothing when it faults.
import { describe, expect, it, type TestContext } from 'vitest';
import { requireNative } from './testing/native.js';
import { compareForms } from './testing/compare.js';
import type { Rng, SimdCase } from './testing/state.js';

type Ctx = TestContext;

const MMX_FORMS = [
  'emms', 'movd mm1, eax', 'movd eax, mm1', 'movq mm2, [rsi]', 'movq [rdi], mm3', 'movq mm4, mm5',
  'movq2dq xmm1, mm2', 'movdq2q mm3, xmm4', 'paddb mm1, mm2', 'pmaddwd mm1, [rsi]', 'psllq mm1, 3',
  'psrlw mm1, mm2', 'pshufw mm1, mm2, 0x1b', 'pmovmskb eax, mm1', 'pextrw eax, mm1, 2', 'pinsrw mm1, eax, 1',
  'maskmovq mm1, mm2', 'movntq [rdi], mm1', 'punpcklbw mm1, [rsi]', 'packsswb mm1, mm2', 'pxor mm3, mm3',
];
/** Instructions that must leave the x87 state alone. */
const NON_MMX_FORMS = ['pxor xmm1, xmm2', 'movdqa xmm1, [rsi]', 'movnti [rdi], eax', 'pmovmskb eax, xmm1', 'psadbw xmm1, xmm2'];

describe('MMX and the x87 state vs the CPU', () => {
  it('TOP, tags and exponents after MMX instructions, from random x87 states', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    expect(compareForms(exe, [...MMX_FORMS, ...NON_MMX_FORMS], { perForm: 16, misaligned: 0 })).toBe('');
  });

  it('a pending unmasked x87 exception raises #MF before anything changes', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const tweak = (c: SimdCase, rng: Rng) => {
      // Random flags and masks: some states have an unmasked flag pending, some only masked ones.
      const dv = new DataView(c.fx.buffer);
      dv.setUint16(0, 0x0340 | (rng.u32() & 0x3f), true);
      dv.setUint16(2, (dv.getUint16(2, true) & 0x3800) | (rng.u32() & 0x7f), true);
    };
    expect(compareForms(exe, [...MMX_FORMS, ...NON_MMX_FORMS], { perForm: 16, misaligned: 0, tweak })).toBe('');
  });

  it('a faulting MMX instruction leaves TOP, tags and registers as they were', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const forms = ['movq mm1, [rsi+0xf8]', 'paddb mm2, [rsi+0xf8]', 'movq [rdi+0xf8], mm1', 'movd [rdi+0xfc], mm1',
      'movntq [rdi+0xf8], mm2', 'pinsrw mm1, [rsi+0xfe], 1', 'punpckhbw mm1, [rsi+0xf8]', 'psllq mm1, [rsi+0xf8]'];
    // Offsets 1-15 make the 8-byte accesses cross into the guard page; 16 puts them inside it.
    expect(compareForms(exe, forms, { perForm: 12, offsets: [1, 2, 3, 4, 5, 6, 7, 8, 12, 15, 16] })).toBe('');
  });
});
