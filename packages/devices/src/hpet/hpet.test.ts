import { VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { Hpet, HPET_ROUTE_CAP } from './hpet.js';

function rig() {
  const clock = new VirtualClock();
  const edges: string[] = [];
  const levels = new Map<string, boolean>();
  const sink = (kind: string) => ({
    setIrqLevel: (line: number, level: boolean) => {
      levels.set(`${kind}${line}`, level);
      if (level) edges.push(`${kind}${line}@${clock.now}`);
    },
  });
  const legacy: boolean[] = [];
  const h = new Hpet({ clock, irqs: sink('gsi'), legacyIrqs: sink('irq'), onLegacyReplacement: (e) => legacy.push(e) });
  const w = (off: number, v: number) => h.mmioWrite(off, 4, v);
  const r = (off: number) => h.mmioRead(off, 4);
  return { clock, h, w, r, edges, levels, legacy };
}

describe('HPET', () => {
  it('capabilities: 3 comparators, 64-bit counter, legacy route capable, 10 ns period', () => {
    const { r } = rig();
    expect(r(0) >>> 0).toBe(0x8086a201);
    expect(r(4)).toBe(10_000_000);
    expect(r(0x104)).toBe(HPET_ROUTE_CAP);
    expect(r(0x100) & 0x30).toBe(0x30); // periodic and 64-bit capable
    expect([r(0x108), r(0x10c)]).toEqual([0xffffffff, 0xffffffff]);
  });

  it('the main counter runs at 100 MHz only while enabled, and can be written while halted', () => {
    const { clock, w, r } = rig();
    clock.advanceTo(1000);
    expect(r(0xf0)).toBe(0);
    w(0x10, 1);
    clock.advanceTo(1000 + 12_345);
    expect(r(0xf0)).toBe(1234);
    w(0x10, 0);
    clock.advanceTo(50_000);
    expect(r(0xf0)).toBe(1234);
    w(0xf0, 0xfffffff0);
    w(0xf4, 1);
    w(0x10, 1);
    clock.advanceTo(50_000 + 200);
    expect([r(0xf0), r(0xf4)]).toEqual([0x4, 2]);
  });

  it('legacy replacement: timer 0 periodic on IRQ 0 with Linux\'s two comparator writes', () => {
    const { clock, w, r, edges, legacy } = rig();
    w(0x10, 3); // enable + legacy
    expect(legacy).toEqual([true]);
    clock.advanceTo(500);
    // hpet_clkevt_set_state_periodic: cfg |= ENABLE|PERIODIC|VAL_SET|32BIT; cmp = now + delta; cmp = delta.
    w(0x100, (1 << 2) | (1 << 3) | (1 << 6) | (1 << 8));
    const now = r(0xf0);
    w(0x108, now + 1000);
    w(0x108, 1000);
    expect(r(0x100) & (1 << 6)).toBe(0); // VAL_SET clears itself
    clock.advanceTo(500 + 35_000);
    expect(edges).toEqual(['irq0@10500', 'irq0@20500', 'irq0@30500']);
    expect(r(0x108)).toBe(now + 4000); // the comparator advanced by the period
  });

  it('one-shot 32-bit comparator: fires at the match, then again only after the low half wraps', () => {
    const { clock, w, edges } = rig();
    w(0x10, 1);
    w(0x140, (1 << 2) | (1 << 8) | (21 << 9)); // timer 2, enabled, 32-bit, I/O APIC pin 21
    w(0x148, 300);
    clock.advanceTo(10_000);
    expect(edges).toEqual(['gsi21@3000']);
    clock.advanceTo(3000 + 2 ** 32 * 10 - 1);
    expect(edges.length).toBe(1);
    clock.advanceTo(3000 + 2 ** 32 * 10);
    expect(edges.length).toBe(2);
  });

  it('level mode: GINTR_STA holds the line until written with 1', () => {
    const { clock, w, r, levels } = rig();
    w(0x10, 1);
    w(0x120, (1 << 1) | (1 << 2) | (20 << 9));
    w(0x128, 100);
    w(0x12c, 0); // 64-bit comparator: the high half resets to all ones too
    clock.advanceTo(1000);
    expect(r(0x20)).toBe(2);
    expect(levels.get('gsi20')).toBe(true);
    w(0x20, 1); // another timer's bit: no effect
    expect(levels.get('gsi20')).toBe(true);
    w(0x20, 2);
    expect(r(0x20)).toBe(0);
    expect(levels.get('gsi20')).toBe(false);
  });

  it('restores an identical HPET with its comparators armed', () => {
    const { clock, h, w } = rig();
    w(0x10, 3);
    w(0x100, (1 << 2) | (1 << 3) | (1 << 6));
    w(0x108, 700); w(0x108, 700);
    w(0x140, (1 << 1) | (1 << 2) | (1 << 8) | (22 << 9)); w(0x148, 50); // timer 2: level, 32-bit, pin 22
    clock.advanceTo(2345);
    const saved = JSON.parse(JSON.stringify(h.saveState()));
    const { h: copy, clock: c2, legacy: routed, levels } = rig();
    c2.advanceTo(2345);
    copy.loadState(saved);
    expect(routed).toEqual([true]); // IRQ 0 and 8 taken from the PIT and RTC again
    expect(levels.get('gsi22')).toBe(true); // timer 2's level interrupt still asserted
    expect(copy.saveState()).toEqual(h.saveState());
    expect(copy.nextEventTime(0)).toBe(h.nextEventTime(0));
    expect(() => copy.loadState({ ...saved, timers: [] })).toThrow(/3 timers/);
  });
});
