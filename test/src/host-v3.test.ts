// serval host script / serval host v3 through the built CLI: the module's resources in /proc,
// VMs through /dev/v3vee and /dev/v3-vmN, and bad input refused with a stable code, changing
// nothing.
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { tmp } from './tools.js';

describe('serval host v3 and host script', () => {
  it('documents the tools and how a sequence runs in one host', () => {
    const r = serval(['help', 'host']);
    expect(r.status).toBe(0);
    for (const s of ['serval host script FILE|-', 'serval host v3 CMD', 'v3_save VM FILE', 'v3_load VM FILE', 'v3_simulate VM MS', 'v3_move_vcore VM VCPU CORE', 'v3_mem SIZE', 'Each serval invocation boots a fresh host']) {
      expect(r.stdout).toContain(s);
    }
  });

  it('cores go offline and memory leaves the host for the module, a VM takes its share, and all of it comes back', () => {
    const r = serval(['host', 'v3', '--host-cores', '3', '--host-memory', '256M',
      'insmod', 'v3vee', 'cpus=1-2', 'mem=64M', '+', 'cat', '/proc/cpus', '+', 'cat', '/proc/meminfo',
      '+', 'create', 'builtin:demo', '+', 'cat', '/proc/v3vee', '+', 'ls', '/dev',
      '+', 'launch', '0', '+', 'cons', '0', '+', 'wait', '0', '+', 'free', '0', '+', 'cat', '/proc/v3vee', '+', 'rmmod', 'v3vee', '+', 'cat', '/proc/cpus', '+', 'cat', '/proc/meminfo']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('cpu0: online\ncpu1: offline (v3vee)\ncpu2: offline (v3vee)\n');
    expect(r.stdout).toMatch(/MemFree: +180224 kB\nKernel: +16384 kB\nOffline: +65536 kB\n/);
    expect(r.stdout).toContain('cpus: 1,2 (free: 2)\nmemory: 64 MiB reserved in 1 block(s), 32 MiB in use\nblock 0x001000000-0x004ffffff: vm0 32M, free 32M\nvms: 1\nvm0 demo created cpus=1 mem=32M@0x001000000-0x002ffffff\n');
    expect(r.stdout).toContain('/dev/v3-vm0\n/dev/v3vee\n');
    expect(r.stdout).toContain('Serval demo guest kernel');
    expect(r.stdout).toContain('vm0 stopped: guest exit status 0\n');
    expect(r.stdout).toContain('cpus: 1,2 (free: 1,2)\nmemory: 64 MiB reserved in 1 block(s), 0 MiB in use\nblock 0x001000000-0x004ffffff: free 64M\nvms: 0\n');
    expect(r.stdout).toMatch(/cpu0: online\ncpu1: online\ncpu2: online\nMemTotal: +262144 kB\nMemFree: +245760 kB\nKernel: +16384 kB\nOffline: +0 kB\n$/);
  });

  it('bad input gives a clear error with a stable code and changes nothing', () => {
    const dir = tmp();
    const r = serval(['host', 'script', '-'], { cwd: dir, input: [
      'insmod v3vee cpus=1-2 mem=64M',
      'v3_create builtin:demo',
      'cat /proc/v3vee',
      'try insmod v3vee cpus=1',
      'try rmmod v3vee',
      'try v3_free 5',
      'try v3_launch 5',
      'try v3_frobnicate 0',
      'try v3_simulate 0 -3',
      'try v3_move_vcore 0 0 3',
      'try v3_mem 3M',
      'try v3_mem 1G',
      'try v3_create builtin:nothing',
      'cat /proc/v3vee',
      'v3_free 0',
      'rmmod v3vee',
      'try insmod v3vee cpus=7',
      'try insmod v3vee cpus=0',
      'try insmod v3vee mem=513M',
      'try insmod v3vee mem=2G',
      'try insmod v3vee speed=11',
      'cat /proc/cpus',
      'cat /proc/iomem',
      'cat /proc/modules',
    ].join('\n') });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('error '));
    expect(errors).toEqual([
      'error EEXIST: insmod: module v3vee is already loaded',
      'error EBUSY: rmmod: module v3vee is in use: 1 VM(s) exist; free them first',
      'error NO_SUCH_VM: there is no VM with id 5',
      'error ENOENT: /dev/v3-vm5: no such device',
      expect.stringMatching(/^error ENOENT: v3_frobnicate: command not found/),
      'error EINVAL: "-3" is not a whole number of milliseconds from 1 to 3600000',
      'error EINVAL: cpu 3 was not given to the hypervisor module (it has cpus 1,2)',
      'error EINVAL: /dev/v3vee add-memory: 3M must be a multiple of 2M and at least 2M',
      expect.stringMatching(/^error ENOMEM: no 1024 MiB of contiguous memory left for v3vee/),
      'error ENOENT: no built-in guest "builtin:nothing" (there are builtin:demo and builtin:ticker)',
      'error EINVAL: v3vee cpus: cpu 7 does not exist (the host has cpus 0-3)',
      'error EINVAL: v3vee cpus: cpu 0 is the boot cpu and stays with the host',
      'error EINVAL: v3vee mem: 513M must be a multiple of 2M and at least 2M',
      expect.stringMatching(/^error ENOMEM: no 2048 MiB of contiguous memory left for v3vee/),
      'error EINVAL: v3vee: unknown module option "speed" (options: cpus=LIST mem=SIZE)',
    ]);
    // /proc/v3vee is the same before and after the refused operations.
    const status = r.stdout.split('\n').filter((l) => l.startsWith('memory: ') || l.startsWith('cpus: '));
    expect(status).toEqual(['cpus: 1,2 (free: 2)', 'memory: 64 MiB reserved in 1 block(s), 32 MiB in use', 'cpus: 1,2 (free: 2)', 'memory: 64 MiB reserved in 1 block(s), 32 MiB in use']);
    // The refused insmods took nothing from the host.
    expect(r.stdout).toMatch(/cpu0: online\ncpu1: online\ncpu2: online\ncpu3: online\n000000000-000ffffff : Kernel\n$/);
  });

  it('a failing command ends the sequence with status 1, naming the command and its code', () => {
    const r = serval(['host', 'v3', 'create', 'builtin:demo', '+', 'launch', '3', '+', 'echo', 'never']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('vm0 demo: /dev/v3-vm0\n');
    expect(r.stderr).toBe('serval: command:2: v3_launch 3: /dev/v3-vm3: no such device [ENOENT]\n');
    const u = serval(['host', 'v3']);
    expect(u.status).toBe(2);
    expect(u.stderr).toContain('host v3 needs a command');
  });
});
