// /dev/v3-vmN: one VM's control file, with Palacios's per-VM operations. Guest time only moves
// while the host runs; `simulate` runs it for the VM (v3_simulate: N ms of guest time, then pause).
import type { Vm } from '@serval/hypervisor';
import type { DeviceFile } from '../devfs.js';
import { ShimError } from '../errors.js';
import type { LinuxHost } from '../host.js';
import type { ModuleHostOS } from './hostos.js';
import { intArg, strArg } from './options.js';

export const VM_OPS = ['launch', 'stop', 'pause', 'continue', 'state', 'inspect', 'console', 'save', 'load', 'simulate', 'move-core'] as const;

export interface VmInfo {
  id: number;
  name: string;
  state: string;
  stopReason: Vm['stopReason'];
  instructions: number;
  /** The VM's own virtual time in ns. */
  timeNs: number;
  exits: Record<string, number>;
  vcpus: { index: number; hostCore: number; rip: number; halted: boolean }[];
  memory: { start: number; size: number }[];
}

export function vmPath(vm: Vm): string {
  return `/dev/v3-vm${vm.id}`;
}

export function inspect(vm: Vm, pool: ModuleHostOS): VmInfo {
  return {
    id: vm.id, name: vm.config.name, state: vm.state, stopReason: vm.stopReason, instructions: vm.instructions,
    timeNs: vm.clock.now, exits: Object.fromEntries(vm.exitCounts),
    vcpus: vm.vcpus.map((v) => ({ index: v.index, hostCore: v.core.id, rip: v.core.cpu.state.rip, halted: v.halted })),
    memory: pool.extentsOf(`vm${vm.id}`),
  };
}

export function vmFile(vm: Vm, host: LinuxHost, pool: ModuleHostOS): DeviceFile {
  const path = vmPath(vm);
  const consoles = () => [...pool.consoles].filter(([name]) => name.startsWith(`${vm.config.name}.`)).map(([, c]) => c);
  const read = (): Uint8Array => {
    const parts = consoles().map((c) => c.drain());
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  return {
    ioctl(op: string, arg?: unknown): unknown {
      switch (op) {
        case 'launch': vm.launch(); return 0;
        case 'stop': vm.stop(); return 0;
        case 'pause': vm.pause(); return 0;
        case 'continue': vm.resume(); return 0;
        case 'state': return vm.state;
        case 'inspect': return inspect(vm, pool);
        case 'console': {
          // v3_cons: attach a terminal (what was buffered first), or drain the buffer as text.
          if (typeof arg === 'function') { for (const c of consoles()) c.attach(arg as (b: Uint8Array) => void); return 0; }
          return new TextDecoder().decode(read());
        }
        case 'save': return vm.save(strArg(arg, `${path} save`));
        case 'load': vm.load(strArg(arg, `${path} load`)); return 0;
        case 'simulate': {
          const ms = intArg(arg, `${path} simulate`, 1, 3_600_000);
          if (vm.state === 'created') vm.launch();
          else if (vm.state === 'paused') vm.resume();
          else if (vm.state !== 'running') throw new ShimError('EINVAL', `${path} simulate: VM "${vm.config.name}" is ${vm.state}`);
          const target = vm.clock.now + ms * 1e6;
          // Stops at the first scheduling boundary at or after the target, so a save there
          // resumes exactly as an uninterrupted run would have gone on.
          const outcome = host.run({ stop: () => vm.state !== 'running' || vm.clock.now >= target });
          if (vm.state === 'running') vm.pause();
          return { state: vm.state, timeNs: vm.clock.now, outcome: outcome.kind };
        }
        case 'move-core': {
          const a = (arg ?? {}) as { vcpu?: unknown; core?: unknown };
          const vcpu = intArg(a.vcpu, `${path} move-core vcpu`, 0, vm.vcpus.length - 1);
          const core = intArg(a.core, `${path} move-core core`, 0, host.node.cores.length - 1);
          pool.claimant = `vm${vm.id}`;
          vm.moveVcpu(vcpu, core);
          return 0;
        }
        default: throw new ShimError('ENOTTY', `${path}: unknown operation "${op}" (${VM_OPS.join(', ')})`, 25);
      }
    },
    read,
    write(bytes: Uint8Array): void {
      for (const c of consoles()) c.type(bytes);
    },
  };
}
