// Faults of the SSE floating-point instructions: #GP(0) for misaligned 16-byte operands of packed
// forms (none for 32/64-bit operands), #XM for unmasked exceptions (#UD when CR4.OSXMMEXCPT=0)
// with the destination unchanged, #UD/#NM from CR0/CR4, #MF before MMX-register forms, and
// LDMXCSR/STMXCSR (#GP(0) for reserved bits).
import { describe, expect, it } from 'vitest';
import { CR0, CR4 } from '../../arch.js';
import { requireNative, runNative, type NativeCase } from './native/native.js';
import { Emu } from './testing/emu.js';
import { code, diff, lanes, rng, seed } from './testing/cases.js';

const PACKED = ['addps xmm0, [rdx]', 'subpd xmm0, [rdx]', 'mulps xmm0, [rdx]', 'divpd xmm0, [rdx]', 'minps xmm0, [rdx]',
  'maxpd xmm0, [rdx]', 'sqrtps xmm0, [rdx]', 'sqrtpd xmm0, [rdx]', 'rcpps xmm0, [rdx]', 'rsqrtps xmm0, [rdx]',
  'cmpps xmm0, [rdx], 1', 'cmppd xmm0, [rdx], 4', 'cvtdq2ps xmm0, [rdx]', 'cvtps2dq xmm0, [rdx]', 'cvttps2dq xmm0, [rdx]',
  'cvtpd2ps xmm0, [rdx]', 'cvtpd2dq xmm0, [rdx]', 'cvttpd2dq xmm0, [rdx]', 'cvtpd2pi mm0, [rdx]', 'cvttpd2pi mm0, [rdx]'];
const UNALIGNED_OK = ['addss xmm0, [rdx]', 'addsd xmm0, [rdx]', 'comiss xmm0, [rdx]', 'ucomisd xmm0, [rdx]',
  'cvtps2pd xmm0, [rdx]', 'cvtdq2pd xmm0, [rdx]', 'cvtpi2ps xmm0, [rdx]', 'cvtpi2pd xmm0, [rdx]', 'cvtps2pi mm0, [rdx]',
  'cvtss2sd xmm0, [rdx]', 'cvtsd2ss xmm0, [rdx]', 'cvtsi2sd xmm0, qword [rdx]', 'cvttsd2si eax, [rdx]', 'sqrtsd xmm0, [rdx]',
  'cmpss xmm0, [rdx], 2', 'rcpss xmm0, [rdx]', 'ldmxcsr [rdx]', 'stmxcsr [rdx]'];

function simple(text: string, mx: number, memOff = 0, xmm = new Int32Array(16)): NativeCase {
  const mem = new Uint8Array(64);
  new DataView(mem.buffer).setUint32(memOff, 0x1f80, true);
  return { code: code(text), mxcsr: mx, xmm, mem, memOff, fsw: 5 << 11, ftw: 0 };
}

