// VMCALL hypercalls: a registry from number to handler, as Palacios's hypercall map. The guest
// puts the number in RAX and up to four arguments in RBX, RCX, RDX and RSI (KVM's order); the
// handler's result goes back in RAX, negative errno values for errors. An unregistered number
// returns -ENOSYS, so a guest can probe for a service without being killed for it.
import { HypervisorError } from '../errors.js';

export const ENOSYS = 38;

/** What a handler sees: the arguments and the VM's guest-physical memory. */
export interface HypercallContext {
  /** The calling vCPU's index. */
  readonly vcpu: number;
  /** RBX, RCX, RDX, RSI as unsigned numbers (exact below 2^53). */
  readonly args: readonly [number, number, number, number];
}

export type HypercallHandler = (ctx: HypercallContext) => number;

interface Entry {
  readonly name: string;
  readonly handler: HypercallHandler;
  calls: number;
}

export class HypercallRegistry {
  private readonly table = new Map<number, Entry>();
  /** Numbers the guest called that nothing answers, with how often (telemetry). */
  readonly unknown = new Map<number, number>();

  register(nr: number, name: string, handler: HypercallHandler): void {
    if (!Number.isInteger(nr) || nr < 0 || nr > 0xffffffff) {
      throw new HypervisorError('BAD_HYPERCALL', `hypercall number ${nr} for "${name}" is not a 32-bit unsigned integer`);
    }
    const old = this.table.get(nr);
    if (old) throw new HypervisorError('HYPERCALL_TAKEN', `hypercall 0x${nr.toString(16)} is already "${old.name}"; "${name}" needs another number`);
    this.table.set(nr, { name, handler, calls: 0 });
  }

  unregister(nr: number): void {
    this.table.delete(nr);
  }

  /** Runs hypercall `nr`; its RAX result. */
  dispatch(nr: number, ctx: HypercallContext): number {
    const e = this.table.get(nr);
    if (!e) {
      this.unknown.set(nr, (this.unknown.get(nr) ?? 0) + 1);
      return -ENOSYS;
    }
    e.calls++;
    return e.handler(ctx);
  }

  /** Registered hypercalls by number, with their call counts. */
  list(): { nr: number; name: string; calls: number }[] {
    return [...this.table].sort((a, b) => a[0] - b[0]).map(([nr, e]) => ({ nr, name: e.name, calls: e.calls }));
  }
}
