import { Cpu, CpuState, PhysicalMemory } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { applyCpuState, applyInFlight, applyMtrrs, checkCpuState, saveCpuState, saveInFlight, saveMtrrs } from './cpu-state.js';

function scramble(s: CpuState, seed: number): void {
  let x = seed;
  const next = () => { x = (x * 1103515245 + 12345) >>> 0; return x; };
  for (const v of Object.values(s)) {
    if (ArrayBuffer.isView(v)) {
      const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      for (let i = 0; i < b.length; i++) b[i] = next() & 0xff;
    }
  }
  s.rip = 0x7fff_1234_5678; s.cr3 = 0x1234000; s.efer = 0xd01; s.mxcsr = 0x1fa0; s.fpuTop = 5; s.fpuTag = 0x1b6c;
  s.star = [0x12, 0x230010]; s.kernelGsBase = 0xffff_8000_0000; s.intShadow = true; s.halted = true;
}

describe('vCPU state in a checkpoint', () => {
  it('round-trips every CpuState field bit for bit (NaN payloads and x87 values included), through JSON', () => {
    const a = new CpuState();
    scramble(a, 7);
    a.xmmF64[3] = NaN;
    new DataView(a.xmm.buffer).setUint32(28, 0x7ff4_dead); // a signalling NaN's payload
    const saved = JSON.parse(JSON.stringify(saveCpuState(a)));
    const b = new CpuState();
    applyCpuState(b, checkCpuState(saved, 'test'));
    for (const [k, v] of Object.entries(a)) {
      const w = (b as unknown as Record<string, unknown>)[k];
      if (ArrayBuffer.isView(v)) expect(new Uint8Array((w as Uint8Array).buffer)).toEqual(new Uint8Array(v.buffer));
      else expect(w).toEqual(v);
    }
    expect(b.getRflags()).toBe(a.getRflags());
  });

  it('refuses a saved state of another shape, naming the field', () => {
    const saved = saveCpuState(new CpuState());
    expect(() => checkCpuState({ ...saved, ymm: '00' }, 'cpu0')).toThrow('cpu0: saved CPU state has a field "ymm" this core does not have');
    const { cr3: _, ...noCr3 } = saved;
    expect(() => checkCpuState(noCr3, 'cpu0')).toThrow('cpu0: saved CPU state field "cr3" is missing or not a finite number');
    expect(() => checkCpuState({ ...saved, r: 'abc' }, 'cpu0')).toThrow('field "r" is not 160 bytes of hex');
    expect(() => checkCpuState({ ...saved, star: [1] }, 'cpu0')).toThrow('field "star" is not 2 numbers');
    expect(() => checkCpuState([], 'cpu0')).toThrow('is not an object');
  });

  it('carries MTRRs and an injected interrupt not yet delivered (Cpu keeps them outside CpuState)', () => {
    const mem = new PhysicalMemory(1 << 20);
    const a = new Cpu({ memory: mem }), b = new Cpu({ memory: mem });
    a.writeMsr(0x2ff, 0xc06, 0);
    a.writeMsr(0x200, 0x6, 0x0);
    a.writeMsr(0x201, 0xfff00800, 0xf);
    b.writeMsr(0x202, 0x1234, 0);
    a.injectInterrupt(0x31);
    applyMtrrs(b, saveMtrrs(a));
    applyInFlight(b, JSON.parse(JSON.stringify(saveInFlight(a))));
    expect(saveMtrrs(b)).toEqual([[0x200, 6, 0], [0x201, 0xfff00800 | 0, 0xf], [0x2ff, 0xc06, 0]]);
    // If Cpu renames these private fields, this is where it shows.
    expect(saveInFlight(b)).toEqual({ pending: { vector: 0x31, errorCode: null, external: true }, replay: [], replayIp: null });
  });
});
