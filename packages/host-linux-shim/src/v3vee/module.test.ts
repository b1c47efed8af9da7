import { buildDemoKernel } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { LinuxHost } from '../host.js';
import { v3veeModule } from './module.js';

function host() {
  const h = new LinuxHost({ cores: 4, memory: 512 * 1024 * 1024, readFile: (p) => { if (p === 'demo') return buildDemoKernel(); throw new Error(`${p}: no such file`); } });
  return h;
}

const VM = {
  name: 'g', memory: '32M', kernel: { path: 'demo' },
  devices: [{ id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }],
};

describe('the v3vee module', () => {
  it('takes the cores and memory it is given, shows them in /proc, and returns them on rmmod', () => {
    const h = host();
    const free0 = h.memory.freeBytes;
    h.insmod(v3veeModule(), { cpus: '2-3', mem: '64M' });
    expect(h.online).toEqual([0, 1]);
    expect(h.proc('/proc/cpus')).toContain('cpu2: offline (v3vee)');
    expect(h.memory.freeBytes).toBe(free0 - 64 * 1024 * 1024);
    expect(h.proc('/proc/v3vee')).toContain('memory: 64 MiB reserved, 0 MiB in use');
    expect(h.dev.list()).toEqual(['/dev/v3vee']);
    h.rmmod('v3vee');
    expect(h.online).toEqual([0, 1, 2, 3]);
    expect(h.memory.freeBytes).toBe(free0);
    expect(h.dev.list()).toEqual([]);
  });

  it('boots a VM through /dev/v3vee and /dev/v3-vm0, with its console readable from the device', () => {
    const h = host();
    h.insmod(v3veeModule(), { cpus: '1', mem: '64M' });
    const id = h.dev.open('/dev/v3vee').ioctl('create', VM) as number;
    expect(id).toBe(0);
    const vm = h.dev.open('/dev/v3-vm0');
    expect(vm.ioctl('state')).toBe('created');
    vm.ioctl('launch');
    h.run(() => vm.ioctl('state') !== 'running');
    const out = new TextDecoder().decode(vm.read!());
    expect(out).toContain('Serval demo guest kernel');
    expect(out).toContain('memory: 32 MiB');
    expect(vm.ioctl('inspect')).toMatchObject({ state: 'stopped', stopReason: { kind: 'guest-exit', status: 0 } });
    expect(h.proc('/proc/v3vee')).toContain('vm0 g stopped');
  });

  it('refuses to unload while VMs exist', () => {
    const h = host();
    h.insmod(v3veeModule(), { cpus: '1', mem: '64M' });
    h.dev.open('/dev/v3vee').ioctl('create', VM);
    expect(() => h.rmmod('v3vee')).toThrow('rmmod: module v3vee is in use: 1 VM(s) exist; free them first');
    h.dev.open('/dev/v3vee').ioctl('free', 0);
    expect(h.dev.list()).toEqual(['/dev/v3vee']);
    h.rmmod('v3vee');
  });

  it('rejects bad module options and leaves the host unchanged', () => {
    const h = host();
    const free0 = h.memory.freeBytes;
    expect(() => h.insmod(v3veeModule(), { cpus: '9' })).toThrow('v3vee cpus: cpu 9 does not exist (the host has cpus 0-3)');
    expect(() => h.insmod(v3veeModule(), { cpus: '0' })).toThrow('cpu 0 is the boot cpu');
    expect(() => h.insmod(v3veeModule(), { cpus: 'x' })).toThrow('"x" is not a cpu list');
    expect(() => h.insmod(v3veeModule(), { mem: '3M' })).toThrow('must be a multiple of 2M');
    expect(() => h.insmod(v3veeModule(), { mem: '4G' })).toThrow('no 4096 MiB of contiguous memory');
    expect(() => h.insmod(v3veeModule(), { colour: 'blue' })).toThrow('unknown module option "colour"');
    expect(h.online).toEqual([0, 1, 2, 3]);
    expect(h.memory.freeBytes).toBe(free0);
    expect(h.loaded('v3vee')).toBe(false);
    expect(() => h.rmmod('v3vee')).toThrow('module v3vee is not loaded');
  });

  it('answers unknown control operations and unknown VMs with clear errors', () => {
    const h = host();
    h.insmod(v3veeModule(), { cpus: '1', mem: '64M' });
    const ctl = h.dev.open('/dev/v3vee');
    expect(() => ctl.ioctl('explode')).toThrow('/dev/v3vee: unknown operation "explode"');
    expect(() => ctl.ioctl('free', 7)).toThrow('there is no VM with id 7');
    expect(() => h.dev.open('/dev/v3-vm3')).toThrow('/dev/v3-vm3: no such device');
    expect(() => ctl.ioctl('create', { ...VM, memory: '128M' })).toThrow("the hypervisor module's memory has no free 128 MiB block");
    expect(h.proc('/proc/v3vee')).toContain('cpus: 1');
    expect(ctl.ioctl('list')).toEqual([]);
  });
});
