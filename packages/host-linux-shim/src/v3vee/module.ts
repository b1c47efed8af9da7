// The hypervisor as a kernel module ("Palacios in Linux"): loading it takes cores offline and
// contiguous memory out of the host's allocator; /dev/v3vee creates VMs and grows the module's
// pool (v3_mem), /dev/v3-vmN controls each VM. A VM's cores and memory return to the pool when it
// is freed, the pool returns to the host on rmmod, and rmmod refuses while VMs exist.
import { Hypervisor, type Vm } from '@serval/hypervisor';
import type { DeviceFile } from '../devfs.js';
import { ShimError } from '../errors.js';
import type { LinuxHost } from '../host.js';
import type { KernelModule, ModuleInstance } from '../module.js';
import { ModuleHostOS, range } from './hostos.js';
import { intArg, parseCpuList, parseModuleOptions, parseSize } from './options.js';
import { vmFile, vmPath } from './vm-file.js';

const MB = 1024 * 1024;

export const CONTROL_OPS = ['create', 'free', 'list', 'add-memory', 'add-cpus'] as const;

export interface V3veeOptions {
  /** Forward VM consoles to the host's terminal from the start (otherwise they buffer until attached). */
  forwardConsoles?: boolean;
}

export function v3veeModule(opts: V3veeOptions = {}): KernelModule {
  return {
    name: 'v3vee',
    init(host: LinuxHost, options: Record<string, string>): ModuleInstance {
      const o = parseModuleOptions(options);
      for (const c of o.cpus) host.checkOffline(c, 'v3vee cpus');
      // All checks pass before anything changes: a failed insmod leaves the host as it was.
      const pool = new ModuleHostOS(host, opts.forwardConsoles ?? false);
      const first = host.memory.allocContiguous(o.mem, 2 * MB, 'v3vee');
      pool.addBlock(first.start, first.size);
      for (const c of o.cpus) { host.offlineCore(c, 'v3vee'); pool.addCore(c); }
      const hv = new Hypervisor(pool);

      const addMemory = (arg: unknown) => {
        const size = parseSize(arg, '/dev/v3vee add-memory');
        const b = host.memory.allocContiguous(size, 2 * MB, 'v3vee');
        pool.addBlock(b.start, b.size);
        return { start: b.start, size: b.size };
      };
      const addCpus = (arg: unknown) => {
        const list = parseCpuList(String(arg ?? ''), '/dev/v3vee add-cpus');
        for (const c of list) host.checkOffline(c, '/dev/v3vee add-cpus');
        for (const c of list) { host.offlineCore(c, 'v3vee'); pool.addCore(c); }
        return list;
      };
      const create = (config: unknown): number => {
        pool.claimant = 'creating';
        const vm = hv.createVm(config);
        pool.rename('creating', `vm${vm.id}`);
        host.dev.register(vmPath(vm), vmFile(vm, host, pool));
        return vm.id;
      };
      const free = (arg: unknown): number => {
        const vm = hv.vm(intArg(arg, '/dev/v3vee free', 0, 2 ** 31));
        hv.freeVm(vm.id);
        host.dev.unregister(vmPath(vm));
        return 0;
      };
      const control: DeviceFile = {
        ioctl(op: string, arg?: unknown): unknown {
          switch (op) {
            case 'create': return create(arg);
            case 'free': return free(arg);
            case 'list': return hv.list().map((v) => ({ id: v.id, name: v.config.name, state: v.state }));
            case 'add-memory': return addMemory(arg);
            case 'add-cpus': return addCpus(arg);
            default: throw new ShimError('ENOTTY', `/dev/v3vee: unknown operation "${op}" (${CONTROL_OPS.join(', ')})`, 25);
          }
        },
      };
      host.dev.register('/dev/v3vee', control);

      const vmLine = (v: Vm) => {
        const mem = pool.extentsOf(`vm${v.id}`).map((e) => `${Math.floor(e.size / MB)}M@${range(e.start, e.size)}`).join(' ');
        return `vm${v.id} ${v.config.name} ${v.state} cpus=${v.vcpus.map((x) => x.core.id).join(',')} mem=${mem || 'none'}`;
      };
      return {
        busy: () => (hv.list().length ? `${hv.list().length} VM(s) exist; free them first` : undefined),
        exit() {
          host.dev.unregister('/dev/v3vee');
          for (const c of pool.poolCores) host.onlineCore(c);
          for (const b of pool.poolBlocks) host.memory.release(b.start);
        },
        status: () => {
          const free = pool.freeCores();
          return [
            `cpus: ${pool.poolCores.join(',') || 'none'} (free: ${free.join(',') || 'none'})`,
            `memory: ${Math.floor(pool.memoryReserved / MB)} MiB reserved in ${pool.poolBlocks.length} block(s), ${Math.floor(pool.memoryInUse / MB)} MiB in use`,
            ...pool.describeBlocks(),
            `vms: ${hv.list().length}`,
            ...hv.list().map(vmLine),
          ];
        },
      };
    },
  };
}
