// x87 arithmetic instructions on a Serval core against this machine's FPU: register and memory
// forms, popping forms, random control words (unmasked exceptions included), empty registers,
// pending exceptions. Everything bit for bit: registers, status/control/tag words, pointers.
import { describe, expect, it } from 'vitest';
import { requireNative } from '../../fpu/native/native.js';
import { Gen } from '../../fpu/native/values.js';
import { Emu, compareAll, type X87Case } from './harness.js';
import { asm, memOperand, randomState } from './gen.js';

const REG_FORMS = ['fadd st0, st2', 'fadd st3, st0', 'faddp st1, st0', 'fmul st0, st1', 'fmul st2, st0', 'fmulp st3, st0',
  'fsub st0, st1', 'fsub st1, st0', 'fsubp st2, st0', 'fsubr st0, st1', 'fsubr st1, st0', 'fsubrp st1, st0',
  'fdiv st0, st1', 'fdiv st2, st0', 'fdivp st1, st0', 'fdivr st0, st2', 'fdivr st1, st0', 'fdivrp st1, st0',
  'fadd st0, st0'];
const MEM_FORMS: [string, number, 'f' | 'i'][] = [
  ['fadd dword [D]', 4, 'f'], ['fmul qword [D]', 8, 'f'], ['fsub dword [D]', 4, 'f'], ['fsubr qword [D]', 8, 'f'],
  ['fdiv qword [D]', 8, 'f'], ['fdivr dword [D]', 4, 'f'],
  ['fiadd word [D]', 2, 'i'], ['fimul dword [D]', 4, 'i'], ['fisub dword [D]', 4, 'i'], ['fisubr word [D]', 2, 'i'],
  ['fidiv word [D]', 2, 'i'], ['fidivr dword [D]', 4, 'i'],
];
const UNARY = ['fsqrt', 'fabs', 'fchs', 'frndint', 'fscale', 'fxtract', 'fprem', 'fprem1'];

describe('x87 arithmetic on the core vs the real FPU', () => {
  const emu = new Emu();
  it('register forms', (ctx) => {
    if (!requireNative(ctx)) return;
    const g = new Gen(101);
    const cases: X87Case[] = [];
    for (let n = 0; n < 6000; n++) {
      const text = g.pick(REG_FORMS);
      cases.push({ what: text, code: asm(text), state: randomState(g) });
    }
    const bad = compareAll(emu, cases);
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });
  it('memory forms', (ctx) => {
    if (!requireNative(ctx)) return;
    const g = new Gen(202);
    const cases: X87Case[] = [];
    for (let n = 0; n < 6000; n++) {
      const [text, size, kind] = g.pick(MEM_FORMS);
      cases.push({ what: text, code: asm(text), state: randomState(g, { minDepth: 1 }), data: memOperand(g, size, kind) });
    }
    const bad = compareAll(emu, cases);
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });
  it('one- and two-operand instructions on ST(0)/ST(1)', (ctx) => {
    if (!requireNative(ctx)) return;
    const g = new Gen(303);
    const cases: X87Case[] = [];
    for (let n = 0; n < 6000; n++) {
      const text = g.pick(UNARY);
      cases.push({ what: text, code: asm(text), state: randomState(g, { minDepth: 1 }) });
    }
    const bad = compareAll(emu, cases);
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });
});