describe('SSE floating-point faults', () => {
  it('misaligned 16-byte operands of packed forms raise #GP(0); narrower operands never fault', (ctx) => {
    if (!requireNative(ctx)) return;
    const cs = [...PACKED.flatMap((t) => [simple(t, 0x1f80, 8), simple(t, 0x1f80, 4), simple(t, 0x1f80, 16)]),
      ...UNALIGNED_OK.map((t) => simple(t, 0x1f80, 3))];
    const native = runNative(cs);
    const emu = new Emu().run(cs);
    const bad = cs.map((c, k) => diff(c, native[k], emu[k], { mem: true, mmx: true })).filter((s) => s);
    expect(bad).toEqual([]);
    cs.forEach((c, k) => {
      const misaligned = (c.memOff ?? 0) % 16 !== 0 && k < PACKED.length * 3;
      expect(emu[k].vector).toBe(misaligned ? 13 : -1);
      if (misaligned) expect(emu[k].errorCode).toBe(0);
    });
  });

  it('unmasked exceptions raise #XM, or #UD when CR4.OSXMMEXCPT=0, leaving the destination alone', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(41));
    const cs: NativeCase[] = [];
    for (const op of ['addps', 'mulpd', 'divss', 'sqrtsd', 'cvtpd2ps', 'cvtps2dq', 'cmpps', 'comisd']) {
      for (let n = 0; n < 150; n++) {
        const xmm = new Int32Array(16);
        const fmt = /pd|sd|pd2/.test(op) ? 1 : 0;
        lanes(r, fmt, xmm, 0);
        lanes(r, fmt, xmm, 4);
        const masks = (Math.floor(r() * 64) << 7) & 0x1f80;
        cs.push({ code: code(`${op} xmm0, xmm1${op === 'cmpps' ? ', 1' : ''}`), mxcsr: masks | ((n & 3) << 13), xmm });
      }
    }
    const native = runNative(cs);
    const emu = new Emu().run(cs);
    expect(cs.map((c, k) => diff(c, native[k], emu[k], { flags: true })).filter((s) => s).slice(0, 10)).toEqual([]);
    const faults = native.filter((n) => n.signal === 8).length;
    expect(faults).toBeGreaterThan(cs.length / 4);
    // Without OSXMMEXCPT the same cases raise #UD instead, with the same MXCSR and registers.
    const noXm = new Emu().run(cs, (cpu) => { cpu.state.cr4 &= ~CR4.OSXMMEXCPT; cpu.modeChanged(); });
    cs.forEach((c, k) => {
      expect(noXm[k].vector).toBe(emu[k].vector === 19 ? 6 : emu[k].vector);
      expect(noXm[k].mxcsr).toBe(emu[k].mxcsr);
      expect(Array.from(noXm[k].xmm)).toEqual(Array.from(emu[k].xmm));
    });
  });

  it('CR0.EM or CR4.OSFXSR=0 raise #UD, CR0.TS raises #NM, before any other check', () => {
    const cs = [simple('addps xmm0, [rdx]', 0x1f80, 8), simple('ldmxcsr [rdx]', 0x1f80, 0), simple('cvtpi2ps xmm0, mm0', 0x1f80)];
    const run = (f: (s: { cr0: number; cr4: number }) => void) =>
      new Emu().run(cs, (cpu) => { f(cpu.state); cpu.modeChanged(); }).map((x) => x.vector);
    expect(run((s) => { s.cr0 |= CR0.EM; })).toEqual([6, 6, 6]);
    expect(run((s) => { s.cr4 &= ~CR4.OSFXSR; })).toEqual([6, 6, 6]);
    expect(run((s) => { s.cr0 |= CR0.TS; })).toEqual([7, 7, 7]);
  });

  it('a pending x87 exception raises #MF before MMX-register forms only', (ctx) => {
    if (!requireNative(ctx)) return;
    const pending = (t: string): NativeCase => ({ ...simple(t, 0x1f80), fcw: 0x37e, fsw: (5 << 11) | 0x81 });
    const cs = ['cvtpi2ps xmm0, mm0', 'cvtpi2pd xmm0, mm0', 'cvtps2pi mm0, xmm1', 'cvttpd2pi mm0, xmm1',
      'cvtpi2ps xmm0, [rdx]', 'cvtps2pi mm0, [rdx]', 'addps xmm0, xmm1'].map(pending);
    const native = runNative(cs);
    const emu = new Emu().run(cs);
    expect(cs.map((c, k) => diff(c, native[k], emu[k], { mmx: true })).filter((s) => s)).toEqual([]);
    expect(emu.map((x) => x.vector)).toEqual([16, 16, 16, 16, -1, 16, -1]);
  });

  it('LDMXCSR loads MXCSR or raises #GP(0) for reserved bits; STMXCSR stores it', (ctx) => {
    if (!requireNative(ctx)) return;
    const r = rng(seed(42));
    const cs: NativeCase[] = [];
    for (let n = 0; n < 200; n++) {
      // Bit 17 is AMD's misaligned-SSE mode, which this CPU accepts and the modelled one does not.
      const v = n % 4 === 0 ? (1 << (16 + Math.floor(r() * 16))) & ~(1 << 17) : Math.floor(r() * 65536);
      const c = simple('ldmxcsr [rdx]', 0x1f80);
      new DataView(c.mem!.buffer).setUint32(0, v >>> 0, true);
      cs.push(c, simple('stmxcsr [rdx]', Math.floor(r() * 65536), 4));
    }
    const native = runNative(cs);
    const emu = new Emu().run(cs);
    expect(cs.map((c, k) => diff(c, native[k], emu[k], { mem: true })).filter((s) => s).slice(0, 10)).toEqual([]);
    expect(emu.filter((x) => x.vector === 13).length).toBeGreaterThan(20);
    const amd = simple('ldmxcsr [rdx]', 0x1f80);
    new DataView(amd.mem!.buffer).setUint32(0, 0x21f80, true);
    expect(new Emu().run([amd])[0].vector).toBe(13);
  });
});
