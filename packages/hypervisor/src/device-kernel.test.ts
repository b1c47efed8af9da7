// The multiboot device test kernel (guest-tools) on every device Serval's PC has: each device's
// line, what a missing device or input does to it, and that every device's saved state, taken at
// many points of the run, loads into a fresh device of its class that saves the very same bytes.
import {
  buildDeviceTestKernel, DEVICE_TEST_DEVICES, DEVICE_TEST_INPUT, DEVICE_TEST_LINES,
} from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { vmDevices } from './checkpoint/snapshot.js';
import { DEVICE_CLASSES } from './devices/attach.js';
import { Hypervisor } from './hypervisor.js';
import { TestHost } from './test-host.js';
import type { Vm } from './vm.js';

const KERNEL = buildDeviceTestKernel();

function boot(devices: readonly unknown[] = DEVICE_TEST_DEVICES, input: string | null = DEVICE_TEST_INPUT) {
  const host = new TestHost();
  host.files.set('dt.elf', KERNEL);
  const vm = new Hypervisor(host).createVm({ name: 'dt', memory: '16M', kernel: { path: 'dt.elf' }, devices });
  if (input) host.inputs.get('dt.com1')!(new TextEncoder().encode(input));
  return { host, vm, out: () => host.text('dt.com1') };
}

function runToEnd(host: TestHost, vm: Vm): void {
  if (vm.state === 'created') vm.launch();
  if (vm.state === 'paused') vm.resume();
  host.node.run({ stop: () => vm.state !== 'running' });
}

const reference = (() => {
  const r = boot();
  runToEnd(r.host, r.vm);
  return { out: r.out(), instructions: r.vm.instructions, reason: r.vm.stopReason, logs: r.host.logs };
})();

describe('device test kernel', () => {
  it('every device reports ok, and the guest exits with no failures', () => {
    const lines = reference.out.split('\n');
    expect(lines[0]).toBe('serval device test');
    for (const name of DEVICE_TEST_LINES) {
      const line = lines.find((l) => l.startsWith(`${name}: `));
      expect(line, `no line for ${name}`).toBeDefined();
      expect(line).toMatch(new RegExp(`^${name}: ok `));
    }
    expect(reference.out).toContain("uart-rx: ok receive interrupt, byte 'Q'");
    expect(reference.out).toContain('rtc: ok 2024-01-01 (bcd)');
    expect(reference.out).toContain('device test done, failures=0\n');
    expect(reference.reason).toEqual({ kind: 'guest-exit', status: 0 });
    // What only the host sees: the POST code and the generic device's accesses.
    expect(reference.logs).toContain('info: VM "dt": POST 0x42');
    expect(reference.logs).toContain('info: VM "dt": lpt: outb 0x0378 <- 0x5a');
    expect(reference.logs).toContain('info: VM "dt": lpt: inb 0x037f -> 0xff');
  }, 60_000);

  it('a device the VM lacks, or input that never comes, fails its line and the exit status counts it', () => {
    const r = boot(DEVICE_TEST_DEVICES.filter((d) => d.class !== 'hpet'), null);
    runToEnd(r.host, r.vm);
    expect(r.out()).toContain('hpet: FAIL vendor is not 8086\n');
    expect(r.out()).toContain('uart-rx: FAIL no byte received');
    expect(r.out()).toContain('pit: ok ');
    expect(r.out()).toContain('device test done, failures=2\n');
    expect(r.vm.stopReason).toEqual({ kind: 'guest-exit', status: 2 });
  }, 60_000);
});

describe('device state save and load', () => {
  it('at every point of the run, each device loads its saved state into a fresh device that saves the same bytes', () => {
    const a = boot();
    const fresh = boot();
    const freshByName = new Map(vmDevices(fresh.vm).map((d) => [d.name, d]));
    const names = new Set<string>();
    const changed = new Set<string>();
    const powerOn = new Map(vmDevices(a.vm).map((d) => [d.name, JSON.stringify(d.saveState())]));
    let points = 0;
    const roundTrips = () => {
      points++;
      for (const d of vmDevices(a.vm)) {
        names.add(d.name);
        const saved = JSON.stringify(d.saveState());
        if (saved !== powerOn.get(d.name)) changed.add(d.name);
        const twin = freshByName.get(d.name)!;
        expect(twin.kind).toBe(d.kind);
        twin.loadState(JSON.parse(saved));
        expect(JSON.stringify(twin.saveState()), `${d.kind} ${d.name} at point ${points}`).toBe(saved);
      }
    };
    while (a.vm.simulate(0.25, (stop) => a.host.node.run({ stop })) === 'paused') roundTrips();
    // And once more as the guest left its devices.
    roundTrips();
    expect(points).toBeGreaterThan(8);
    // The run itself was not disturbed by the saves.
    expect(a.out()).toBe(reference.out);
    expect(a.vm.instructions).toBe(reference.instructions);
    // Every device of every class Serval has was covered (the virtio devices have their own suites),
    // and its state moved: a round trip of untouched power-on states would prove little.
    const configured = new Set<string>(DEVICE_TEST_DEVICES.map((d) => d.class));
    expect(DEVICE_CLASSES.filter((c) => !configured.has(c) && !c.startsWith('virtio'))).toEqual([]);
    for (const d of DEVICE_TEST_DEVICES) {
      const name = d.class === 'lapic' ? `${d.id}0` : d.id;
      expect(names.has(name), name).toBe(true);
      if (d.class !== 'debug-exit' && d.class !== 'generic') expect(changed.has(name), `${name} never changed`).toBe(true);
    }
  }, 120_000);

  it('a VM saved in the middle of the device tests continues identically in a fresh VM', () => {
    // 4.7 ms is inside the local APIC test, the vCPU halted with its timer interrupt pending.
    for (const ms of [1.1, 2.6, 3.4, 4.7, 5.5, 6.3]) {
      const a = boot();
      expect(a.vm.simulate(ms, (stop) => a.host.node.run({ stop }))).toBe('paused');
      const before = a.out();
      const bytes = a.vm.snapshot();
      // The byte typed at the console is the host's, not the VM's: type it again if the guest had
      // not taken it yet.
      const b = boot(DEVICE_TEST_DEVICES, before.includes('uart-rx: ') ? null : DEVICE_TEST_INPUT);
      b.vm.restore(bytes);
      runToEnd(b.host, b.vm);
      expect(before + b.out(), `saved at ${ms} ms`).toBe(reference.out);
      expect(b.vm.instructions).toBe(reference.instructions);
      expect(b.vm.stopReason).toEqual({ kind: 'guest-exit', status: 0 });
    }
  }, 120_000);
});
