// The CVT* family against this machine's CPU: integer ↔ float in 32/64-bit forms, float ↔ float,
// packed and MMX forms (with their x87-to-MMX transition), under all rounding modes and DAZ/FTZ.
import { describe, expect, it } from 'vitest';
import { requireNative, runNative, type NativeCase } from './native/native.js';
import { Emu } from './testing/emu.js';
import { bytesOf, code, diff, lanes, mxcsr, rng, type Rand, seed, count, shuffleRegs } from './testing/cases.js';

/** A signed 64-bit integer biased to the edges of the int32/binary32/binary64 exact ranges. */
function int64(r: Rand): bigint {
  const edges = [0n, 1n, 2n ** 24n, 2n ** 24n + 1n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n,
    (2n ** 24n + 1n) << 20n, 3n << 61n];
  const sign = r() < 0.5 ? -1n : 1n;
  const k = r();
  if (k < 0.25) return BigInt.asIntN(64, sign * (edges[Math.floor(r() * edges.length)] + BigInt(Math.floor(r() * 3) - 1)));
  const bits = BigInt(1 + Math.floor(r() * 63));
  const v = (BigInt(Math.floor(r() * 2 ** 32)) << 32n | BigInt(Math.floor(r() * 2 ** 32))) & ((1n << bits) - 1n);
  return BigInt.asIntN(64, sign * v);
}

function caseOf(r: Rand, text: string, fmt: number, mem: boolean): NativeCase {
  const xmm = new Int32Array(16);
  lanes(r, fmt, xmm, 0);
  lanes(r, fmt, xmm, 4);
  const c: NativeCase = { code: code(text), text, mxcsr: mxcsr(r, 0.15), xmm, rax: int64(r), rcx: int64(r) };
  // Memory and MMX operands: the source lanes, or integers for the int-to-float forms.
  const m = new Uint8Array(64);
  m.set(bytesOf(xmm, 1));
  const mm = new Int32Array(4);
  for (let k = 0; k < 4; k++) mm[k] = Number(BigInt.asIntN(32, int64(r)));
  if (/^cvt(pi|dq|si)2/.test(text)) new DataView(m.buffer).setBigInt64(0, c.rax ?? 0n, true);
  if (/^cvtpi2|^cvtdq2/.test(text)) { m.set(new Uint8Array(mm.buffer), 0); xmm.set(mm, 4); }
  if (mem) c.mem = m;
  c.mm = mm;
  c.fsw = 5 << 11;
  c.ftw = 0;
  return shuffleRegs(r, c);
}

function check(cs: NativeCase[], what: Parameters<typeof diff>[3]): string[] {
  const native = runNative(cs);
  const emu = new Emu().run(cs);
  return cs.map((c, k) => diff(c, native[k], emu[k], what)).filter((s) => s);
}

describe('SSE conversions match the CPU', () => {
  it('integer to float (CVTSI2SS/SD, CVTDQ2PS/PD)', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(21));
    const forms = ['cvtsi2ss xmm0, eax', 'cvtsi2ss xmm0, rax', 'cvtsi2ss xmm0, dword [rdx]', 'cvtsi2ss xmm0, qword [rdx]',
      'cvtsi2sd xmm0, eax', 'cvtsi2sd xmm0, rax', 'cvtsi2sd xmm0, dword [rdx]', 'cvtsi2sd xmm0, qword [rdx]',
      'cvtdq2ps xmm0, xmm1', 'cvtdq2ps xmm0, oword [rdx]', 'cvtdq2pd xmm0, xmm1', 'cvtdq2pd xmm0, qword [rdx]'];
    const cs = forms.flatMap((f) => Array.from({ length: count(500) }, () => caseOf(r, f, 0, f.includes('[rdx]'))));
    expect(check(cs, {}).slice(0, 20)).toEqual([]);
  });

  it('float to integer (CVT(T)SS2SI, CVT(T)SD2SI, CVT(T)PS2DQ, CVT(T)PD2DQ)', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(22));
    const forms: [string, number][] = [];
    for (const t of ['', 't']) {
      for (const reg of ['eax', 'rax']) {
        forms.push([`cvt${t}ss2si ${reg}, xmm1`, 0], [`cvt${t}ss2si ${reg}, dword [rdx]`, 0]);
        forms.push([`cvt${t}sd2si ${reg}, xmm1`, 1], [`cvt${t}sd2si ${reg}, qword [rdx]`, 1]);
      }
      forms.push([`cvt${t}ps2dq xmm0, xmm1`, 0], [`cvt${t}ps2dq xmm0, oword [rdx]`, 0]);
      forms.push([`cvt${t}pd2dq xmm0, xmm1`, 1], [`cvt${t}pd2dq xmm0, oword [rdx]`, 1]);
    }
    const cs = forms.flatMap(([f, fmt]) => Array.from({ length: count(400) }, () => caseOf(r, f, fmt, f.includes('[rdx]'))));
    expect(check(cs, { gpr: true }).slice(0, 20)).toEqual([]);
  });

  it('float to float (CVTPS2PD, CVTPD2PS, CVTSS2SD, CVTSD2SS)', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(23));
    const forms: [string, number][] = [['cvtps2pd xmm0, xmm1', 0], ['cvtps2pd xmm0, qword [rdx]', 0],
      ['cvtss2sd xmm0, xmm1', 0], ['cvtss2sd xmm0, dword [rdx]', 0], ['cvtpd2ps xmm0, xmm1', 1],
      ['cvtpd2ps xmm0, oword [rdx]', 1], ['cvtsd2ss xmm0, xmm1', 1], ['cvtsd2ss xmm0, qword [rdx]', 1]];
    const cs = forms.flatMap(([f, fmt]) => Array.from({ length: count(800) }, () => caseOf(r, f, fmt, f.includes('[rdx]'))));
    expect(check(cs, {}).slice(0, 20)).toEqual([]);
  });

  it('MMX forms (CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI) and the x87-to-MMX transition', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(24));
    const forms: [string, number][] = [['cvtpi2ps xmm0, mm0', 0], ['cvtpi2ps xmm0, qword [rdx]', 0],
      ['cvtpi2pd xmm0, mm0', 1], ['cvtpi2pd xmm0, qword [rdx]', 1]];
    for (const t of ['', 't']) {
      forms.push([`cvt${t}ps2pi mm0, xmm1`, 0], [`cvt${t}ps2pi mm0, qword [rdx]`, 0]);
      forms.push([`cvt${t}pd2pi mm0, xmm1`, 1], [`cvt${t}pd2pi mm0, oword [rdx]`, 1]);
    }
    const cs = forms.flatMap(([f, fmt]) => Array.from({ length: count(300) }, () => caseOf(r, f, fmt, f.includes('[rdx]'))));
    expect(check(cs, { mmx: true }).slice(0, 20)).toEqual([]);
  });
});
