import { VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { ApicBus } from '../lapic/apic-bus.js';
import { LocalApic } from '../lapic/lapic.js';
import { IoApic } from './ioapic.js';

function rig() {
  const clock = new VirtualClock();
  const bus = new ApicBus();
  const cpus = [0, 1].map((id) => new LocalApic({ id, bus, clock, bsp: id === 0 }));
  for (const c of cpus) c.mmioWrite(0xf0, 4, 0x1ff);
  const io = new IoApic({ bus, id: 2 });
  const sel = (i: number) => io.mmioWrite(0, 4, i);
  const wr = (i: number, v: number) => { sel(i); io.mmioWrite(0x10, 4, v); };
  const rd = (i: number) => { sel(i); return io.mmioRead(0x10, 4); };
  const rte = (pin: number, lo: number, hi = 0) => { wr(0x11 + 2 * pin, hi); wr(0x10 + 2 * pin, lo); };
  const take = (c: LocalApic) => (c.pending() ? c.acknowledge() : 0);
  return { bus, cpus, io, wr, rd, rte, take };
}

describe('I/O APIC', () => {
  it('identifies itself: ID, version 0x20 with 24 entries, masked entries from reset', () => {
    const { rd, wr } = rig();
    expect(rd(0)).toBe(0x02000000);
    expect(rd(1)).toBe(0x00170020);
    expect(rd(0x10)).toBe(0x10000);
    wr(0, 0x05000000);
    expect(rd(0)).toBe(0x05000000);
    wr(0x10, 0xffffffff);
    // Delivery status (12) and remote IRR (14) are read-only.
    expect(rd(0x10)).toBe(0x1afff);
  });

  it('edge pins deliver on rising edges while unmasked; an edge on a masked pin is lost', () => {
    const { io, cpus: [c0, c1], rte, take } = rig();
    rte(2, 0x30, 1 << 24); // vector 0x30, fixed, physical, to APIC 1
    io.setIrqLevel(2, true);
    io.setIrqLevel(2, true);
    expect([take(c0), take(c1)]).toEqual([0, 0x30]);
    c1.eoi();
    io.setIrqLevel(2, false);
    rte(2, 0x10030, 1 << 24);
    io.setIrqLevel(2, true);
    io.setIrqLevel(2, false);
    rte(2, 0x30, 1 << 24);
    expect(take(c1)).toBe(0);
  });

  it('level pins: remote IRR until the EOI broadcast, then again while asserted', () => {
    const { io, cpus: [c0], rte, rd, take } = rig();
    rte(9, 0x8000 | 0x41); // level, to APIC 0
    io.setIrqLevel(9, true);
    expect(rd(0x10 + 18) & 0x4000).toBe(0x4000);
    expect(take(c0)).toBe(0x41);
    io.setIrqLevel(9, true); // still asserted: nothing new until the EOI
    expect(c0.pending()).toBe(false);
    c0.eoi(); // TMR set: the EOI reaches the I/O APIC, which delivers again
    expect(take(c0)).toBe(0x41);
    io.setIrqLevel(9, false);
    c0.eoi();
    expect(rd(0x10 + 18) & 0x4000).toBe(0);
    expect(c0.pending()).toBe(false);
    // Unmasking an asserted level pin delivers; so does the EOI register.
    rte(9, 0x18000 | 0x41);
    io.setIrqLevel(9, true);
    expect(c0.pending()).toBe(false);
    rte(9, 0x8000 | 0x41);
    expect(take(c0)).toBe(0x41);
    io.mmioWrite(0x40, 4, 0x41);
    expect(take(c0)).toBe(0); // the APIC still has it in service; the re-delivery waits in IRR
    c0.eoi();
    expect(take(c0)).toBe(0x41);
  });

  it('logical destinations and lowest priority reach the right CPU', () => {
    const { io, cpus: [c0, c1], rte, take } = rig();
    c0.mmioWrite(0xd0, 4, 0x01000000);
    c1.mmioWrite(0xd0, 4, 0x02000000);
    rte(4, 0x800 | 0x100 | 0x35, 0x03 << 24); // logical, lowest priority, CPUs 0 and 1
    c0.mmioWrite(0x80, 4, 0x20);
    io.setIrqLevel(4, true);
    expect([take(c0), take(c1)]).toEqual([0, 0x35]);
  });

  it('restores an identical I/O APIC', () => {
    const { bus, io, rte } = rig();
    rte(3, 0x8000 | 0x50, 0x01000000);
    io.setIrqLevel(3, true);
    io.mmioWrite(0, 4, 0x17);
    const copy = new IoApic({ bus, id: 0 });
    copy.loadState(JSON.parse(JSON.stringify(io.saveState())));
    expect(copy.saveState()).toEqual(io.saveState());
    expect(copy.mmioRead(0x10, 4)).toBe(io.mmioRead(0x10, 4));
    expect(() => copy.loadState({ ...(io.saveState() as object), levels: [2] })).toThrow(/levels/);
  });
});
