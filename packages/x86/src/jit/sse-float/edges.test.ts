// Every pair of a curated set of edge values (signed zeros, denormals, the ends of the normal
// range, values next to 1, infinities, NaNs) through every arithmetic operation and compare,
// under each rounding mode and with FTZ+DAZ: deterministic coverage of the corners that random
// operands reach only rarely.
import { describe, expect, it } from 'vitest';
import { requireNative, runNative, type NativeCase } from './native/native.js';
import { Emu } from './testing/emu.js';
import { code, diff } from './testing/cases.js';

const E32 = [0, 1, 0x7fffff, 0x800000, 0x800001, 0x3f800000, 0x3f800001, 0x3fc00000, 0x3fffffff, 0x4b800001,
  0x7f000000, 0x7f7fffff, 0x7f7ffffe, 0x7f3a5c21, 0x3f9e0419, 0x7f800000, 0x7fc00001, 0x7f800001];
const E64: [number, number][] = [[0, 0], [1, 0], [-1, 0xfffff], [0, 0x100000], [1, 0x100000], [0, 0x3ff00000],
  [1, 0x3ff00000], [0, 0x3ff80000], [-1, 0x3fffffff], [1, 0x43400000], [0, 0x7fe00000], [-1, 0x7fefffff],
  [-2, 0x7fefffff], [0x4369559b, 0x7fde17a7], [0x126e978d, 0x3ff3c083], [0, 0x7ff00000], [1, 0x7ff80000], [1, 0x7ff00000]];
// Nearest, down, up, and toward zero with FTZ and DAZ.
const MODES = [0x1f80, 0x3f80, 0x5f80, 0xffc0];

function pairs(fmt: number): Int32Array[] {
  // Operand words for (dst, src) pairs, packed as many per register as the format allows.
  const vals: number[][] = [];
  for (const neg of [0, 0x80000000]) {
    if (fmt === 0) for (const v of E32) vals.push([(v | neg) | 0]);
    else for (const [lo, hi] of E64) vals.push([lo | 0, (hi | neg) | 0]);
  }
  const out: Int32Array[] = [];
  const per = fmt === 0 ? 4 : 2, w = fmt === 0 ? 1 : 2;
  let cur = new Int32Array(16), k = 0;
  for (const a of vals) {
    for (const b of vals) {
      cur.set(a, w * k);
      cur.set(b, 4 + w * k);
      if (++k === per) { out.push(cur); cur = new Int32Array(16); k = 0; }
    }
  }
  return out;
}

describe('edge-value pairs match the CPU', () => {
  for (const [form, fmt] of [['ps', 0], ['pd', 1]] as const) {
    it(`${form}: arithmetic and compares`, (ctx) => {
      if (!requireNative(ctx)) return;
      const cs: NativeCase[] = [];
      const regs = pairs(fmt);
      for (const op of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt', 'cmp']) {
        for (const mxcsr of MODES) {
          regs.forEach((xmm, n) => {
            const text = op === 'cmp' ? `cmp${form} xmm0, xmm1, ${n & 7}` : `${op}${form} xmm0, xmm1`;
            cs.push({ code: code(text), text, mxcsr, xmm });
          });
        }
      }
      const native = runNative(cs);
      const emu = new Emu().run(cs);
      expect(cs.map((c, k) => diff(c, native[k], emu[k])).filter((s) => s).slice(0, 10)).toEqual([]);
    });
  }
});
