import { describe, expect, it } from 'vitest';
import { DEMO_VM, MB, testHost } from '../testing.js';
import { v3veeModule } from './module.js';
import type { VmInfo } from './vm-file.js';

function codeOf(f: () => unknown): string {
  try { f(); } catch (e) { return (e as { code: string }).code; }
  return 'no error';
}

describe('the v3vee module: resources', () => {
  it('takes the cores offline and the memory out of the host allocator, shows them in /proc, and returns them on rmmod', () => {
    const { host } = testHost();
    const free0 = host.memory.freeBytes;
    host.insmod(v3veeModule(), { cpus: '2-3', mem: '64M' });
    expect(host.online).toEqual([0, 1]);
    expect(host.proc('/proc/cpus')).toBe('cpu0: online\ncpu1: online\ncpu2: offline (v3vee)\ncpu3: offline (v3vee)\n');
    expect(host.memory.freeBytes).toBe(free0 - 64 * MB);
    expect(host.proc('/proc/meminfo')).toMatch(/Offline: +65536 kB/);
    expect(host.proc('/proc/iomem')).toBe('000000000-000ffffff : Kernel\n001000000-004ffffff : offline (v3vee)\n');
    expect(host.proc('/proc/modules')).toBe('v3vee cpus=2-3 mem=64M\n');
    expect(host.proc('/proc/v3vee')).toBe('cpus: 2,3 (free: 2,3)\nmemory: 64 MiB reserved in 1 block(s), 0 MiB in use\nblock 0x001000000-0x004ffffff: free 64M\nvms: 0\n');
    expect(host.dev.list()).toEqual(['/dev/v3vee']);
    host.rmmod('v3vee');
    expect(host.online).toEqual([0, 1, 2, 3]);
    expect(host.memory.freeBytes).toBe(free0);
    expect(host.proc('/proc/iomem')).toBe('000000000-000ffffff : Kernel\n');
    expect(host.dev.list()).toEqual([]);
  });

  it('hands a VM cores and a contiguous block from its pool and takes them back when the VM is freed', () => {
    const { host } = testHost();
    host.insmod(v3veeModule(), { cpus: '1-3', mem: '64M' });
    const ctl = host.dev.open('/dev/v3vee');
    const a = ctl.ioctl('create', { ...DEMO_VM, name: 'a', cores: [{}, {}] }) as number;
    const b = ctl.ioctl('create', { ...DEMO_VM, name: 'b', memory: '16M' }) as number;
    expect(host.proc('/proc/v3vee')).toBe([
      'cpus: 1,2,3 (free: none)',
      'memory: 64 MiB reserved in 1 block(s), 48 MiB in use',
      'block 0x001000000-0x004ffffff: vm0 32M, vm1 16M, free 16M',
      'vms: 2',
      'vm0 a created cpus=1,2 mem=32M@0x001000000-0x002ffffff',
      'vm1 b created cpus=3 mem=16M@0x003000000-0x003ffffff',
      '',
    ].join('\n'));
    expect((host.dev.open('/dev/v3-vm0').ioctl('inspect') as VmInfo).memory).toEqual([{ start: 0x1000000, size: 32 * MB }]);
    // Every core is in use: a third VM is refused and nothing changes.
    expect(() => ctl.ioctl('create', { ...DEMO_VM, name: 'c', memory: '2M' })).toThrow('the hypervisor module has cpus [] free; 1 wanted');
    ctl.ioctl('free', a);
    expect(host.proc('/proc/v3vee')).toContain('cpus: 1,2,3 (free: 1,2)\nmemory: 64 MiB reserved in 1 block(s), 16 MiB in use\nblock 0x001000000-0x004ffffff: free 32M, vm1 16M, free 16M\n');
    ctl.ioctl('free', b);
    expect(host.proc('/proc/v3vee')).toContain('(free: 1,2,3)\nmemory: 64 MiB reserved in 1 block(s), 0 MiB in use\nblock 0x001000000-0x004ffffff: free 64M\n');
    // Host cores stay offline while the module holds them.
    expect(host.online).toEqual([0]);
  });

  it('grows its pool with more memory blocks and cores from the host (v3_mem), all returned on rmmod', () => {
    const { host } = testHost({ cores: 4, memory: 256 * MB });
    const free0 = host.memory.freeBytes;
    host.insmod(v3veeModule(), { cpus: '1', mem: '32M' });
    const ctl = host.dev.open('/dev/v3vee');
    expect(() => ctl.ioctl('create', { ...DEMO_VM, memory: '64M' })).toThrow("the hypervisor module's memory has no free 64 MiB block (largest free: 32 MiB; add memory with v3_mem)");
    expect(ctl.ioctl('add-memory', '64M')).toEqual({ start: 0x3000000, size: 64 * MB });
    expect(ctl.ioctl('add-cpus', '2-3')).toEqual([2, 3]);
    expect(host.online).toEqual([0]);
    expect(host.proc('/proc/meminfo')).toMatch(/Offline: +98304 kB/);
    const id = ctl.ioctl('create', { ...DEMO_VM, memory: '64M', cores: [{ hostCore: 3 }] }) as number;
    expect(host.proc('/proc/v3vee')).toContain(`vm${id} g created cpus=3 mem=64M@0x003000000-0x006ffffff`);
    ctl.ioctl('free', id);
    host.rmmod('v3vee');
    expect(host.memory.freeBytes).toBe(free0);
    expect(host.online).toEqual([0, 1, 2, 3]);
  });

  it('refuses to unload while VMs exist', () => {
    const { host } = testHost();
    host.insmod(v3veeModule(), { cpus: '1', mem: '64M' });
    host.dev.open('/dev/v3vee').ioctl('create', DEMO_VM);
    expect(() => host.rmmod('v3vee')).toThrow(expect.objectContaining({ code: 'EBUSY', message: 'rmmod: module v3vee is in use: 1 VM(s) exist; free them first' }));
    expect(host.loaded('v3vee')).toBe(true);
    expect(host.dev.list()).toEqual(['/dev/v3-vm0', '/dev/v3vee']);
    host.dev.open('/dev/v3vee').ioctl('free', 0);
    expect(host.dev.list()).toEqual(['/dev/v3vee']);
    host.rmmod('v3vee');
  });

  it('rejects bad module options with a stable code and leaves the host unchanged', () => {
    const { host } = testHost();
    const before = [host.memory.freeBytes, host.proc('/proc/cpus'), host.proc('/proc/iomem'), host.dev.list().join()];
    const cases: [Record<string, string>, string, string][] = [
      [{ cpus: '9' }, 'EINVAL', 'v3vee cpus: cpu 9 does not exist (the host has cpus 0-3)'],
      [{ cpus: '1,9' }, 'EINVAL', 'v3vee cpus: cpu 9 does not exist'],
      [{ cpus: '0' }, 'EINVAL', 'v3vee cpus: cpu 0 is the boot cpu and stays with the host'],
      [{ cpus: 'x' }, 'EINVAL', 'v3vee cpus: "x" is not a cpu list'],
      [{ cpus: '3-1' }, 'EINVAL', 'range 3-1 is backwards'],
      [{ cpus: '1,1' }, 'EINVAL', 'cpu 1 is listed twice'],
      [{ mem: '3M' }, 'EINVAL', 'v3vee mem: 3M must be a multiple of 2M and at least 2M'],
      [{ mem: 'lots' }, 'EINVAL', 'v3vee mem: "lots" is not a size'],
      [{ mem: '4G' }, 'ENOMEM', 'no 4096 MiB of contiguous memory left for v3vee'],
      [{ colour: 'blue' }, 'EINVAL', 'v3vee: unknown module option "colour" (options: cpus=LIST mem=SIZE)'],
    ];
    for (const [opts, code, msg] of cases) {
      expect(() => host.insmod(v3veeModule(), opts)).toThrow(msg);
      expect(codeOf(() => host.insmod(v3veeModule(), opts))).toBe(code);
      expect([host.memory.freeBytes, host.proc('/proc/cpus'), host.proc('/proc/iomem'), host.dev.list().join()]).toEqual(before);
      expect(host.loaded('v3vee')).toBe(false);
    }
    // A core some other owner holds is busy, and the module takes nothing.
    host.offlineCore(2, 'other');
    expect(codeOf(() => host.insmod(v3veeModule(), { cpus: '1-2' }))).toBe('EBUSY');
    expect(host.online).toEqual([0, 1, 3]);
    expect(host.memory.freeBytes).toBe(before[0]);
  });
});

