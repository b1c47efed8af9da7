// The VMM's front door: create VMs from validated configs on whatever host it was given, and find
// or free them later. Hosts expose this through their own interfaces (the LWK's calls, the Linux
// shim's control device).
import { type VmConfig, parseVmConfig } from './config/vm-config.js';
import { HypervisorError } from './errors.js';
import type { HostOS } from './host.js';
import { Vm } from './vm.js';

export class Hypervisor {
  private readonly vms = new Map<number, Vm>();
  private nextId = 0;

  constructor(readonly host: HostOS) {}

  /** Validates `config` (raw JSON-like data or an already parsed config) and creates the VM. */
  createVm(config: unknown): Vm {
    const cfg: VmConfig = parseVmConfig(config);
    for (const v of this.vms.values()) {
      if (v.config.name === cfg.name) throw new HypervisorError('VM_EXISTS', `a VM named "${cfg.name}" already exists (id ${v.id})`);
    }
    const vm = new Vm(this.nextId, cfg, this.host);
    this.vms.set(this.nextId++, vm);
    return vm;
  }

  vm(id: number): Vm {
    const v = this.vms.get(id);
    if (!v) throw new HypervisorError('NO_SUCH_VM', `there is no VM with id ${id}`);
    return v;
  }

  list(): Vm[] {
    return [...this.vms.values()];
  }

  freeVm(id: number): void {
    const v = this.vm(id);
    v.free();
    this.vms.delete(id);
  }
}
