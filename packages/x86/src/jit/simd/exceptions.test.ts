// Exceptions: #GP(0) for misaligned 16-byte operands of every aligned legacy-SSE form, page faults
// of accesses that straddle a missing page (nothing written, nothing loaded), and — on the
// emulator only, since a user process cannot change CR0/CR4 — #UD/#NM/#MF from the control bits.
import { describe, expect, it, type TestContext } from 'vitest';
import { CR0, CR4 } from '../../arch.js';
import type { Cpu } from '../../cpu.js';
import { requireNative, runNative } from './testing/native.js';
import { compareForms, emulator, makeCases } from './testing/compare.js';
import { describeCase, diffResults, type SimdCase, type SimdResult } from './testing/state.js';

type Ctx = TestContext;

const BINARY = ['andps', 'andnps', 'orps', 'xorps', 'andpd', 'andnpd', 'orpd', 'xorpd', 'pand', 'pandn', 'por', 'pxor',
  'unpcklps', 'unpckhps', 'unpcklpd', 'unpckhpd', 'punpcklbw', 'punpckhbw', 'punpcklwd', 'punpckhwd', 'punpckldq',
  'punpckhdq', 'punpcklqdq', 'punpckhqdq', 'paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq',
  'paddsb', 'paddsw', 'paddusb', 'paddusw', 'psubsb', 'psubsw', 'psubusb', 'psubusw', 'pmullw', 'pmulhw', 'pmulhuw',
  'pmuludq', 'pmaddwd', 'pavgb', 'pavgw', 'pminub', 'pmaxub', 'pminsw', 'pmaxsw', 'psadbw', 'pcmpeqb', 'pcmpeqw',
  'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd', 'psllw', 'pslld', 'psllq', 'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad',
  'packsswb', 'packssdw', 'packuswb'];
/** Every legacy-SSE form of this group with a 16-byte memory operand that must be aligned. */
const ALIGNED_FORMS = [
  ...BINARY.map((op) => `${op} xmm1, [rsi]`),
  ...['pshufd', 'pshuflw', 'pshufhw', 'shufps', 'shufpd'].map((op) => `${op} xmm1, [rsi], 0x1b`),
  'movaps xmm1, [rsi]', 'movapd xmm1, [rsi]', 'movdqa xmm1, [rsi]',
  'movaps [rdi], xmm1', 'movapd [rdi], xmm1', 'movdqa [rdi], xmm1', 'movntps [rdi], xmm1', 'movntpd [rdi], xmm1', 'movntdq [rdi], xmm1',
];
/** Forms that accept any alignment. */
const UNALIGNED_FORMS = [
  'movups xmm1, [rsi]', 'movupd xmm1, [rsi]', 'movdqu xmm1, [rsi]', 'movups [rdi], xmm1', 'movupd [rdi], xmm1', 'movdqu [rdi], xmm1',
  'maskmovdqu xmm1, xmm2', 'movq xmm1, [rsi]', 'movq [rdi], xmm1', 'movlps xmm1, [rsi]', 'movhpd [rdi], xmm1', 'movsd xmm1, [rsi]',
  'movss [rdi], xmm1', 'movd xmm1, [rsi]', 'pinsrw xmm1, [rsi], 3', 'paddb mm1, [rsi]', 'movq mm1, [rsi]', 'movnti [rdi], rax',
];

describe('simd exceptions vs the CPU', () => {
  it('#GP(0) for a misaligned 16-byte operand of every aligned form', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    expect(compareForms(exe, ALIGNED_FORMS, { perForm: 3, offsets: [1, 4, 8, 12, 15, 0] })).toBe('');
  });

  it('no alignment check for the unaligned, 8-byte and smaller forms', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    expect(compareForms(exe, UNALIGNED_FORMS, { perForm: 4, offsets: [1, 3, 7, 9, 13] })).toBe('');
  });

  it('accesses straddling a missing page fault without loading or storing anything', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const forms = ['movdqu xmm1, [rsi+0xf0]', 'movdqu [rdi+0xf0], xmm1', 'movups [rdi+0xf0], xmm2', 'movupd xmm3, [rsi+0xf0]',
      'movq [rdi+0xf8], xmm1', 'movhps [rdi+0xf8], xmm1', 'movsd xmm1, [rsi+0xf8]', 'movd [rdi+0xfc], xmm1',
      'paddb xmm1, [rsi+0xf0]', 'movdqa [rdi+0xf0], xmm1', 'pextrw eax, xmm1, 1', 'maskmovdqu xmm1, xmm2'];
    // 1-15 straddle (and are misaligned), 16 is inside the missing page, 0 is the last line before it.
    expect(compareForms(exe, forms, { perForm: 12, offsets: [0, 1, 4, 7, 8, 9, 12, 15, 16] })).toBe('');
  });
});