describe('the v3vee module: control interface', () => {
  it('boots a VM through /dev/v3vee and /dev/v3-vm0, with its console readable from the device', () => {
    const { host } = testHost();
    host.insmod(v3veeModule(), { cpus: '1', mem: '64M' });
    const id = host.dev.open('/dev/v3vee').ioctl('create', DEMO_VM) as number;
    expect(id).toBe(0);
    const vm = host.dev.open('/dev/v3-vm0');
    expect(vm.ioctl('state')).toBe('created');
    vm.ioctl('launch');
    host.run(() => vm.ioctl('state') !== 'running');
    const out = vm.ioctl('console') as string;
    expect(out).toContain('Serval demo guest kernel');
    expect(out).toContain('memory: 32 MiB');
    expect(vm.ioctl('console')).toBe('');
    expect(vm.ioctl('inspect')).toMatchObject({ state: 'stopped', stopReason: { kind: 'guest-exit', status: 0 }, vcpus: [{ index: 0, hostCore: 1 }] });
    expect(host.proc('/proc/v3vee')).toContain('vm0 g stopped cpus=1');
  });

  it('pause, continue, simulate and stop drive the VM; save and load go through host files', () => {
    const { host, files } = testHost();
    host.insmod(v3veeModule(), { cpus: '1-2', mem: '64M' });
    host.dev.open('/dev/v3vee').ioctl('create', { name: 't', memory: '16M', kernel: { path: 'builtin:ticker' }, devices: [{ id: 'pic', class: 'pic8259' }, { id: 'pit', class: 'pit8254' }, { id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }] });
    const vm = host.dev.open('/dev/v3-vm0');
    // simulate launches a created VM, runs 1 ms of its time and pauses it.
    expect(vm.ioctl('simulate', 1)).toMatchObject({ state: 'paused' });
    const i1 = vm.ioctl('inspect') as VmInfo;
    expect(i1.timeNs).toBeGreaterThanOrEqual(1e6);
    expect(i1.timeNs).toBeLessThan(2e6);
    host.run({ untilNs: host.node.clock.now + 1e6 });
    expect((vm.ioctl('inspect') as VmInfo).instructions).toBe(i1.instructions);
    vm.ioctl('continue');
    expect(vm.ioctl('state')).toBe('running');
    vm.ioctl('pause');
    expect(vm.ioctl('save', 'a.ckpt')).toBe(files.get('a.ckpt')!.length);
    vm.ioctl('move-core', { vcpu: 0, core: 2 });
    expect((vm.ioctl('inspect') as VmInfo).vcpus[0].hostCore).toBe(2);
    expect(host.proc('/proc/v3vee')).toContain('cpus: 1,2 (free: 1)');
    vm.ioctl('stop');
    vm.ioctl('load', 'a.ckpt');
    expect(vm.ioctl('state')).toBe('paused');
    vm.ioctl('continue');
    host.run(() => vm.ioctl('state') !== 'running');
    expect(vm.ioctl('inspect')).toMatchObject({ state: 'stopped', stopReason: { kind: 'guest-exit', status: 0 } });
    expect(vm.ioctl('console')).toMatch(/ticker done hash=/);
  });

  it('answers unknown operations, unknown VMs and bad arguments with clear errors and changes nothing', () => {
    const { host, files } = testHost();
    host.insmod(v3veeModule(), { cpus: '1', mem: '64M' });
    const ctl = host.dev.open('/dev/v3vee');
    const status0 = host.proc('/proc/v3vee');
    expect(() => ctl.ioctl('explode')).toThrow('/dev/v3vee: unknown operation "explode" (create, free, list, add-memory, add-cpus)');
    expect(codeOf(() => ctl.ioctl('explode'))).toBe('ENOTTY');
    expect(() => ctl.ioctl('free', 7)).toThrow('there is no VM with id 7');
    expect(codeOf(() => ctl.ioctl('free', 7))).toBe('NO_SUCH_VM');
    expect(codeOf(() => ctl.ioctl('free', -1))).toBe('EINVAL');
    expect(codeOf(() => host.dev.open('/dev/v3-vm3'))).toBe('ENOENT');
    expect(codeOf(() => ctl.ioctl('create', { ...DEMO_VM, memory: '128M' }))).toBe('ENOMEM');
    expect(codeOf(() => ctl.ioctl('create', { ...DEMO_VM, memroy: '1G' }))).toBe('BAD_CONFIG');
    expect(codeOf(() => ctl.ioctl('add-memory', '1T'))).toBe('EINVAL');
    expect(codeOf(() => ctl.ioctl('add-memory', '4G'))).toBe('ENOMEM');
    expect(codeOf(() => ctl.ioctl('add-cpus', '0'))).toBe('EINVAL');
    expect(codeOf(() => ctl.ioctl('add-cpus', '1'))).toBe('EBUSY');
    expect(host.proc('/proc/v3vee')).toBe(status0);
    ctl.ioctl('create', DEMO_VM);
    const vm = host.dev.open('/dev/v3-vm0');
    expect(() => vm.ioctl('fly')).toThrow('/dev/v3-vm0: unknown operation "fly" (launch, stop, pause, continue, state, inspect, console, save, load, simulate, move-core)');
    expect(codeOf(() => vm.ioctl('pause'))).toBe('BAD_VM_STATE');
    expect(codeOf(() => vm.ioctl('simulate', 0))).toBe('EINVAL');
    expect(codeOf(() => vm.ioctl('move-core', { vcpu: 0, core: 3 }))).toBe('EINVAL');
    expect(codeOf(() => vm.ioctl('move-core', { vcpu: 1, core: 1 }))).toBe('EINVAL');
    expect(codeOf(() => vm.ioctl('load', 'missing.ckpt'))).not.toBe('no error');
    files.set('junk.ckpt', new TextEncoder().encode('SERVALVM'));
    expect(codeOf(() => vm.ioctl('load', 'junk.ckpt'))).toBe('CKPT_TRUNCATED');
    expect(codeOf(() => vm.ioctl('save', ''))).toBe('EINVAL');
    expect(vm.ioctl('state')).toBe('created');
  });
});
