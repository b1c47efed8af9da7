import { describe, expect, it } from 'vitest';
import { Hypervisor } from '../hypervisor.js';
import { TestHost } from '../test-host.js';
import { buildSmpGuest, smpVmConfig } from './smp-guest.js';

function boot() {
  const host = new TestHost(2);
  host.files.set('smp.bin', buildSmpGuest());
  const vm = new Hypervisor(host).createVm(smpVmConfig('smp.bin'));
  vm.launch();
  host.node.run({ stop: () => vm.state !== 'running', untilNs: 1e9 });
  return { out: host.text('smp.com1'), vm, logs: host.logs, now: host.node.clock.now, counts: vm.vcpus.map((v) => v.core.cpu.icount - v.startIcount) };
}

describe('SMP start-up', () => {
  it('the BSP starts the AP with INIT/SIPI; each sees its own APIC ID at 0xFEE00000; the AP\'s IPI reaches the BSP', () => {
    const r = boot();
    expect(r.logs.filter((l) => l.startsWith('error'))).toEqual([]);
    expect(r.out).toBe('smp: bsp=0 ap=1 ipis=1\n');
    expect(r.vm.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
    expect(r.counts[1]).toBeGreaterThan(0);
  });

  it('runs bit for bit the same every time: output, instruction counts per vCPU, virtual time', () => {
    const a = boot(), b = boot();
    expect(b.out).toBe(a.out);
    expect(b.counts).toEqual(a.counts);
    expect(b.now).toBe(a.now);
  });

  it('an AP nobody starts stays parked', () => {
    const host = new TestHost(2);
    host.files.set('smp.bin', buildSmpGuest());
    const vm = new Hypervisor(host).createVm(smpVmConfig('smp.bin'));
    expect(vm.vcpus[1].lapic?.waitingForStartup).toBe(true);
    expect(vm.vcpus[1].core.cpu.state.apicBase).toBe(0xfee00800);
    expect(vm.vcpus[0].core.cpu.state.apicBase).toBe(0xfee00900);
  });
});
