// ADD/SUB/MUL/DIV/MIN/MAX/SQRT in every form against this machine's CPU: random and edge-case
// operands under all rounding modes, FTZ/DAZ and random exception masks; results, MXCSR and
// faults must be bit-identical.
import { describe, expect, it } from 'vitest';
import { requireNative, runNative, type NativeCase } from './native/native.js';
import { Emu } from './testing/emu.js';
import { bytesOf, code, diff, lanes, mxcsr, relate, rng, seed, count, shuffleRegs } from './testing/cases.js';

const OPS = ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'];
const FORMS: [string, number][] = [['ps', 0], ['ss', 0], ['pd', 1], ['sd', 1]];

function cases(s: number, perForm: number): NativeCase[] {
  const r = rng(s);
  const out: NativeCase[] = [];
  for (const op of OPS) {
    for (const [form, fmt] of FORMS) {
      for (let n = 0; n < perForm; n++) {
        const xmm = new Int32Array(16);
        lanes(r, fmt, xmm, 0);
        lanes(r, fmt, xmm, 4);
        relate(r, fmt, xmm, 0, 4);
        const mem = r() < 0.3;
        const text = `${op}${form} xmm0, ${mem ? (form[0] === 'p' ? 'oword' : form === 'ss' ? 'dword' : 'qword') + ' [rdx]' : 'xmm1'}`;
        const c: NativeCase = { code: code(text), text, mxcsr: mxcsr(r, 0.15), xmm };
        if (mem) { const m = new Uint8Array(64); m.set(bytesOf(xmm, 1)); c.mem = m; }
        out.push(shuffleRegs(r, c));
      }
    }
  }
  return out;
}

describe('SSE arithmetic matches the CPU', () => {
  it('random and edge-case operands, all modes', (ctx) => {
    if (!requireNative(ctx)) return;
    const cs = cases(seed(1), count(400));
    const native = runNative(cs);
    const emu = new Emu().run(cs);
    const bad = cs.map((c, k) => diff(c, native[k], emu[k])).filter((s) => s);
    expect(bad.slice(0, 20)).toEqual([]);

  });
});
