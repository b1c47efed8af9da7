import { IrqLine, VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { Pit8254 } from './pit.js';
import { T, makePit } from './testing.js';

describe('8254 as Linux drives it', () => {
  it('pit_calibrate_tsc: port 0x61 bit 5 rises exactly when the programmed count has elapsed', () => {
    const p = makePit(5_000_123);
    const latch = Math.floor(1193182 / (1000 / 10)); // CLOCK_TICK_RATE / (1000 / ms), ms = 10
    p.outb(0x61, (p.inb(0x61) & ~0x02) | 0x01); // gate high, speaker off
    p.clock.advanceTo(p.clock.now + 1_000);
    p.outb(0x43, 0xb0); // channel 2, lobyte/hibyte, mode 0, binary
    p.outb(0x42, latch & 0xff);
    p.clock.advanceTo(p.clock.now + 1_000);
    p.outb(0x42, latch >> 8);
    const k = p.tick();
    const due = T(k + 1 + latch);
    expect(p.inb(0x61) & 0x20).toBe(0);
    p.clock.advanceTo(due - 1);
    expect(p.inb(0x61) & 0x20).toBe(0);
    p.clock.advanceTo(due);
    expect(p.inb(0x61) & 0x20).toBe(0x20);
    expect(p.inb(0x61) & 0x03).toBe(0x01);
  });

  it('a 20,000-read polling loop sees bit 5 within one read of the deadline', () => {
    const p = makePit();
    p.outb(0x61, 0x01);
    p.outb(0x43, 0xb0); p.outb(0x42, 11931 & 0xff); p.outb(0x42, 11931 >> 8);
    const due = T(p.tick() + 1 + 11931);
    let reads = 0;
    while ((p.inb(0x61) & 0x20) === 0) {
      reads++;
      p.clock.advanceTo(p.clock.now + 500); // one inb every 0.5 us
    }
    expect(p.clock.now).toBeGreaterThanOrEqual(due);
    expect(p.clock.now - due).toBeLessThan(500);
    expect(reads).toBe(Math.ceil(due / 500));
  });

  it('quick_pit_calibrate: unlatched lo/hi reads follow the CE, MSB steps every 256 pulses', () => {
    const p = makePit(1_000);
    p.outb(0x61, 0x01);
    p.outb(0x43, 0xb0); p.outb(0x42, 0xff); p.outb(0x42, 0xff);
    const load = p.tick() + 1;
    const read = () => { p.inb(0x42); return p.inb(0x42); }; // pit_expect_msb discards the LSB
    p.toTick(load + 255);
    expect(read()).toBe(0xff);
    p.toTick(load + 256);
    expect(read()).toBe(0xfe);
    p.toTick(load + 256 * 40 + 3);
    expect(p.inb(0x42)).toBe(0xfc);
    expect(p.inb(0x42)).toBe(0xd7);
  });

  it('latch, read-back and status bytes', () => {
    const p = makePit();
    p.outb(0x61, 0x01);
    p.outb(0x43, 0xb0);
    p.outb(0x42, 0x34);
    p.outb(0x43, 0xe8); // read-back status of channel 2
    expect(p.inb(0x42)).toBe(0x70); // OUT low, null count, lo/hi, mode 0, binary
    p.outb(0x42, 0x12);
    const k = p.tick();
    p.outb(0x43, 0xe8);
    expect(p.inb(0x42)).toBe(0x70); // written but not yet loaded
    p.toTick(k + 1);
    p.outb(0x43, 0xe8);
    expect(p.inb(0x42)).toBe(0x30);
    p.toTick(k + 10);
    p.outb(0x43, 0xc8); // count and status together
    p.outb(0x43, 0x80); // a second latch is ignored while the first is unread
    p.toTick(k + 20);
    expect(p.inb(0x42)).toBe(0x30);
    expect(p.inb(0x42) | (p.inb(0x42) << 8)).toBe(0x1234 - 9);
    expect(p.inb(0x42) | (p.inb(0x42) << 8)).toBe(0x1234 - 19); // latch released: live again
    p.toTick(k + 1 + 0x1234);
    p.outb(0x43, 0xe8);
    expect(p.inb(0x42)).toBe(0xb0);
    p.outb(0x43, 0xd8); // read-back with COUNT low but STATUS high: count only
    expect(p.inb(0x42)).toBe(0x00);
    expect(p.inb(0x42)).toBe(0x00);
    expect(p.inb(0x43)).toBe(0xff);
  });

  it('low-byte-only and high-byte-only access', () => {
    const p = makePit();
    p.outb(0x61, 0x01);
    p.outb(0x43, 0x90); p.outb(0x42, 0x50); // lo only: count 0x0050
    const k = p.tick();
    p.toTick(k + 1 + 0x4f);
    expect(p.pit.output(2)).toBe(false);
    p.toTick(k + 1 + 0x50);
    expect(p.pit.output(2)).toBe(true);
    p.outb(0x43, 0xa0); p.outb(0x42, 0x12); // hi only: count 0x1200
    const k2 = p.tick();
    p.toTick(k2 + 1 + 0x100);
    expect(p.inb(0x42)).toBe(0x11);
    expect(p.inb(0x42)).toBe(0x11);
    p.toTick(k2 + 1 + 0x1200);
    expect(p.pit.output(2)).toBe(true);
  });

  it('port 0x61: bits 0-3 read back, bit 4 toggles every 18 pulses, bits 4-7 ignore writes', () => {
    const p = makePit();
    p.outb(0x61, 0xfe);
    expect(p.inb(0x61) & 0x0f).toBe(0x0e);
    expect(p.p61.speakerOn).toBe(false);
    p.outb(0x61, 0x03);
    expect(p.p61.speakerOn).toBe(true);
    const bits: number[] = [];
    for (const n of [0, 17, 18, 35, 36, 18 * 1001]) { p.toTick(n); bits.push((p.inb(0x61) >> 4) & 1); }
    expect(bits).toEqual([0, 0, 1, 1, 0, 1]);
    p.clock.advanceTo(T(18 * 1001) + 15_086); // 18 pulses are 15.0857 us
    expect((p.inb(0x61) >> 4) & 1).toBe(0);
  });

  it('saved state restores to an identical PIT, on a clock at the same time or a later one', () => {
    const a = makePit(2_500_000);
    a.outb(0x43, 0x34); a.outb(0x40, 0x9b); a.outb(0x40, 0x04); // channel 0 mode 2, 1179
    a.outb(0x61, 0x01);
    a.outb(0x43, 0xb0); a.outb(0x42, 0x00); a.outb(0x42, 0x40); // channel 2 mode 0, 0x4000
    a.outb(0x43, 0x56); a.outb(0x41, 0x12); // channel 1 mode 3, lo only
    a.clock.advanceTo(a.clock.now + 1_234_567);
    a.outb(0x40, 0x00); // half of a new channel 0 count (waits for the period end)
    a.outb(0x43, 0x80); a.inb(0x42); // channel 2 latched, low byte already read
    a.outb(0x43, 0xe4); // status of channel 1 latched
    const saved = JSON.parse(JSON.stringify({ pit: a.pit.saveState(), p61: a.p61.saveState() }));
    const savedAt = a.clock.now;
    const nextIrq = a.pit.nextIrqTime - savedAt;
    expect(nextIrq).toBeGreaterThan(0);
    expect(nextIrq).toBeLessThan(Infinity);
    for (const offset of [0, 1e9]) {
      const b = makePit(savedAt + offset); // 1 s is a whole number of pulses: same phase
      b.pit.loadState(saved.pit);
      b.p61.loadState(saved.p61);
      expect(b.pit.nextIrqTime - b.clock.now).toBe(nextIrq);
      const aa = offset ? makePit(savedAt) : a; // the first pass consumed `a`: compare with a copy
      if (offset) { aa.pit.loadState(saved.pit); aa.p61.loadState(saved.p61); }
      for (const port of [0x40, 0x41, 0x42, 0x41, 0x42, 0x40, 0x61]) expect(b.inb(port)).toBe(aa.inb(port));
      b.outb(0x40, 0x02); aa.outb(0x40, 0x02);
      const base = [aa.clock.now, b.clock.now];
      aa.clock.advanceTo(base[0] + 5_000_000); b.clock.advanceTo(base[1] + 5_000_000);
      const rel = (p: typeof a, t0: number) => p.rises().filter((t) => t > t0).map((t) => t - t0);
      expect(rel(b, base[1])).toEqual(rel(aa, base[0]));
      expect(rel(b, base[1]).length).toBeGreaterThan(3);
      for (const ch of [0, 1, 2]) expect(b.latched(ch)).toBe(aa.latched(ch));
    }
    const c = new Pit8254({ clock: new VirtualClock(), irq: new IrqLine({ setIrqLevel() {} }, 0) });
    expect(() => c.loadState({ channels: [], irq: false })).toThrow(/3 channels/);
    const bad = JSON.parse(JSON.stringify(saved.pit));
    bad.channels[1].mode = 9;
    expect(() => c.loadState(bad)).toThrow(/channel 1/);
    bad.channels[1].mode = 2;
    delete bad.channels[2].load;
    expect(() => c.loadState(bad)).toThrow(/load/);
  });
});
