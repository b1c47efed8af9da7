import { buildElf64 } from '@serval/guest-tools';
import { assemble } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { Hypervisor } from '../hypervisor.js';
import { TestHost } from '../test-host.js';

const BASE = 0x100000;
const HLT = buildElf64({ entry: BASE, segments: [{ vaddr: BASE, bytes: assemble('bits 64\nhlt', { bitness: 64, origin: BASE }).bytes }] });

function vm(hv: Hypervisor, name: string, net: Record<string, unknown> = {}) {
  return hv.createVm({
    name, memory: '16M', kernel: { path: 'k.elf' },
    devices: [{ id: 'ioapic', class: 'ioapic' }, { id: 'lapic', class: 'lapic' }, { id: 'pci', class: 'pci' }, { id: 'net0', class: 'virtio-net', options: net }],
  });
}

describe('the virtio-net device class', () => {
  it('puts a virtio-net function on the PCI bus and plugs it into the named host network until the VM is freed', () => {
    const host = new TestHost(2);
    host.files.set('k.elf', HLT);
    const hv = new Hypervisor(host);
    const a = vm(hv, 'a', { network: 'lan', mac: '52:54:00:00:00:0a' });
    const b = vm(hv, 'b', { network: 'lan' });
    expect(host.networks.network('lan').portNames).toEqual(['a.net0', 'b.net0']);
    const nic = a.devices.find((d) => d.name === 'net0') as unknown as { readConfig(o: number, s: number): number; device: { macAddress: string } };
    expect(nic.readConfig(0, 4)).toBe(0x10411af4);
    expect(nic.device.macAddress).toBe('52:54:00:00:00:0a');
    expect((b.devices.find((d) => d.name === 'net0') as unknown as { device: { macAddress: string } }).device.macAddress).toMatch(/^52:54:00:/);
    b.free();
    expect(host.networks.network('lan').portNames).toEqual(['a.net0']);
  });

  it('refuses a bad MAC, unknown options and a NIC without a PCI bus, naming the config path', () => {
    const host = new TestHost(2);
    host.files.set('k.elf', HLT);
    const hv = new Hypervisor(host);
    expect(() => vm(hv, 'x', { mac: '01:00:5e:00:00:01' })).toThrow(/devices\[3\]\.options\.mac: .*multicast/);
    expect(() => vm(hv, 'x', { speed: 10 })).toThrow(/devices\[3\]\.options\.speed: unknown key/);
    expect(() => hv.createVm({ name: 'y', memory: '16M', kernel: { path: 'k.elf' }, devices: [{ id: 'net0', class: 'virtio-net' }] })).toThrow(/list a "pci" device before it/);
    // Nothing stayed plugged in.
    expect(host.networks.network('default').portNames).toEqual([]);
  });
});
