import { VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { ApicBus, DM, SHORTHAND } from './apic-bus.js';
import { LocalApic, LAPIC_VERSION } from './lapic.js';

const REG = { ID: 0x20, VER: 0x30, TPR: 0x80, PPR: 0xa0, EOI: 0xb0, LDR: 0xd0, DFR: 0xe0, SVR: 0xf0, ISR: 0x100, TMR: 0x180, IRR: 0x200, ESR: 0x280, ICR_LO: 0x300, ICR_HI: 0x310, LVT_TIMER: 0x320, LINT0: 0x350, LINT1: 0x360, LVT_ERR: 0x370, TMICT: 0x380, TMCCT: 0x390, TDCR: 0x3e0 };

function rig(n = 2) {
  const clock = new VirtualClock();
  const bus = new ApicBus();
  const apics = Array.from({ length: n }, (_, i) => new LocalApic({ id: i, bus, clock, bsp: i === 0 }));
  const w = (a: LocalApic, reg: number, v: number) => a.mmioWrite(reg, 4, v);
  const r = (a: LocalApic, reg: number) => a.mmioRead(reg, 4);
  for (const a of apics) w(a, REG.SVR, 0x1ff);
  return { clock, bus, apics, w, r };
}

describe('local APIC registers', () => {
  it('power-on state: ID, version, SVR, DFR, masked LVTs; the BSP in virtual-wire mode', () => {
    const clock = new VirtualClock();
    const bus = new ApicBus();
    const bsp = new LocalApic({ id: 0, bus, clock, bsp: true });
    const ap = new LocalApic({ id: 3, bus, clock });
    expect(ap.mmioRead(REG.ID, 4)).toBe(0x03000000);
    expect(ap.mmioRead(REG.VER, 4)).toBe(LAPIC_VERSION);
    expect(ap.mmioRead(REG.VER, 4) >>> 16 & 0xff).toBe(5); // six LVT entries
    expect(ap.mmioRead(REG.SVR, 4)).toBe(0xff);
    expect(ap.mmioRead(REG.DFR, 4)).toBe(0xffffffff);
    for (let reg = 0x320; reg <= 0x370; reg += 0x10) expect(ap.mmioRead(reg, 4)).toBe(0x10000);
    expect(bsp.mmioRead(REG.LINT0, 4)).toBe(0x700);
    expect(bsp.mmioRead(REG.LINT1, 4)).toBe(0x400);
    expect(ap.waitingForStartup).toBe(true);
    expect(bsp.waitingForStartup).toBe(false);
    // Byte reads see the right lane of the register.
    expect(ap.mmioRead(REG.ID + 3, 1)).toBe(3);
  });

  it('a software-disabled APIC delivers nothing and keeps its LVT entries masked', () => {
    const { apics: [a], w, r } = rig(1);
    w(a, REG.SVR, 0x0ff);
    for (let reg = 0x320; reg <= 0x370; reg += 0x10) expect(r(a, reg) & 0x10000).toBe(0x10000);
    w(a, REG.LVT_TIMER, 0x40);
    expect(r(a, REG.LVT_TIMER)).toBe(0x10040);
    a.raise(0x50);
    expect(a.pending()).toBe(false);
    w(a, REG.SVR, 0x1ff);
    expect(a.pending()).toBe(true);
  });

  it('unknown registers set ESR bit 7, illegal vectors bits 5 and 6; ESR latches on write', () => {
    const { apics: [a], w, r } = rig(1);
    r(a, 0x2f0); // CMCI: beyond the last LVT entry
    a.raise(7);
    w(a, REG.ICR_LO, 0x00004003);
    expect(r(a, REG.ESR)).toBe(0);
    w(a, REG.ESR, 0);
    expect(r(a, REG.ESR)).toBe(0x80 | 0x40 | 0x20);
    w(a, REG.ESR, 0);
    expect(r(a, REG.ESR)).toBe(0);
  });
});

describe('priorities, acknowledge and EOI', () => {
  it('delivers the highest IRR vector whose class beats the PPR, in service order', () => {
    const { apics: [a], w, r } = rig(1);
    a.raise(0x31);
    a.raise(0x45);
    w(a, REG.TPR, 0x40);
    expect(a.pending()).toBe(false); // class 4 does not beat TPR class 4
    w(a, REG.TPR, 0x30);
    expect(r(a, REG.PPR)).toBe(0x30);
    expect(a.pending()).toBe(true);
    expect(a.acknowledge()).toBe(0x45);
    expect(r(a, REG.ISR + 0x20) >>> 0).toBe(1 << 5); // vector 0x45: word 2, bit 5
    expect(r(a, REG.IRR + 0x10)).toBe(1 << 17); // 0x31 still requested
    expect(a.pending()).toBe(false);
    w(a, REG.TPR, 0);
    expect(r(a, REG.PPR)).toBe(0x40); // the in-service class
    expect(a.pending()).toBe(false); // 0x31's class is lower than 0x45's
    w(a, REG.EOI, 0);
    expect(r(a, REG.PPR)).toBe(0);
    expect(a.acknowledge()).toBe(0x31);
    // A higher class nests over an in-service one.
    a.raise(0x80);
    expect(a.acknowledge()).toBe(0x80);
    w(a, REG.EOI, 0);
    w(a, REG.EOI, 0);
    expect(r(a, REG.PPR)).toBe(0);
    // Nothing deliverable: the acknowledge cycle yields the spurious vector.
    expect(a.acknowledge()).toBe(0xff);
  });

  it('broadcasts the EOI of a level-triggered vector (TMR set) and only then', () => {
    const { bus, apics: [a], w, r } = rig(1);
    const eois: number[] = [];
    bus.onEoi({ eoi: (v) => eois.push(v) });
    a.raise(0x61, true);
    expect(r(a, REG.TMR + 0x30)).toBe(1 << 1);
    expect(a.acknowledge()).toBe(0x61);
    w(a, REG.EOI, 0);
    a.raise(0x62);
    a.acknowledge();
    w(a, REG.EOI, 0);
    expect(eois).toEqual([0x61]);
  });

  it('passes the 8259 through LINT0 in ExtINT mode, after its own interrupts, or directly when globally disabled', () => {
    const { apics: [a], w } = rig(1);
    let intr = true;
    a.extInt = { pending: () => intr, acknowledge: () => { intr = false; return 0x20; } };
    a.raise(0x90);
    expect(a.acknowledge()).toBe(0x90);
    expect(a.acknowledge()).toBe(0x20);
    intr = true;
    w(a, REG.LINT0, 0x10700); // masked
    expect(a.pending()).toBe(false);
    let enabled = false;
    a.hwEnabled = () => enabled;
    expect(a.pending()).toBe(true);
    enabled = true;
    expect(a.pending()).toBe(false);
  });
});

describe('timer', () => {
  it('one-shot: current count falls at bus clock / divisor and the vector fires once at zero', () => {
    const { clock, apics: [a], w, r } = rig(1);
    w(a, REG.TDCR, 0x3); // divide by 16
    w(a, REG.LVT_TIMER, 0x33);
    clock.advanceTo(1000);
    w(a, REG.TMICT, 1000);
    expect(a.nextTimerTime).toBe(1000 + 16_000);
    clock.advanceTo(1000 + 8000 + 15);
    expect(r(a, REG.TMCCT)).toBe(500);
    clock.advanceTo(1000 + 16_000 - 1);
    expect(a.pending()).toBe(false);
    expect(r(a, REG.TMCCT)).toBe(1);
    clock.advanceTo(1000 + 16_000);
    expect(a.acknowledge()).toBe(0x33);
    expect(r(a, REG.TMCCT)).toBe(0);
    clock.advanceTo(100_000);
    expect(a.pending()).toBe(false);
  });

  it('periodic: reloads and fires every period; divide-by-1 encoding; writing 0 stops it', () => {
    const { clock, apics: [a], w, r } = rig(1);
    w(a, REG.TDCR, 0xb); // divide by 1
    expect(a.divisor).toBe(1);
    w(a, REG.LVT_TIMER, 0x20000 | 0x40);
    w(a, REG.TMICT, 250);
    const fired: number[] = [];
    for (let t = 0; t <= 1000; t += 50) {
      clock.advanceTo(t);
      if (a.pending()) { fired.push(t); a.acknowledge(); w(a, REG.EOI, 0); }
    }
    expect(fired).toEqual([250, 500, 750, 1000]);
    clock.advanceTo(1100);
    expect(r(a, REG.TMCCT)).toBe(150);
    w(a, REG.TMICT, 0);
    expect(r(a, REG.TMCCT)).toBe(0);
    expect(a.nextTimerTime).toBe(Infinity);
  });

  it('a masked timer counts but does not interrupt', () => {
    const { clock, apics: [a], w } = rig(1);
    w(a, REG.TDCR, 0xb);
    w(a, REG.LVT_TIMER, 0x10040);
    w(a, REG.TMICT, 100);
    clock.advanceTo(200);
    expect(a.pending()).toBe(false);
  });
});

describe('IPIs over the APIC bus', () => {
  it('fixed IPIs by physical ID, flat logical mask, cluster and shorthands', () => {
    const { apics, w } = rig(4);
    const [a0, a1, a2, a3] = apics;
    const send = (from: LocalApic, hi: number, lo: number) => { w(from, REG.ICR_HI, hi); w(from, REG.ICR_LO, lo); };
    const take = () => apics.map((a) => {
      if (!a.pending()) return 0;
      const v = a.acknowledge();
      w(a, REG.EOI, 0);
      return v;
    });
    send(a0, 2 << 24, 0x41);
    expect(take()).toEqual([0, 0, 0x41, 0]);
    for (const [i, a] of apics.entries()) w(a, REG.LDR, (1 << i) << 24);
    send(a0, 0x0a << 24, 0x800 | 0x42); // logical flat: CPUs 1 and 3
    expect(take()).toEqual([0, 0x42, 0, 0x42]);
    // Cluster model: cluster 1 holds CPUs 2 (bit 0) and 3 (bit 1).
    for (const a of apics) w(a, REG.DFR, 0x0fffffff);
    w(a2, REG.LDR, 0x11000000); w(a3, REG.LDR, 0x12000000); w(a0, REG.LDR, 0x01000000); w(a1, REG.LDR, 0x02000000);
    send(a0, 0x12 << 24, 0x800 | 0x43);
    expect(take()).toEqual([0, 0, 0, 0x43]);
    send(a0, 0xf1 << 24, 0x800 | 0x44); // every cluster, member bit 0
    expect(take()).toEqual([0x44, 0, 0x44, 0]);
    send(a1, 0, (SHORTHAND.OTHERS << 18) | 0x45);
    expect(take()).toEqual([0x45, 0, 0x45, 0x45]);
    send(a1, 0, (SHORTHAND.SELF << 18) | 0x46);
    expect(take()).toEqual([0, 0x46, 0, 0]);
    send(a1, 0, (SHORTHAND.ALL << 18) | 0x47);
    expect(take()).toEqual([0x47, 0x47, 0x47, 0x47]);
    send(a0, 0xff << 24, 0x48); // physical broadcast
    expect(take()).toEqual([0x48, 0x48, 0x48, 0x48]);
  });

  it('lowest priority picks the lowest TPR, the first of equals', () => {
    const { apics, w } = rig(3);
    for (const [i, a] of apics.entries()) w(a, REG.LDR, (1 << i) << 24);
    w(apics[0], REG.TPR, 0x20);
    w(apics[0], REG.ICR_HI, 0x07 << 24);
    w(apics[0], REG.ICR_LO, 0x800 | (DM.LOWEST << 8) | 0x51);
    expect(apics.map((a) => a.pending())).toEqual([false, true, false]);
  });

  it('INIT resets the target and waits for a start-up IPI; de-assert and a second SIPI are ignored; NMI latches', () => {
    const { apics: [bsp, ap], w, r } = rig(2);
    w(ap, REG.TPR, 0x30);
    ap.takeStartup(); // drop any start-up taken at power-on
    const icr = (lo: number) => { w(bsp, REG.ICR_HI, 1 << 24); w(bsp, REG.ICR_LO, lo); };
    icr(0xc500); // INIT, level-triggered, assert
    expect(ap.takeInit()).toBe(true);
    expect(r(ap, REG.TPR)).toBe(0);
    expect(r(ap, REG.SVR)).toBe(0xff);
    icr(0x8500); // INIT de-assert
    expect(ap.takeInit()).toBe(false);
    icr(0x0600 | 0x9a); // start-up at 0x9a000
    icr(0x0600 | 0x9b);
    expect(ap.takeStartup()).toBe(0x9a);
    expect(ap.takeStartup()).toBe(-1);
    icr(0x0600 | 0x9c); // running now: ignored
    expect(ap.takeStartup()).toBe(-1);
    icr(0x0400);
    expect(ap.takeNmi()).toBe(true);
    expect(ap.takeNmi()).toBe(false);
    expect(r(bsp, REG.ICR_LO) & 0x1000).toBe(0); // delivery status: idle
  });

  it('MSI writes decode destination, mode and vector', () => {
    const { bus, apics } = rig(2);
    bus.msi(0xfee01000, 0x4061);
    expect(apics.map((a) => (a.pending() ? a.acknowledge() : 0))).toEqual([0, 0x61]);
  });
});

describe('saved state', () => {
  it('restores an identical APIC, running timer included', () => {
    const { clock, bus, apics: [a], w, r } = rig(1);
    w(a, REG.TDCR, 0x1); w(a, REG.LVT_TIMER, 0x20000 | 0x3c); w(a, REG.TMICT, 5000);
    w(a, REG.TPR, 0x10); w(a, REG.LDR, 0x01000000);
    a.raise(0x70, true); a.acknowledge(); a.raise(0x71);
    clock.advanceTo(12_345);
    const saved = JSON.parse(JSON.stringify(a.saveState()));
    const b = new LocalApic({ id: 0, bus, clock });
    b.loadState(saved);
    expect(b.saveState()).toEqual(a.saveState());
    expect(b.nextTimerTime).toBe(a.nextTimerTime);
    for (let reg = 0x20; reg <= 0x3e0; reg += 0x10) if (reg !== 0x280) expect([reg, b.mmioRead(reg, 4)]).toEqual([reg, r(a, reg)]);
    expect(() => b.loadState({ ...saved, irr: [1, 2] })).toThrow(/irr/);
  });
});
