import { describe, expect, it } from 'vitest';
import { LinuxHost } from './host.js';
import { ShimError } from './errors.js';
import { MB, testHost } from './testing.js';

describe('the Linux-like host', () => {
  it('boots with its cores online and its memory free but for the kernel\'s 16 MiB', () => {
    const { host } = testHost({ cores: 3, memory: 256 * MB });
    expect(host.online).toEqual([0, 1, 2]);
    expect(host.proc('/proc/cpus')).toBe('cpu0: online\ncpu1: online\ncpu2: online\n');
    expect(host.proc('/proc/meminfo')).toMatch(/MemTotal: +262144 kB\nMemFree: +245760 kB\nKernel: +16384 kB\nOffline: +0 kB\n/);
    expect(host.proc('/proc/iomem')).toBe('000000000-000ffffff : Kernel\n');
    expect(host.proc('/proc/modules')).toBe('');
    expect(host.procFiles()).toEqual(['/proc/cpus', '/proc/iomem', '/proc/meminfo', '/proc/modules']);
    expect(host.dev.list()).toEqual([]);
  });

  it('refuses impossible machines and unknown files with clear errors', () => {
    const rf = () => new Uint8Array();
    expect(() => new LinuxHost({ cores: 0, memory: 256 * MB, readFile: rf })).toThrow('a host has 1 to 256 cores, not 0');
    expect(() => new LinuxHost({ cores: 2, memory: 3 * MB, readFile: rf })).toThrow('host memory must be a multiple of 2 MiB and at least 64 MiB');
    const { host } = testHost();
    expect(() => host.proc('/proc/nothing')).toThrow(/\/proc\/nothing: no such file \(there are/);
    expect(() => host.dev.open('/dev/v3vee')).toThrow(expect.objectContaining({ code: 'ENOENT', errno: 2 }));
    expect(() => host.rmmod('v3vee')).toThrow('rmmod: module v3vee is not loaded');
  });

  it('takes cores offline only if they exist, are not the boot cpu and are online', () => {
    const { host } = testHost({ cores: 3 });
    const err = (f: () => void) => { try { f(); } catch (e) { return `${(e as ShimError).code}: ${(e as Error).message}`; } return 'no error'; };
    expect(err(() => host.offlineCore(5, 'x'))).toBe('EINVAL: cpu: cpu 5 does not exist (the host has cpus 0-2)');
    expect(err(() => host.offlineCore(0, 'x'))).toBe('EINVAL: cpu: cpu 0 is the boot cpu and stays with the host');
    host.offlineCore(2, 'x');
    expect(err(() => host.offlineCore(2, 'y'))).toBe('EBUSY: cpu: cpu 2 is already offline (owned by x)');
    expect(host.proc('/proc/cpus')).toContain('cpu2: offline (x)');
    host.onlineCore(2);
    expect(host.online).toEqual([0, 1, 2]);
  });

  it('a host without storage cannot write files', () => {
    const h = new LinuxHost({ cores: 2, memory: 128 * MB, readFile: () => new Uint8Array() });
    expect(() => h.writeFile('/x', new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'EROFS', message: '/x: this host has no writable storage' }));
  });
});
