// CMPPS/CMPSS/CMPPD/CMPSD (all eight predicates, and imm8 values above 7, of which only bits 2:0
// count) and (U)COMISS/(U)COMISD against this machine's CPU: masks, MXCSR, RFLAGS, faults.
import { describe, expect, it } from 'vitest';
import { requireNative, runNative, type NativeCase } from './native/native.js';
import { Emu } from './testing/emu.js';
import { bytesOf, code, diff, lanes, mxcsr, relate, rng, seed, count, shuffleRegs } from './testing/cases.js';

const FORMS: [string, number, string][] = [['ps', 0, 'oword'], ['ss', 0, 'dword'], ['pd', 1, 'oword'], ['sd', 1, 'qword']];

function operands(r: () => number, fmt: number, mem: boolean, text: string): NativeCase {
  const xmm = new Int32Array(16);
  lanes(r, fmt, xmm, 0);
  lanes(r, fmt, xmm, 4);
  relate(r, fmt, xmm, 0, 4);
  // Equal operands are rare at random; make some.
  if (r() < 0.2) xmm.copyWithin(4, 0, fmt === 0 ? 1 : 2);
  const c: NativeCase = { code: code(text), text, mxcsr: mxcsr(r, 0.2), xmm };
  if (mem) { const m = new Uint8Array(64); m.set(bytesOf(xmm, 1)); c.mem = m; }
  return shuffleRegs(r, c);
}

describe('SSE compares match the CPU', () => {
  it('CMPxx with every predicate', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(11));
    const cs: NativeCase[] = [];
    for (const [form, fmt, size] of FORMS) {
      for (let imm = 0; imm < 8; imm++) {
        for (let n = 0; n < count(150); n++) {
          const mem = r() < 0.3;
          const imm8 = n < 10 ? imm | (8 << (n % 5)) : imm;
          cs.push(operands(r, fmt, mem, `cmp${form} xmm0, ${mem ? `${size} [rdx]` : 'xmm1'}, ${imm8}`));
        }
      }
    }
    const native = runNative(cs);
    const emu = new Emu().run(cs);
    const bad = cs.map((c, k) => diff(c, native[k], emu[k])).filter((s) => s);
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('(U)COMISS/(U)COMISD set ZF/PF/CF and clear OF/SF/AF', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(12));
    const cs: NativeCase[] = [];
    for (const op of ['comiss', 'ucomiss', 'comisd', 'ucomisd']) {
      const fmt = op.endsWith('d') ? 1 : 0;
      for (let n = 0; n < count(1500); n++) {
        const mem = r() < 0.3;
        cs.push(operands(r, fmt, mem, `${op} xmm0, ${mem ? `${fmt ? 'qword' : 'dword'} [rdx]` : 'xmm1'}`));
      }
    }
    const native = runNative(cs);
    const emu = new Emu().run(cs);
    const bad = cs.map((c, k) => diff(c, native[k], emu[k], { flags: true })).filter((s) => s);
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
