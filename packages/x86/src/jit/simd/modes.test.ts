// Outside 64-bit mode: the same instructions in 32-bit protected mode (32-bit addressing, no REX)
// must leave exactly the state the CPU leaves running them in 64-bit mode with 32-bit addresses.
import { describe, expect, it, type TestContext } from 'vitest';
import { requireNative, runNative } from './testing/native.js';
import { encode, makeCases } from './testing/compare.js';
import { Emu } from './testing/emu.js';
import { describeCase, diffResults } from './testing/state.js';

const FORMS = [
  'movdqu xmm1, [esi]', 'movdqa xmm2, [esi+16]', 'movdqa [edi], xmm3', 'movups [edi+3], xmm4', 'paddb xmm1, [esi]',
  'pshufd xmm3, [esi], 0x1b', 'psllw xmm5, [esi]', 'pinsrw xmm1, [esi+2], 3', 'movd eax, xmm2', 'movd xmm6, ecx',
  'pmovmskb eax, xmm1', 'movq xmm7, [esi]', 'movhps [edi+8], xmm0', 'maskmovdqu xmm1, xmm2',
  'movq mm1, [esi]', 'movq [edi], mm2', 'punpcklbw mm1, [esi]', 'pmaddwd mm3, [esi+8]', 'maskmovq mm1, mm2', 'emms',
];

describe('simd in 32-bit protected mode', () => {
  it('matches the CPU running the same forms with 32-bit addresses', (ctx: TestContext) => {
    const exe = requireNative(ctx);
    const cases = makeCases(FORMS, { perForm: 12, misaligned: 0.25 });
    const want = runNative(exe, cases);
    const emu = new Emu(32);
    const got = emu.run(cases.map((c) => ({ ...c, code: encode(c.text, 32) })));
    const bad: string[] = [];
    cases.forEach((c, k) => {
      const d = diffResults(want[k], got[k]);
      if (d.length && bad.length < 4) bad.push(`${describeCase(c)}\n  => ${d.join('\n  => ')}`);
    });
    expect(bad.join('\n\n')).toBe('');
  });
});