// ---- control-register conditions (emulator only; the expected outcome is built from the native one) ----

const SSE_FORMS = ['pxor xmm1, xmm2', 'movdqa xmm1, [rsi]', 'movq2dq xmm1, mm2', 'movdq2q mm1, xmm2', 'pmovmskb eax, xmm1', 'maskmovdqu xmm1, xmm2'];
const MMX_FORMS = ['paddb mm1, mm2', 'emms', 'pshufw mm1, mm2, 3', 'movq mm1, [rsi]', 'pmovmskb eax, mm1', 'maskmovq mm1, mm2'];

type Setup = (cpu: Cpu) => void;

/** Runs forms on the emulator under `setup`; `vector(form)` is the expected fault, or undefined for the normal result. */
function checkControl(exe: string, forms: string[], setup: Setup, vector: (form: string) => number | undefined, state = {}): string {
  const cases = makeCases(forms, { perForm: 6, misaligned: 0, state });
  const native = runNative(exe, cases);
  const emu = emulator();
  const got = emu.run(cases, (cpu) => setup(cpu));
  const bad: string[] = [];
  cases.forEach((c: SimdCase, k) => {
    const v = vector(c.text);
    const want: SimdResult = v === undefined ? native[k] : { ...emu.initial(c), fault: { vector: v, errorCode: 0, cr2: 0 } };
    const d = diffResults(want, got[k]);
    if (d.length && bad.length < 4) bad.push(`${describeCase(c)}\n  => ${d.join('\n  => ')}`);
  });
  return bad.join('\n\n');
}

describe('simd availability from CR0/CR4 (emulator)', () => {
  it('CR4.OSFXSR = 0: #UD for XMM forms; MMX forms and MOVNTI run', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const setup: Setup = (cpu) => { cpu.state.cr4 &= ~CR4.OSFXSR; };
    expect(checkControl(exe, [...SSE_FORMS, ...MMX_FORMS, 'movnti [rdi], eax'], setup, (f) => (SSE_FORMS.includes(f) ? 6 : undefined))).toBe('');
  });

  it('CR0.EM = 1: #UD for XMM and MMX forms; MOVNTI runs', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const setup: Setup = (cpu) => { cpu.state.cr0 |= CR0.EM; };
    expect(checkControl(exe, [...SSE_FORMS, ...MMX_FORMS, 'movnti [rdi], eax'], setup, (f) => (f.startsWith('movnti') ? undefined : 6))).toBe('');
  });

  it('CR0.TS = 1: #NM for XMM and MMX forms, ahead of a pending x87 exception; MOVNTI runs', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const setup: Setup = (cpu) => { cpu.state.cr0 |= CR0.TS; };
    expect(checkControl(exe, [...SSE_FORMS, ...MMX_FORMS, 'movnti [rdi], eax'], setup, (f) => (f.startsWith('movnti') ? undefined : 7))).toBe('');
    const pending = { fcw: 0x037e, fsw: 0x0001 };
    expect(checkControl(exe, MMX_FORMS, setup, () => 7, pending)).toBe('');
  });

  it('CR0.NE = 0: a pending x87 exception does not stop MMX instructions (no FERR# model)', (ctx: Ctx) => {
    const exe = requireNative(ctx);
    const cases = makeCases(MMX_FORMS, { perForm: 6, misaligned: 0, state: { fcw: 0x037e, fsw: 0x0001 } });
    // The reference runs with the exception flag clear; only the status word may then differ.
    const clean = cases.map((c) => {
      const fx = c.fx.slice();
      fx[2] &= ~0x3f;
      return { ...c, fx };
    });
    const native = runNative(exe, clean);
    const got = emulator().run(cases, (cpu) => { cpu.state.cr0 &= ~CR0.NE; });
    const bad = cases.flatMap((c, k) => diffResults(native[k], got[k]).filter((d) => !d.startsWith('fsw')).map((d) => `${c.text}: ${d}`));
    expect(bad.slice(0, 8)).toEqual([]);
  });
});
