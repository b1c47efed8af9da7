// The arithmetic library against this machine's x87: random and edge-case operands under every
// precision and rounding control, all exceptions masked; results and status words bit for bit.
import { describe, expect, it } from 'vitest';
import { add, div, mul, sqrt } from './arith.js';
import { Fpu } from './ext.js';
import { CODE_BASE, requireNative, runNative, type NativeCase } from './native/native.js';
import { fxImage, stReg, tagsFor } from './native/fximage.js';
import { Gen, x80Hex, type X80 } from './native/values.js';

type Op = (f: Fpu, a: X80, b: X80) => void;

const OPS: [string, number[], Op][] = [
  ['fadd', [0xd8, 0xc1], (f, a, b) => add(f, a.se, a.hi, a.lo, b.se, b.hi, b.lo, false, f.precision)],
  ['fsub', [0xd8, 0xe1], (f, a, b) => add(f, a.se, a.hi, a.lo, b.se, b.hi, b.lo, true, f.precision)],
  ['fsubr', [0xd8, 0xe9], (f, a, b) => add(f, b.se, b.hi, b.lo, a.se, a.hi, a.lo, true, f.precision)],
  ['fmul', [0xd8, 0xc9], (f, a, b) => mul(f, a.se, a.hi, a.lo, b.se, b.hi, b.lo, f.precision)],
  ['fdiv', [0xd8, 0xf1], (f, a, b) => div(f, a.se, a.hi, a.lo, b.se, b.hi, b.lo, f.precision)],
  ['fdivr', [0xd8, 0xf9], (f, a, b) => div(f, b.se, b.hi, b.lo, a.se, a.hi, a.lo, f.precision)],
  ['fsqrt', [0xd9, 0xfa], (f, a) => sqrt(f, a.se, a.hi, a.lo, f.precision)],
];

const TOP = 6;

function fsw(flags: number, c1: number): number {
  return (flags & 0x7f) | (c1 << 9) | (TOP << 11);
}

describe('x87 arithmetic library vs the real FPU (exceptions masked)', () => {
  for (const [name, bytes, op] of OPS) {
    it(`${name}: results and status words are bit-identical`, (ctx) => {
      if (!requireNative(ctx)) return;
      const g = new Gen(0x5eed + bytes[1]);
      const cases: NativeCase[] = [];
      const inputs: [number, X80, X80][] = [];
      for (let k = 0; k < 8000; k++) {
        const pc = g.pick([0, 2, 3, 3]), rc = g.below(4);
        const cw = 0x107f & ~0x1000 | 0x40 | 0x3f | (pc << 8) | (rc << 10);
        const a = g.value(0.2);
        const b = g.bool() ? g.related(a) : g.value(0.2);
        inputs.push([cw, a, b]);
        cases.push({ codeAddr: CODE_BASE, code: new Uint8Array(bytes), data: new Uint8Array(0),
          fx: fxImage({ fcw: cw, fsw: TOP << 11, ftw: tagsFor(TOP, 2), st: [a, b] }) });
      }
      const res = runNative(cases);
      const f = new Fpu();
      const bad: string[] = [];
      res.forEach((r, k) => {
        const [cw, a, b] = inputs[k];
        f.cw = cw; f.flags = 0; f.c1 = 0;
        op(f, a, b);
        const got = { se: f.se, hi: f.hi >>> 0, lo: f.lo >>> 0 };
        const want = stReg(r.fx, 0);
        const wsw = new DataView(r.fx.buffer).getUint16(2, true);
        const gsw = fsw(f.flags, f.c1);
        if (x80Hex(got) !== x80Hex(want) || gsw !== wsw) {
          bad.push(`cw=${cw.toString(16)} a=${x80Hex(a)} b=${x80Hex(b)}: ours ${x80Hex(got)} sw=${gsw.toString(16)}, cpu ${x80Hex(want)} sw=${wsw.toString(16)}`);
        }
      });
      expect(bad.slice(0, 20), `${bad.length} mismatches`).toEqual([]);
    });
  }
});
