// The transcendental instructions against this machine's FPU. Hardware results are not always
// correctly rounded, so register values may differ by one unit in the last place (then C1, the
// rounding direction, may differ too); everything else — special operands, flags, stack effects,
// out-of-range arguments, the 66-bit π of the argument reduction — must match exactly.
import { describe, expect, it } from 'vitest';
import { requireNative } from '../../fpu/native/native.js';
import { Gen, type X80 } from '../../fpu/native/values.js';
import { Emu, compareAll, type X87Case } from './harness.js';
import { asm, randomState } from './gen.js';

/** A finite value with magnitude 2^e·[1, 2), random sign unless `sign` is given. */
function mag(g: Gen, e: number, sign?: number): X80 {
  const [hi, lo] = g.significand();
  return { se: ((sign ?? (g.bool() ? 1 : 0)) << 15) | (0x3fff + e), hi, lo };
}

type Arg = (g: Gen) => X80;
const TESTS: [string, Arg, Arg?][] = [
  ['f2xm1', (g) => mag(g, -g.below(70))],
  ['fyl2x', (g) => (g.below(4) === 0 ? mag(g, 0, 0) : mag(g, g.below(200) - 100, 0)), (g) => mag(g, g.below(40) - 20)],
  ['fyl2xp1', (g) => mag(g, -2 - g.below(70)), (g) => mag(g, g.below(40) - 20)],
  ['fpatan', (g) => mag(g, g.below(100) - 50), (g) => mag(g, g.below(100) - 50)],
  ['fsin', (g) => mag(g, g.below(80) - 16)],
  ['fcos', (g) => mag(g, g.below(80) - 16)],
  ['fptan', (g) => mag(g, g.below(80) - 16)],
  ['fsincos', (g) => mag(g, g.below(80) - 16)],
];

describe('x87 transcendental instructions vs the real FPU', () => {
  const emu = new Emu();
  for (const [text, a0, a1] of TESTS) {
    it(`${text}: within 1 ulp, flags and specials exact`, (ctx) => {
      if (!requireNative(ctx)) return;
      const g = new Gen(text.length * 7919 + text.charCodeAt(2));
      const cases: X87Case[] = [];
      for (let n = 0; n < 1500; n++) {
        // Mostly in-domain finite operands under the default control word, some random states.
        const state = randomState(g, { minDepth: 2, unmasked: 0.1, full: 0.05 });
        if (g.below(5) !== 0) {
          state.st[0] = a0(g);
          if (a1) state.st[1] = a1(g);
          if (g.below(3) !== 0) state.fcw = 0x037f | (g.below(4) << 10);
        }
        cases.push({ what: text, code: asm(text), state });
      }
      const stats = { close: 0 };
      const bad = compareAll(emu, cases, { ulps: 1, ignoreC1: true, stats });
      console.log(`${text}: ${cases.length} cases, ${stats.close} one ulp away from the reference CPU`);
      expect(bad.slice(0, 20), `${bad.length} mismatches`).toEqual([]);
    });
  }

  it('fsin/fcos/fptan reduce with the 66-bit π (arguments near multiples of π/2)', (ctx) => {
    if (!requireNative(ctx)) return;
    const g = new Gen(66);
    const cases: X87Case[] = [];
    const halfPi = 0xc90fdaa22168c234c4c6628b80dc1cd1n; // π/2 × 2^127
    for (let n = 0; n < 600; n++) {
      const k = BigInt(1 + g.below(1 << 20)) * (g.bool() ? 1n : BigInt(1 + g.below(1 << 30)));
      let v = k * halfPi;
      const bits = v.toString(2).length;
      v >>= BigInt(bits - 64);
      v += BigInt(g.below(5)) - 2n;
      const e = bits - 128;
      if (e >= 63) continue;
      const x: X80 = { se: (g.bool() ? 0x8000 : 0) | (0x3fff + e), hi: Number(v >> 32n) >>> 0, lo: Number(v & 0xffffffffn) >>> 0 };
      const text = g.pick(['fsin', 'fcos', 'fptan', 'fsincos']);
      cases.push({ what: text, code: asm(text), state: { fcw: 0x037f | (g.below(4) << 10), fsw: 0, ftw: 0x01, st: [x] } });
    }
    const bad = compareAll(emu, cases, { ulps: 1, ignoreC1: true });
    expect(bad.slice(0, 20), `${bad.length} mismatches`).toEqual([]);
  });
});
