// Logic, shuffles and unpacks against the real CPU, for every immediate that matters and for
// register, same-register and memory sources.
import { describe, expect, it, type TestContext } from 'vitest';
import { requireNative } from './testing/native.js';
import { compareForms } from './testing/compare.js';

type Ctx = TestContext;
const check = (forms: string[], opts = {}) => (ctx: Ctx) => {
  const exe = requireNative(ctx);
  expect(compareForms(exe, forms, { perForm: 12, ...opts })).toBe('');
};

/** `op dst, src` for MMX and XMM registers, the same register twice, and a memory source. */
function forms(op: string, { mmx = true, xmm = true } = {}): string[] {
  const out: string[] = [];
  if (mmx) out.push(`${op} mm1, mm2`, `${op} mm3, mm3`, `${op} mm7, [rsi]`);
  if (xmm) out.push(`${op} xmm1, xmm2`, `${op} xmm4, xmm4`, `${op} xmm9, xmm14`, `${op} xmm5, [rsi]`);
  return out;
}

describe('simd logic and shuffles vs the CPU', () => {
  it('PAND/PANDN/POR/PXOR and the PS/PD forms', check([
    ...['pand', 'pandn', 'por', 'pxor'].flatMap((op) => forms(op)),
    ...['andps', 'andnps', 'orps', 'xorps', 'andpd', 'andnpd', 'orpd', 'xorpd'].flatMap((op) => forms(op, { mmx: false })),
  ]));

  it('PSHUFD, PSHUFLW, PSHUFHW, PSHUFW for many orders', check([0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0xff, 0x39, 0x93, 0x72].flatMap((imm) => [
    `pshufd xmm1, xmm2, ${imm}`, `pshufd xmm3, xmm3, ${imm}`, `pshufd xmm4, [rsi], ${imm}`,
    `pshuflw xmm1, xmm2, ${imm}`, `pshuflw xmm5, xmm5, ${imm}`, `pshuflw xmm6, [rsi], ${imm}`,
    `pshufhw xmm1, xmm2, ${imm}`, `pshufhw xmm7, xmm7, ${imm}`, `pshufhw xmm8, [rsi], ${imm}`,
    `pshufw mm1, mm2, ${imm}`, `pshufw mm3, mm3, ${imm}`, `pshufw mm4, [rsi+1], ${imm}`,
  ]), { perForm: 4 }));

  it('SHUFPS and SHUFPD', check([0x00, 0x1b, 0xe4, 0x4e, 0xb1, 0xff, 0x01, 0x02, 0x03].flatMap((imm) => [
    `shufps xmm1, xmm2, ${imm}`, `shufps xmm3, xmm3, ${imm}`, `shufps xmm4, [rsi], ${imm}`,
    `shufpd xmm1, xmm2, ${imm}`, `shufpd xmm3, xmm3, ${imm}`, `shufpd xmm4, [rsi], ${imm}`,
  ]), { perForm: 5 }));

  it('PUNPCKL/H BW, WD, DQ, QDQ and UNPCKL/H PS, PD', check([
    ...['punpcklbw', 'punpckhbw', 'punpcklwd', 'punpckhwd', 'punpckldq', 'punpckhdq'].flatMap((op) => forms(op)),
    ...['punpcklqdq', 'punpckhqdq', 'unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd'].flatMap((op) => forms(op, { mmx: false })),
    // The MMX low unpacks read only 4 bytes: the last 4 bytes before the guard page do not fault.
    'punpcklbw mm1, [rsi+0xfc]', 'punpcklwd mm1, [rsi+0xfc]', 'punpckldq mm1, [rsi+0xfc]', 'punpckhbw mm1, [rsi+0xfc]',
  ], { offsets: [0, 0, 0, 16, 3] }));
});
