// x87 data movement and comparisons on a Serval core against this machine's FPU: loads and stores
// of every memory format (conversions, rounding, overflow/underflow, invalid operands and their
// indefinites, unmasked exceptions that suppress the store), constants under each rounding
// control, register moves, FCMOVcc, FCOM/FUCOM/FICOM/FCOMI/FTST/FXAM. Bit for bit.
import { describe, expect, it } from 'vitest';
import { requireNative } from '../../fpu/native/native.js';
import { Gen } from '../../fpu/native/values.js';
import { Emu, compareAll, type X87Case } from './harness.js';
import { asm, memOperand, randomState } from './gen.js';

type Form = [text: string, size: number, kind: 'f' | 'i' | 'bcd'];
const LOADS: Form[] = [
  ['fld dword [D]', 4, 'f'], ['fld qword [D]', 8, 'f'], ['fld tword [D]', 10, 'f'],
  ['fild word [D]', 2, 'i'], ['fild dword [D]', 4, 'i'], ['fild qword [D]', 8, 'i'], ['fbld tword [D]', 10, 'bcd'],
];
const STORES: Form[] = [
  ['fst dword [D]', 4, 'f'], ['fstp dword [D]', 4, 'f'], ['fst qword [D]', 8, 'f'], ['fstp qword [D]', 8, 'f'],
  ['fstp tword [D]', 10, 'f'], ['fist word [D]', 2, 'i'], ['fistp word [D]', 2, 'i'], ['fist dword [D]', 4, 'i'],
  ['fistp dword [D]', 4, 'i'], ['fistp qword [D]', 8, 'i'], ['fbstp tword [D]', 10, 'bcd'],
];
const REGS = ['fld st0', 'fld st3', 'fst st0', 'fst st2', 'fstp st0', 'fstp st1', 'fstp st5', 'fxch st1', 'fxch st4', 'fxch st0',
  'ffree st0', 'ffree st2', 'fincstp', 'fdecstp', 'fnop', 'fchs', 'fabs',
  'fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz',
  'fcmovb st0, st1', 'fcmove st0, st2', 'fcmovbe st0, st1', 'fcmovu st0, st3', 'fcmovnb st0, st1', 'fcmovne st0, st2',
  'fcmovnbe st0, st1', 'fcmovnu st0, st1'];
/** Alias encodings (FSTP1, FCOM2, FCOMP3, FXCH4, FCOMP5, FXCH7, FSTP8, FSTP9) and FFREEP. */
const ALIASES = [[0xd9, 0xda], [0xdc, 0xd1], [0xdc, 0xd9], [0xdd, 0xc9], [0xde, 0xd2], [0xdf, 0xca], [0xdf, 0xd1], [0xdf, 0xd9], [0xdf, 0xc1]];
const COMPARES = ['fcom st1', 'fcom st3', 'fcomp st2', 'fcompp', 'fucom st1', 'fucomp st1', 'fucompp',
  'fcomi st0, st1', 'fcomip st0, st2', 'fucomi st0, st1', 'fucomip st0, st1', 'ftst', 'fxam'];
const MEM_COMPARES: Form[] = [
  ['fcom dword [D]', 4, 'f'], ['fcomp qword [D]', 8, 'f'], ['ficom word [D]', 2, 'i'], ['ficomp dword [D]', 4, 'i'],
];

/** Random arithmetic flags in, so FCMOVcc sees every condition and FCOMI's results show. */
function rflags(g: Gen): number {
  return 0x202 | (g.u32() & 0x8d5);
}

describe('x87 data movement and comparisons on the core vs the real FPU', () => {
  const emu = new Emu();
  const run = (seed: number, n: number, make: (g: Gen) => X87Case) => {
    const g = new Gen(seed);
    const cases = Array.from({ length: n }, () => make(g));
    return compareAll(emu, cases);
  };

  it('loads from memory', (ctx) => {
    if (!requireNative(ctx)) return;
    const bad = run(11, 5000, (g) => {
      const [text, size, kind] = g.pick(LOADS);
      return { what: text, code: asm(text), state: randomState(g, { minDepth: 0, full: 0.15 }), data: memOperand(g, size, kind) };
    });
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });

  it('stores to memory', (ctx) => {
    if (!requireNative(ctx)) return;
    const bad = run(12, 6000, (g) => {
      const [text, size] = g.pick(STORES);
      const state = randomState(g, { minDepth: 1, empty: 0.08 });
      // Integer stores need values in (and just out of) range to be interesting.
      if (/fi|fb/.test(text) && g.below(3) !== 0) {
        const [hi, lo] = g.significand();
        const bits = size === 10 ? 60 : size * 8;
        state.st[0] = { se: (g.bool() ? 0x8000 : 0) | (0x3fff + g.below(bits + 2) - 2), hi, lo };
      }
      return { what: text, code: asm(text), state, data: new Uint8Array(size).fill(0xa5) };
    });
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });

  it('register moves, constants, FCMOVcc, alias encodings', (ctx) => {
    if (!requireNative(ctx)) return;
    const bad = run(13, 5000, (g) => {
      if (g.below(6) === 0) {
        const code = new Uint8Array(g.pick(ALIASES));
        return { what: Buffer.from(code).toString('hex'), code, state: randomState(g, { minDepth: 0, full: 0.2 }) };
      }
      const text = g.pick(REGS);
      return { what: text, code: asm(text), state: randomState(g, { minDepth: 0, full: 0.2 }), rflags: rflags(g) };
    });
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });

  it('comparisons', (ctx) => {
    if (!requireNative(ctx)) return;
    const bad = run(14, 6000, (g) => {
      if (g.below(4) === 0) {
        const [text, size, kind] = g.pick(MEM_COMPARES);
        return { what: text, code: asm(text), state: randomState(g, { minDepth: 1 }), data: memOperand(g, size, kind) };
      }
      const text = g.pick(COMPARES);
      return { what: text, code: asm(text), state: randomState(g, { minDepth: 1 }), rflags: rflags(g) };
    });
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });

  it('FLD ST(i) from an empty register onto an occupied one reports the underflow', (ctx) => {
    if (!requireNative(ctx)) return;
    const bad = run(16, 200, (g) => {
      const state = randomState(g, { minDepth: 0 });
      const top = (state.fsw >> 11) & 7, i = 1 + g.below(7);
      state.ftw = (0xff & ~(1 << ((top + i) & 7))) | (g.bool() ? 0 : 1 << ((top + 7) & 7));
      const text = `fld st${i}`;
      return { what: text, code: asm(text), state };
    });
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });

  it('FLDT then FSTPT round-trips every encoding, including unsupported ones', (ctx) => {
    if (!requireNative(ctx)) return;
    const code = new Uint8Array([...asm('fld tword [D]'), ...asm('fstp tword [D+16]')]);
    const bad = run(15, 2000, (g) => {
      const data = new Uint8Array(32);
      data.set(memOperand(g, 10, 'f'));
      if (g.bool()) for (let k = 0; k < 10; k++) data[k] = g.u32() & 0xff;
      return { what: 'fld/fstp m80', code, state: randomState(g, { minDepth: 0 }), data };
    });
    expect(bad.slice(0, 25), `${bad.length} mismatches`).toEqual([]);
  });
});
