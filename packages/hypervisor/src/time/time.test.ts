import { VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { Hypervisor } from '../hypervisor.js';
import { buildSmpGuest } from '../smp/smp-guest.js';
import { TestHost } from '../test-host.js';
import { DilatedClock, tscAt } from './dilated-clock.js';

function vmWith(time: Record<string, unknown>, devices: Record<string, unknown>[] = []) {
  const host = new TestHost(1);
  host.files.set('k.bin', buildSmpGuest());
  const vm = new Hypervisor(host).createVm({ memory: '16M', kernel: { path: 'k.bin', format: 'multiboot' }, time, devices });
  return { host, vm };
}

describe('guest time', () => {
  it('a dilated clock runs its events at factor × the time beneath it', () => {
    const inner = new VirtualClock();
    const c = new DilatedClock(inner, 4);
    const fired: number[] = [];
    c.at(1000, () => fired.push(inner.now));
    c.after(400, () => fired.push(inner.now));
    inner.advanceTo(300);
    expect(fired).toEqual([100, 250]);
    expect(c.now).toBe(1200);
    expect(() => new DilatedClock(inner, 0)).toThrow(/not a positive number/);
  });

  it('TSC conversion stays exact past 2^53 / hz nanoseconds', () => {
    expect(tscAt(1e9, 2_400_000_000)).toBe(2_400_000_000);
    expect(tscAt(3600e9 + 1, 3_000_000_000)).toBe(3600 * 3e9 + 3);
  });

  it('the TSC counts guest time at the configured frequency, reported in CPUID 0x15/0x16', () => {
    const { host, vm } = vmWith({ tscFreq: '2.5GHz' });
    const v = vm.vcpus[0];
    const cpu = v.core.cpu;
    expect(cpu.cpuidModel.get(0x15, 0, 0)).toEqual([1, 2500, 1000000, 0]);
    expect(cpu.cpuidModel.get(0x16, 0, 0)[0]).toBe(2500);
    host.node.clock.advanceTo(1_000_000);
    v.core.beginSlice(1_000_000);
    expect(cpu.readTsc()).toBe(2_500_000);
  });

  it('dilation speeds up the TSC and every device clock by the same factor', () => {
    const { host, vm } = vmWith({ dilation: 3 }, [{ id: 'hpet', class: 'hpet' }, { id: 'pm', class: 'acpi-pm' }]);
    const v = vm.vcpus[0];
    host.node.clock.advanceTo(1_000_000);
    v.core.beginSlice(1_000_000);
    expect(v.core.cpu.readTsc()).toBe(3_000_000); // 1 GHz default, 3 ms of guest time
    vm.mmio.write(0xfed00010, 4, 1); // HPET on
    host.node.clock.advanceTo(2_000_000);
    expect(vm.mmio.read(0xfed000f0, 4)).toBe(300_000); // 3 ms at 100 MHz
    expect(vm.ports.read(0x608, 4)).toBe(Math.floor(6e-3 * 3_579_545)); // 6 ms of guest time
    expect(() => vmWith({ dilation: -1 })).toThrow(/time.dilation/);
  });
});
