// Data movement against the real CPU: every form of MOVD/MOVQ, the whole-register, scalar and
// half-register moves, non-temporal stores, masked stores, mask extraction, PEXTRW/PINSRW.
import { describe, expect, it, type TestContext } from 'vitest';
import { readFileSync } from 'node:fs';
import { CPUID1_ECX } from '../../cpuid.js';
import { requireNative } from './testing/native.js';
import { compareForms, emulator } from './testing/compare.js';
import { GUARD_ADDR, mmSlot, WIN_ADDR } from './testing/state.js';

const check = (forms: string[], opts = {}) => (ctx: TestContext) => {
  const exe = requireNative(ctx);
  expect(compareForms(exe, forms, { perForm: 20, ...opts })).toBe('');
};

describe('simd moves vs the CPU', () => {
  it('MOVD/MOVQ between general registers or memory and MM/XMM', check([
    'movd mm1, eax', 'movd mm7, r11d', 'movd mm2, [rsi]', 'movq mm3, rcx', 'movq mm0, r15',
    'db 0x48, 0x0f, 0x6e, 0x26', // movq mm4, [rsi] (REX.W 0F 6E)
    'movd xmm1, eax', 'movd xmm9, [rsi+4]', 'movq xmm2, rcx', 'movq xmm14, r8',
    'db 0x66, 0x48, 0x0f, 0x6e, 0x1e', // movq xmm3, [rsi] (66 REX.W 0F 6E)
    'movd eax, mm1', 'movd r9d, mm7', 'movd [rdi], mm2', 'movq rax, mm3',
    'db 0x48, 0x0f, 0x7e, 0x27', // movq [rdi], mm4 (REX.W 0F 7E)
    'movd ecx, xmm3', 'movd r12d, xmm13', 'movd [rdi+8], xmm4', 'movq rdx, xmm5', 'movq r10, xmm15',
    'db 0x66, 0x48, 0x0f, 0x7e, 0x37', // movq [rdi], xmm6 (66 REX.W 0F 7E)
  ]));

  it('MOVQ between vector registers and memory, MOVQ2DQ, MOVDQ2Q', check([
    'movq mm1, mm2', 'movq mm0, mm0', 'movq mm4, [rsi]', 'movq [rdi], mm5',
    'db 0x0f, 0x7f, 0xd1', // movq mm1, mm2 (0F 7F store form, register destination)
    'movq xmm1, xmm2', 'movq xmm3, xmm3', 'movq xmm10, [rsi]', 'movq [rdi], xmm6',
    'db 0x66, 0x0f, 0xd6, 0xd1', // movq xmm1, xmm2 (66 0F D6, register destination)
    'movq2dq xmm1, mm2', 'movq2dq xmm12, mm7', 'movdq2q mm3, xmm4', 'movdq2q mm3, xmm12',
  ]));

  it('whole-register moves, aligned and unaligned, loads, stores and register forms', check([
    'movaps xmm1, xmm2', 'movaps xmm1, [rsi]', 'movaps [rdi], xmm3', 'db 0x0f, 0x29, 0xd1',
    'movapd xmm4, xmm5', 'movapd xmm4, [rsi]', 'movapd [rdi], xmm6', 'db 0x66, 0x0f, 0x29, 0xd1',
    'movdqa xmm7, xmm8', 'movdqa xmm9, [rsi+16]', 'movdqa [rdi], xmm10', 'db 0x66, 0x0f, 0x7f, 0xd1',
    'movups xmm1, xmm2', 'movups xmm1, [rsi]', 'movups [rdi], xmm3', 'db 0x0f, 0x11, 0xd1',
    'movupd xmm4, [rsi+3]', 'movupd [rdi+5], xmm6', 'movupd xmm11, xmm12',
    'movdqu xmm7, [rsi+1]', 'movdqu [rdi+7], xmm10', 'movdqu xmm0, xmm15', 'db 0xf3, 0x0f, 0x7f, 0xd1',
  ], { misaligned: 0.3 }));

  it('non-temporal stores', check([
    'movntps [rdi], xmm1', 'movntpd [rdi], xmm2', 'movntdq [rdi], xmm3', 'movntdq [rdi+16], xmm13',
    'movnti [rdi], eax', 'movnti [rdi+3], r9', 'movntq [rdi], mm1', 'movntq [rdi+5], mm6',
  ], { misaligned: 0.3 }));

  it('MOVSS/MOVSD: register forms merge, loads zero-extend, stores write the low lane', check([
    'movss xmm1, xmm2', 'movss xmm1, [rsi]', 'movss [rdi], xmm3', 'movss xmm5, xmm5',
    'db 0xf3, 0x0f, 0x11, 0xca', // movss xmm2, xmm1 (store-form register encoding)
    'movsd xmm1, xmm2', 'movsd xmm9, [rsi+8]', 'movsd [rdi+4], xmm3',
    'db 0xf2, 0x0f, 0x11, 0xca', // movsd xmm2, xmm1 (store-form register encoding)
  ]));

  it('half-register moves', check([
    'movlps xmm1, [rsi]', 'movlps [rdi], xmm2', 'movhps xmm3, [rsi+8]', 'movhps [rdi+1], xmm4',
    'movlpd xmm5, [rsi+3]', 'movlpd [rdi], xmm6', 'movhpd xmm7, [rsi]', 'movhpd [rdi], xmm8',
    'movhlps xmm1, xmm2', 'movhlps xmm3, xmm3', 'movlhps xmm1, xmm2', 'movlhps xmm14, xmm14',
  ]));

  it('MASKMOVQ and MASKMOVDQU store the selected bytes to [rdi]', check([
    'maskmovq mm1, mm2', 'maskmovq mm3, mm3', 'maskmovdqu xmm1, xmm2', 'maskmovdqu xmm9, xmm15',
  ], { misaligned: 0.5 }));

  // Which bytes of a masked store may fault is implementation-specific (SDM: "may still be
  // signaled"); these expectations are AMD's: the whole range is checked, whatever the mask.
  it('masked stores across the guard page fault as a whole (AMD behaviour)', (ctx) => {
    const exe = requireNative(ctx);
    if (!/AuthenticAMD/.test(readFileSync('/proc/cpuinfo', 'utf8'))) ctx.skip('masked-store faults are checked against AMD parts only');
    const forms = ['maskmovq mm1, mm2', 'maskmovdqu xmm1, xmm2'];
    const report = compareForms(exe, forms, {
      perForm: 60,
      tweak: (c, rng) => {
        // Straddle the guard page with a sparse mask, so some cases select only bytes before it.
        c.gpr[7] = BigInt(GUARD_ADDR - 1 - rng.below(15));
        const dv = new DataView(c.fx.buffer);
        for (let k = 0; k < 16; k++) {
          const on = rng.below(4) === 0 ? 0x80 : 0;
          dv.setUint8(160 + 32 + k, on | (rng.u32() & 0x7f));
          if (k < 8) dv.setUint8(mmSlot(c.fx, 2) + k, on | (rng.u32() & 0x7f));
        }
      },
    });
    expect(report).toBe('');
  });

  it('sign masks into general registers', check([
    'movmskps eax, xmm1', 'movmskps r9d, xmm15', 'db 0x48, 0x0f, 0x50, 0xc1', // movmskps rax, xmm1
    'movmskpd edx, xmm3', 'db 0x66, 0x4c, 0x0f, 0x50, 0xc2', // movmskpd r8, xmm2
    'pmovmskb eax, mm1', 'pmovmskb r10d, mm7', 'pmovmskb eax, xmm1', 'pmovmskb r9d, xmm15',
    'db 0x66, 0x48, 0x0f, 0xd7, 0xc1', // pmovmskb rax, xmm1
  ]));

  it('PEXTRW and PINSRW at every index (indices wrap)', check([
    ...[0, 1, 2, 3, 4, 7].map((k) => `pextrw eax, mm1, ${k}`),
    ...[0, 1, 2, 3, 4, 5, 6, 7, 9, 255].map((k) => `pextrw ecx, xmm2, ${k}`),
    'db 0x66, 0x48, 0x0f, 0xc5, 0xc1, 0x03', // pextrw rax, xmm1, 3
    ...[0, 1, 2, 3, 5].map((k) => `pinsrw mm1, eax, ${k}`),
    ...[0, 1, 2, 3, 4, 5, 6, 7, 9].map((k) => `pinsrw xmm1, ecx, ${k}`),
    'pinsrw xmm11, [rsi+1], 6', 'pinsrw mm2, [rsi], 1',
    'db 0x66, 0x48, 0x0f, 0xc4, 0xc8, 0x02', // pinsrw xmm1, rax, 2 (REX.W)
  ], { perForm: 8 }));

  it('PEXTRW to memory (SSE4.1 form, with SSE4.1 in the CPUID)', (ctx) => {
    const exe = requireNative(ctx);
    const m = emulator().cpu.cpuidModel;
    const l1 = m.get(1, 0, 0);
    m.set(1, [l1[0], l1[1], l1[2] | CPUID1_ECX.SSE41, l1[3]]);
    try {
      expect(compareForms(exe, ['pextrw [rdi], xmm1, 5', 'pextrw [rdi+1], xmm9, 0', 'db 0x66, 0x0f, 0x3a, 0x15, 0xc8, 0x03'], { perForm: 8 })).toBe('');
    } finally {
      m.set(1, l1);
    }
  });

  it('uses the window the native side uses', () => {
    expect(WIN_ADDR + 256).toBe(GUARD_ADDR);
  });
});
