// The hypervisor as a kernel module ("Palacios in Linux"): loading it takes cores offline and
// reserves contiguous memory for VMs; /dev/v3vee creates VMs and /dev/v3-vmN controls each one.
import { Hypervisor, type Vm } from '@serval/hypervisor';
import { ShimError } from '../errors.js';
import type { LinuxHost } from '../host.js';
import type { KernelModule, ModuleInstance } from '../module.js';
import { ModuleHostOS } from './hostos.js';

const MB = 1024 * 1024;

function parseCpuList(s: string, what: string): number[] {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new ShimError('EINVAL', `${what}: "${s}" is not a cpu list (try cpus=1-3 or cpus=1,2)`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new ShimError('EINVAL', `${what}: range ${part} is backwards`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

function parseSize(s: string, what: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(s.trim());
  if (!m) throw new ShimError('EINVAL', `${what}: "${s}" is not a size (try mem=128M)`);
  const n = Number(m[1]) * ({ '': 1, k: 1024, m: MB, g: 1024 * MB } as Record<string, number>)[m[2].toLowerCase()];
  if (n < 2 * MB || n % (2 * MB)) throw new ShimError('EINVAL', `${what}: ${s} must be a multiple of 2M and at least 2M`);
  return n;
}

export interface V3veeOptions {
  /** Forward VM consoles to the host's terminal as well as buffering them. */
  forwardConsoles?: boolean;
}

export function v3veeModule(opts: V3veeOptions = {}): KernelModule {
  return {
    name: 'v3vee',
    init(host: LinuxHost, options: Record<string, string>): ModuleInstance {
      for (const k of Object.keys(options)) {
        if (k !== 'cpus' && k !== 'mem') throw new ShimError('EINVAL', `v3vee: unknown module option "${k}" (options: cpus=LIST mem=SIZE)`);
      }
      const cpus = parseCpuList(options.cpus ?? '1', 'v3vee cpus');
      const mem = parseSize(options.mem ?? '128M', 'v3vee mem');
      for (const c of cpus) {
        if (c >= host.node.cores.length) throw new ShimError('EINVAL', `v3vee cpus: cpu ${c} does not exist (the host has cpus 0-${host.node.cores.length - 1})`);
        if (c === 0) throw new ShimError('EINVAL', 'v3vee cpus: cpu 0 is the boot cpu and stays with the host');
      }
      // All checks pass before anything changes: a failed insmod leaves the host as it was.
      const block = host.memory.allocContiguous(mem, 2 * MB, 'v3vee');
      const taken: number[] = [];
      try {
        for (const c of cpus) { host.offlineCore(c, 'v3vee'); taken.push(c); }
      } catch (e) {
        for (const c of taken) host.onlineCore(c);
        host.memory.release(block.start);
        throw e;
      }
      const hostOS = new ModuleHostOS(host, cpus, block.start, mem, opts.forwardConsoles ?? false);
      const hv = new Hypervisor(hostOS);
      const vmPath = (vm: Vm) => `/dev/v3-vm${vm.id}`;
      const vmFile = (vm: Vm) => ({
        ioctl(op: string): unknown {
          switch (op) {
            case 'launch': vm.launch(); return 0;
            case 'stop': vm.stop(); return 0;
            case 'pause': vm.pause(); return 0;
            case 'continue': vm.resume(); return 0;
            case 'state': return vm.state;
            case 'inspect': return { id: vm.id, name: vm.config.name, state: vm.state, stopReason: vm.stopReason, instructions: vm.instructions, exits: Object.fromEntries(vm.exitCounts) };
            default: throw new ShimError('ENOTTY', `${vmPath(vm)}: unknown operation "${op}" (launch, stop, pause, continue, state, inspect)`, 25);
          }
        },
        read(): Uint8Array {
          const out: Uint8Array[] = [];
          for (const [name, c] of hostOS.consoles) if (name.startsWith(`${vm.config.name}.`)) out.push(c.drain());
          return Uint8Array.from(out.flatMap((b) => [...b]));
        },
        write(bytes: Uint8Array): void {
          for (const [name, c] of hostOS.consoles) if (name.startsWith(`${vm.config.name}.`)) c.type(bytes);
        },
      });
      host.dev.register('/dev/v3vee', {
        ioctl(op: string, arg?: unknown): unknown {
          switch (op) {
            case 'create': {
              const vm = hv.createVm(arg);
              host.dev.register(vmPath(vm), vmFile(vm));
              return vm.id;
            }
            case 'free': {
              const id = Number(arg);
              const vm = hv.vm(id);
              hv.freeVm(id);
              host.dev.unregister(vmPath(vm));
              return 0;
            }
            case 'list': return hv.list().map((v) => ({ id: v.id, name: v.config.name, state: v.state }));
            default: throw new ShimError('ENOTTY', `/dev/v3vee: unknown operation "${op}" (create, free, list)`, 25);
          }
        },
      });
      return {
        busy: () => (hv.list().length ? `${hv.list().length} VM(s) exist; free them first` : undefined),
        exit() {
          host.dev.unregister('/dev/v3vee');
          for (const c of cpus) host.onlineCore(c);
          host.memory.release(block.start);
        },
        status: () => [
          `cpus: ${cpus.join(',')}`,
          `memory: ${Math.floor(mem / 1048576)} MiB reserved, ${Math.floor(hostOS.memoryInUse / 1048576)} MiB in use`,
          ...hv.list().map((v) => `vm${v.id} ${v.config.name} ${v.state}`),
        ],
      };
    },
  };
}
