// Random x87 instruction sequences on a Serval core against this machine's FPU: several
// instructions per block, so stack motion, TOP wrap-around, exceptions left pending by one
// instruction and raised (#MF) by the next, and the last-instruction pointers all interact.
import { describe, expect, it } from 'vitest';
import { requireNative } from '../../fpu/native/native.js';
import { Gen } from '../../fpu/native/values.js';
import { Emu, compareAll, type X87Case } from './harness.js';
import { asm, memOperand, randomState } from './gen.js';

/** `@` is replaced by a data offset; each instruction gets its own 32-byte slot of the block. */
const POOL = [
  'fld dword [D+@]', 'fld qword [D+@]', 'fld tword [D+@]', 'fild word [D+@]', 'fild dword [D+@]', 'fild qword [D+@]',
  'fst dword [D+@]', 'fstp qword [D+@]', 'fstp tword [D+@]', 'fist word [D+@]', 'fistp dword [D+@]', 'fistp qword [D+@]',
  'fbld tword [D+@]', 'fbstp tword [D+@]', 'fadd dword [D+@]', 'fmul qword [D+@]', 'fisub word [D+@]', 'fidivr dword [D+@]',
  'fcom qword [D+@]', 'ficomp word [D+@]', 'fnstsw [D+@]', 'fnstcw [D+@]', 'fldcw [D+@]', 'fnstenv [D+@]',
  'fld st1', 'fld st0', 'fstp st1', 'fst st3', 'fxch st2', 'ffree st1', 'fincstp', 'fdecstp', 'fnop', 'fwait',
  'fadd st0, st1', 'faddp st1, st0', 'fsub st2, st0', 'fsubrp st1, st0', 'fmul st0, st0', 'fmulp st2, st0',
  'fdiv st0, st1', 'fdivrp st1, st0', 'fchs', 'fabs', 'fsqrt', 'frndint', 'fscale', 'fxtract', 'fprem', 'fprem1',
  'fcom st1', 'fcompp', 'fucomp st1', 'fcomi st0, st1', 'fucomip st0, st1', 'ftst', 'fxam',
  'fld1', 'fldz', 'fldpi', 'fldl2e', 'fldln2', 'fcmovb st0, st1', 'fcmovne st0, st2', 'fnclex', 'fnstsw ax',
];

describe('x87 instruction sequences on the core vs the real FPU', () => {
  const emu = new Emu();
  it('random blocks of 2-6 instructions', (ctx) => {
    if (!requireNative(ctx)) return;
    const g = new Gen(31);
    const cases: X87Case[] = [];
    for (let n = 0; n < 1500; n++) {
      const texts: string[] = [];
      const count = 2 + g.below(5);
      for (let k = 0; k < count; k++) texts.push(g.pick(POOL).replace('@', String(32 * k)));
      const code = new Uint8Array(texts.flatMap((t) => [...asm(t)]));
      const data = new Uint8Array(32 * count + 16);
      texts.forEach((t, k) => {
        if (/fbld/.test(t)) data.set(memOperand(g, 10, 'bcd'), 32 * k);
        else if (/fild|fi[a-z]+ (word|dword)/.test(t)) data.set(memOperand(g, /qword/.test(t) ? 8 : /dword/.test(t) ? 4 : 2, 'i'), 32 * k);
        else if (/fldcw/.test(t)) { data[32 * k] = (g.u32() & 0x3f) | 0x40; data[32 * k + 1] = g.below(16); }
        else data.set(memOperand(g, /tword/.test(t) ? 10 : /qword/.test(t) ? 8 : 4, 'f'), 32 * k);
      });
      // FNSTENV images name the host's CS/DS selectors.
      const ignore: [number, number][] = [];
      texts.forEach((t, k) => { if (/fnstenv/.test(t)) ignore.push([32 * k + 16, 32 * k + 18], [32 * k + 24, 32 * k + 26]); });
      cases.push({ what: texts.join('; '), code, state: randomState(g, { minDepth: 1, unmasked: 0.3 }), data, ignore, rflags: 0x202 | (g.u32() & 0x8d5) });
    }
    const bad = compareAll(emu, cases);
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });
});
