import { IrqLatch, IrqLine } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { AcpiPm } from './acpi-pm.js';

function rig() {
  let now = 0;
  const latch = new IrqLatch();
  let off = 0;
  const pm = new AcpiPm({ time: () => now, sci: new IrqLine(latch, 9), onPowerOff: () => off++ });
  return { pm, at: (t: number) => { now = t; }, sci: () => latch.levels[9] === 1, offs: () => off };
}

describe('ACPI PM registers', () => {
  it('the PM timer counts 3.579545 MHz of virtual time, 32 bits wide, read-only', () => {
    const { pm, at } = rig();
    at(1_000_000_000);
    expect(pm.ioRead(8, 4)).toBe(3_579_545);
    at(1_000_000_279);
    expect(pm.ioRead(8, 4)).toBe(3_579_545 + 0); // 279 ns is just under one tick (279.37 ns)
    at(1_000_000_280);
    expect(pm.ioRead(8, 4)).toBe(3_579_546);
    at(1200 * 1e9); // past 2^32 ticks (~1199.6 s)
    expect(pm.ioRead(8, 4)).toBe((1200 * 3_579_545) % 2 ** 32);
    pm.ioWrite(8, 4, 0);
    expect(pm.ioRead(8, 4)).toBe((1200 * 3_579_545) % 2 ** 32);
    expect(pm.ioRead(10, 2)).toBe(Math.floor(((1200 * 3_579_545) % 2 ** 32) / 65536));
  });

  it('TMR_STS reports bit 31 toggles and clears when written with 1', () => {
    const { pm, at } = rig();
    expect(pm.ioRead(0, 2) & 1).toBe(0);
    at(600 * 1e9); // 2^31 ticks are ~599.9 s
    expect(pm.ioRead(0, 2) & 1).toBe(1);
    pm.ioWrite(0, 2, 1);
    expect(pm.ioRead(0, 2) & 1).toBe(0);
  });

  it('starts in ACPI mode (SCI_EN); the SCI follows enabled status bits', () => {
    const { pm, sci } = rig();
    expect(pm.ioRead(4, 2) & 1).toBe(1);
    pm.pressPowerButton();
    expect(sci()).toBe(false);
    pm.ioWrite(2, 2, 0x100); // PWRBTN_EN
    expect(sci()).toBe(true);
    expect(pm.ioRead(0, 4)).toBe(0x1000100); // status and enable in one dword
    pm.ioWrite(0, 2, 0x100);
    expect(sci()).toBe(false);
  });

  it('SLP_EN with SLP_TYP 5 is S5: power off; other sleep types do nothing', () => {
    const { pm, offs } = rig();
    pm.ioWrite(4, 2, (3 << 10) | (1 << 13) | 1);
    expect(offs()).toBe(0);
    pm.ioWrite(4, 2, (5 << 10) | (1 << 13) | 1);
    expect(offs()).toBe(1);
    expect(pm.ioRead(4, 2) & (1 << 13)).toBe(0); // SLP_EN reads 0
  });

  it('restores an identical device', () => {
    const { pm } = rig();
    pm.ioWrite(2, 2, 0x121);
    pm.pressPowerButton();
    const copy = rig().pm;
    copy.loadState(JSON.parse(JSON.stringify(pm.saveState())));
    expect(copy.saveState()).toEqual(pm.saveState());
    expect(() => copy.loadState({ status: -1 })).toThrow(/status/);
  });
});
