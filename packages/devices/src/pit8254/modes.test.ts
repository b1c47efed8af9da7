import { describe, expect, it } from 'vitest';
import { cycleTime, cyclesAt } from '../timebase.js';
import { PIT_HZ } from './pit.js';
import { T, makePit } from './testing.js';

describe('8254 timebase', () => {
  it('converts between ns and input pulses exactly, far past 2^53 / 1.19 MHz', () => {
    const F = BigInt(PIT_HZ);
    for (const ns of [0, 837, 838, 839, 999_999_999, 1e9, 123_456_789_012, 86_400e9 + 17, 2 ** 52 + 3]) {
      expect(cyclesAt(ns, PIT_HZ)).toBe(Number((BigInt(ns) * F) / 1_000_000_000n));
    }
    for (const n of [1, 2, 1193181, 1193182, 1193183, 987_654_321_123]) {
      const t = cycleTime(n, PIT_HZ);
      expect(cyclesAt(t, PIT_HZ)).toBe(n);
      expect(cyclesAt(t - 1, PIT_HZ)).toBe(n - 1);
    }
  });
});

describe('8254 counting modes', () => {
  it('mode 0: OUT low on the control word, high N+1 pulses after the count, then keeps counting', () => {
    const p = makePit(10_000);
    p.outb(0x43, 0x30);
    expect(p.irq.high).toBe(false);
    p.outb(0x40, 100); p.outb(0x40, 0);
    const k = p.tick();
    expect(p.pit.nextIrqTime).toBe(T(k + 101));
    p.toTick(k + 1);
    expect(p.latched(0)).toBe(100);
    p.toTick(k + 100);
    expect(p.latched(0)).toBe(1);
    expect(p.pit.output(0)).toBe(false);
    p.clock.advanceTo(T(k + 101) - 1);
    expect(p.rises()).toEqual([]);
    p.clock.advanceTo(T(k + 101));
    expect(p.rises()).toEqual([T(k + 101)]);
    p.toTick(k + 102);
    expect(p.latched(0)).toBe(0xffff);
    expect(p.pit.output(0)).toBe(true);
    expect(p.pit.nextIrqTime).toBe(Infinity);
  });

  it('mode 2 (Linux periodic, 0x34): an IRQ 0 edge every N pulses, count reloads from N', () => {
    const p = makePit(3_333);
    p.outb(0x43, 0x34);
    const cw = p.clock.now;
    p.outb(0x40, 1193 & 0xff); p.outb(0x40, 1193 >> 8);
    const k = p.tick();
    p.toTick(k + 1);
    expect(p.latched(0)).toBe(1193);
    p.toTick(k + 1193);
    expect(p.latched(0)).toBe(1);
    expect(p.pit.output(0)).toBe(false); // the one-pulse low before reload
    p.toTick(k + 1 + 3 * 1193 + 7);
    expect(p.latched(0)).toBe(1193 - 7);
    // OUT starts high at the control word (a rise from the power-on low line), then one rise per period.
    expect(p.rises()).toEqual([cw, T(k + 1 + 1193), T(k + 1 + 2 * 1193), T(k + 1 + 3 * 1193)]);
    expect(p.pit.nextIrqTime).toBe(T(k + 1 + 4 * 1193));
  });

  it('mode 2: a count written mid-period takes effect when the period ends', () => {
    const p = makePit();
    p.outb(0x43, 0x34); p.outb(0x40, 100); p.outb(0x40, 0);
    const load = p.tick() + 1;
    p.toTick(load + 30);
    p.outb(0x40, 50); p.outb(0x40, 0);
    expect(p.latched(0)).toBe(70);
    p.toTick(load + 100);
    expect(p.latched(0)).toBe(50);
    p.toTick(load + 220);
    expect(p.rises().slice(1)).toEqual([T(load + 100), T(load + 150), T(load + 200)]);
  });

  it('mode 3: square wave, odd counts high one pulse longer, CE steps by two', () => {
    const p = makePit();
    p.outb(0x61, 0x01);
    p.outb(0x43, 0xb6); p.outb(0x42, 5); p.outb(0x42, 0);
    const load = p.tick() + 1;
    const values: number[] = [], outs: number[] = [];
    for (let i = 0; i < 10; i++) {
      p.toTick(load + i);
      values.push(p.latched(2));
      outs.push(p.pit.output(2) ? 1 : 0);
    }
    expect(values).toEqual([5, 4, 2, 5, 2, 5, 4, 2, 5, 2]);
    expect(outs).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 0, 0]);
    p.outb(0x43, 0xb6); p.outb(0x42, 6); p.outb(0x42, 0);
    const l2 = p.tick() + 1;
    const v2: number[] = [], o2: number[] = [];
    for (let i = 0; i < 6; i++) { p.toTick(l2 + i); v2.push(p.latched(2)); o2.push(p.pit.output(2) ? 1 : 0); }
    expect(v2).toEqual([6, 4, 2, 6, 4, 2]);
    expect(o2).toEqual([1, 1, 1, 0, 0, 0]);
  });

  it('mode 3 on channel 0: IRQ edges at the end of each low half; new count at the half-cycle end', () => {
    const p = makePit();
    p.outb(0x43, 0x36); p.outb(0x40, 10); p.outb(0x40, 0);
    const load = p.tick() + 1;
    p.toTick(load + 12); // in the high half of the second period (high 10-14, low 15-19)
    p.outb(0x40, 4); p.outb(0x40, 0);
    expect(p.pit.nextIrqTime).toBe(T(load + 15 + 2)); // the new count starts low at 15: 2 low, 2 high
    p.toTick(load + 30);
    expect(p.rises().slice(1)).toEqual([T(load + 10), T(load + 17), T(load + 21), T(load + 25), T(load + 29)]);
  });

  it('mode 4 (Linux oneshot, 0x38): OUT strobes low for one pulse at terminal count', () => {
    const p = makePit(777);
    p.outb(0x43, 0x38); p.outb(0x40, 0x10); p.outb(0x40, 0x00);
    const k = p.tick();
    p.toTick(k + 16);
    expect(p.pit.output(0)).toBe(true);
    p.toTick(k + 17);
    expect(p.pit.output(0)).toBe(false);
    p.toTick(k + 18);
    expect(p.pit.output(0)).toBe(true);
    expect(p.rises()).toEqual([p.rises()[0], T(k + 18)]);
    expect(p.pit.nextIrqTime).toBe(Infinity);
    // Rewriting the count re-arms it (Linux's next_event writes only the two count bytes).
    p.outb(0x40, 5); p.outb(0x40, 0);
    expect(p.pit.nextIrqTime).toBe(T(p.tick() + 7));
  });

  it('modes 1 and 5: the gate triggers (and retriggers) a one-shot', () => {
    const p = makePit();
    p.outb(0x43, 0x92); p.outb(0x42, 10); // channel 2, low byte only, mode 1
    expect(p.pit.output(2)).toBe(true);
    p.toTick(100);
    expect(p.pit.output(2)).toBe(true); // no trigger yet
    p.outb(0x61, 0x01);
    const g = p.tick();
    p.toTick(g + 1);
    expect(p.pit.output(2)).toBe(false);
    p.toTick(g + 5);
    p.outb(0x61, 0x00); p.outb(0x61, 0x01); // retrigger
    const g2 = p.tick();
    p.toTick(g2 + 10);
    expect(p.pit.output(2)).toBe(false);
    p.toTick(g2 + 11);
    expect(p.pit.output(2)).toBe(true);
    expect(p.latched(2) & 0xff).toBe(0); // lo-byte access: the latch read returns the low byte
    p.outb(0x43, 0x9a); p.outb(0x42, 10); p.outb(0x61, 0x00); p.outb(0x61, 0x01); // mode 5
    const g3 = p.tick();
    p.toTick(g3 + 10);
    expect(p.pit.output(2)).toBe(true);
    p.toTick(g3 + 11);
    expect(p.pit.output(2)).toBe(false);
    p.toTick(g3 + 12);
    expect(p.pit.output(2)).toBe(true);
  });

  it('a low gate suspends mode 0 and stops mode 2 with OUT forced high; a rising gate reloads mode 2', () => {
    const p = makePit();
    p.outb(0x61, 0x01);
    p.outb(0x43, 0xb0); p.outb(0x42, 100); p.outb(0x42, 0);
    const load = p.tick() + 1;
    p.toTick(load + 30);
    p.outb(0x61, 0x00);
    p.toTick(load + 5000);
    expect(p.latched(2)).toBe(70);
    p.outb(0x61, 0x01);
    const g = p.tick();
    p.toTick(g + 69);
    expect(p.pit.output(2)).toBe(false);
    p.toTick(g + 70);
    expect(p.pit.output(2)).toBe(true);
    p.outb(0x43, 0xb4); p.outb(0x42, 20); p.outb(0x42, 0);
    const l2 = p.tick() + 1;
    p.toTick(l2 + 19);
    expect(p.pit.output(2)).toBe(false);
    p.outb(0x61, 0x00);
    expect(p.pit.output(2)).toBe(true);
    p.toTick(l2 + 100);
    p.outb(0x61, 0x01);
    const g2 = p.tick();
    p.toTick(g2 + 1);
    expect(p.latched(2)).toBe(20);
    p.toTick(g2 + 20);
    expect(p.pit.output(2)).toBe(false);
  });

  it('BCD counting: count 0 is 10000 and the CE wraps to 9999', () => {
    const p = makePit();
    p.outb(0x61, 0x01);
    p.outb(0x43, 0xb1); p.outb(0x42, 0x00); p.outb(0x42, 0x01); // BCD 100
    const load = p.tick() + 1;
    p.toTick(load);
    expect(p.latched(2)).toBe(0x0100);
    p.toTick(load + 1);
    expect(p.latched(2)).toBe(0x0099);
    p.toTick(load + 100);
    expect(p.latched(2)).toBe(0x0000);
    expect(p.pit.output(2)).toBe(true);
    p.toTick(load + 101);
    expect(p.latched(2)).toBe(0x9999);
    p.outb(0x42, 0); p.outb(0x42, 0);
    const l2 = p.tick() + 1;
    p.toTick(l2 + 9999);
    expect(p.pit.output(2)).toBe(false);
    p.toTick(l2 + 10000);
    expect(p.pit.output(2)).toBe(true);
  });
});
