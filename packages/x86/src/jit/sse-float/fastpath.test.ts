// The inline fast paths (round-to-nearest, PE already set, normal operands): results identical to
// the CPU, and the exact helpers left alone for all but a few cases, so the paths really run.
import { afterEach, describe, expect, it } from 'vitest';
import { requireNative, runNative, type NativeCase } from './native/native.js';
import { Emu } from './testing/emu.js';
import { code, count, diff, rng, seed, type Rand, shuffleRegs } from './testing/cases.js';
import { helpers } from './helpers.js';

type Helpers = Record<string, (...a: unknown[]) => unknown>;
const h = helpers as unknown as Helpers;
const saved = { ...h };
afterEach(() => Object.assign(h, saved));

/** Counts calls of every helper function. */
function countCalls(): { n: number } {
  const calls = { n: 0 };
  for (const [name, f] of Object.entries(saved)) {
    if (typeof f === 'function' && name !== 'mf' && name !== 'mmx' && name !== 'ex') h[name] = (...a: unknown[]) => { calls.n++; return f(...a); };
  }
  return calls;
}

/** A normal value of moderate magnitude (the fast paths' domain), sometimes (always if `int`) an integer. */
function normal(r: Rand, fmt: number, words: Int32Array, at: number, int = false): void {
  const dv = new DataView(words.buffer);
  const v = (int || r() < 0.2 ? Math.round(r() * 2000 - 1000) : (r() - 0.5) * 2 ** (Math.floor(r() * 60) - 30)) || 1.5;
  if (fmt === 0) dv.setFloat32(4 * at, v, true); else dv.setFloat64(4 * at, v, true);
}

const MXCSR = [0x1fa0, 0x1fa0 | 0x1f, 0x9fe0];

describe('inline fast paths', () => {
  it('match the CPU and bypass the helpers on normal operands', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(51));
    const forms: [string, number][] = [];
    for (const op of ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt']) {
      forms.push([`${op}ps xmm0, xmm1`, 0], [`${op}ss xmm0, dword [rdx]`, 0], [`${op}pd xmm0, oword [rdx]`, 1], [`${op}sd xmm0, xmm1`, 1]);
    }
    forms.push(['comiss xmm0, xmm1', 0], ['ucomisd xmm0, qword [rdx]', 1], ['cvtss2sd xmm0, xmm1', 0],
      ['cvtsd2ss xmm0, qword [rdx]', 1], ['cvttsd2si eax, xmm1', 1], ['cvttsd2si rax, qword [rdx]', 1],
      ['cvttss2si eax, dword [rdx]', 0], ['cvtsi2sd xmm0, ecx', 0], ['cvtsi2ss xmm0, dword [rdx]', 0]);
    const cs: NativeCase[] = [];
    for (const [text, fmt] of forms) {
      for (let n = 0; n < count(60); n++) {
        const xmm = new Int32Array(16);
        const per = fmt === 0 ? 4 : 2;
        // Exact integer arithmetic stays inline even before PE is set.
        const exact = n % 4 === 3 && /^(add|sub|mul)/.test(text);
        for (let k = 0; k < per; k++) { normal(r, fmt, xmm, k * (4 / per), exact); normal(r, fmt, xmm, 4 + k * (4 / per), exact); }
        if (text.startsWith('sqrt')) for (let k = 4; k < 8; k++) xmm[k] &= fmt === 0 || k % 2 ? 0x7fffffff : -1;
        const mem = new Uint8Array(64);
        mem.set(new Uint8Array(xmm.buffer, 16, 16));
        if (text.startsWith('cvtsi2')) new DataView(mem.buffer).setInt32(0, Math.round((r() - 0.5) * 2 ** 26), true);
        cs.push(shuffleRegs(r, { code: code(text), text, mxcsr: exact ? 0x1f80 : MXCSR[n % 3], xmm, mem, rcx: BigInt(Math.round((r() - 0.5) * 2 ** 30)) }));
      }
    }
    const native = runNative(cs);
    const emu = new Emu();
    emu.run(cs.slice(0, forms.length)); // compile every block first
    const calls = countCalls();
    const got = emu.run(cs);
    expect(cs.map((c, k) => diff(c, native[k], got[k], { flags: c.code[1] === 0x2f || c.code[2] === 0x2e, gpr: true })).filter((s) => s).slice(0, 10)).toEqual([]);
    expect(calls.n).toBeLessThan(cs.length / 20);
  });
});
