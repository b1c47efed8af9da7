// A VM created through /dev/v3vee gets its virtio-blk disk from the host's block storage
// (LinuxHostConfig.openDisk); a host without block storage refuses the VM and keeps nothing.
import { MemoryBackend } from '@serval/devices';
import { buildTickerGuest } from '@serval/hypervisor';
import { describe, expect, it } from 'vitest';
import { LinuxHost } from '../host.js';
import { MB } from '../testing.js';
import { v3veeModule } from './module.js';

const VM = {
  name: 'd', memory: '16M', kernel: { path: 'builtin:ticker' },
  devices: [
    { id: 'pic', class: 'pic8259' }, { id: 'pit', class: 'pit8254' }, { id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' },
    { id: 'pci', class: 'pci' }, { id: 'vda', class: 'virtio-blk', options: { path: 'disk.img' } },
  ],
};

function host(withDisks: boolean) {
  const disk = new MemoryBackend(new Uint8Array(64 * 512));
  const opened: string[] = [];
  const h = new LinuxHost({
    cores: 2, memory: 128 * MB,
    readFile: (p) => { if (p === 'builtin:ticker') return buildTickerGuest(); throw new Error(`${p}: no such file`); },
    ...(withDisks ? { openDisk: (p: string) => { opened.push(p); return disk; } } : {}),
  });
  h.insmod(v3veeModule(), { cpus: '1', mem: '32M' });
  return { h, disk, opened };
}

describe('virtio-blk through the Linux host shim', () => {
  it('opens the disk through the host and closes it when the VM is freed', () => {
    const { h, disk, opened } = host(true);
    const ctl = h.dev.open('/dev/v3vee');
    const id = ctl.ioctl('create', VM) as number;
    expect(opened).toEqual(['disk.img']);
    ctl.ioctl('free', id);
    expect(disk.closed).toBe(true);
  });

  it('a host without block storage refuses the VM, naming the disk, and keeps no resources', () => {
    const { h } = host(false);
    const ctl = h.dev.open('/dev/v3vee');
    expect(() => ctl.ioctl('create', VM)).toThrow(/devices\[5\]\.options\.path: cannot open the disk: disk\.img: this host has no block storage/);
    expect(h.proc('/proc/v3vee')).toContain('0 MiB in use');
  });
});
