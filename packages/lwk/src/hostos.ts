// The LWK as a host for the hypervisor (Palacios on Kitten): VMs get whole cores and physically
// contiguous memory straight from the kernel's own allocators.
import { type BlockStorage, type ConsoleStream, type CoreLease, HostNetworks, type HostNetworksOptions, type HostOS, type LogLevel, type MemoryBlock, type NetPort } from '@serval/hypervisor';
import type { VirtualClock } from '@serval/machine';
import type { PhysicalMemory } from '@serval/x86';
import { LwkError } from './errors.js';
import type { HostIo } from './host-io.js';
import type { Lwk } from './kernel.js';
import type { PmemRegion } from './mm/pmem.js';

export class LwkHost implements HostOS {
  readonly name = 'serval-lwk';
  private readonly blocks = new Map<number, PmemRegion>();
  private readonly consoles = new Map<string, ConsoleStream>();
  /** The VMs' networks: a switch per name on the node's clock. */
  private networks: HostNetworks | undefined;

  /**
   * `input`: bytes for the first console that listens (a VM's serial line), as when stdin is a
   * file or a pipe. `net`: uplinks and NATs of the host networks.
   */
  constructor(
    private readonly lwk: Lwk, private readonly io: HostIo, private readonly logFn: (level: LogLevel, msg: string) => void, private input?: Uint8Array,
    private readonly net: HostNetworksOptions = {},
  ) {}

  get memory(): PhysicalMemory { return this.lwk.node.memory; }
  get clock(): VirtualClock { return this.lwk.node.clock; }

  acquireCores(count: number, ids?: number[]): CoreLease[] {
    const node = this.lwk.node;
    const free = node.cores.filter((c) => !c.owner);
    const chosen = ids ? ids.map((i) => node.core(i)) : free.slice(0, count);
    if (ids) {
      const busy = chosen.find((c) => c.owner);
      if (busy) throw new LwkError('CORE_BUSY', `core ${busy.id} is in use by ${busy.owner}`);
    }
    if (chosen.length < count) throw new LwkError('NO_FREE_CORE', `${count} cores wanted, ${free.length} free`);
    return chosen.map((core) => {
      core.owner = 'hypervisor';
      return { core, release: () => { core.owner = undefined; core.driver = undefined; } };
    });
  }

  allocateMemory(size: number, align = 2 * 1024 * 1024): MemoryBlock {
    const r = this.lwk.pmem.alloc(size, 'vm', 'hypervisor', align);
    this.blocks.set(r.start, r);
    return { hpa: r.start, size: r.size };
  }

  freeMemory(block: MemoryBlock): void {
    const r = this.blocks.get(block.hpa);
    if (!r) throw new LwkError('NOT_ALLOCATED', `memory block 0x${block.hpa.toString(16)} was not allocated to the hypervisor`);
    this.blocks.delete(block.hpa);
    this.lwk.pmem.freeRegion(r);
  }

  console(name: string): ConsoleStream {
    let c = this.consoles.get(name);
    if (!c) {
      const io = this.io;
      c = {
        write: (bytes) => io.write(1, bytes),
        onInput: (fn) => { if (this.input?.length) { const b = this.input; this.input = undefined; fn(b); } },
      };
      this.consoles.set(name, c);
    }
    return c;
  }

  readFile(path: string): Uint8Array {
    return this.io.readFile(path);
  }

  openDisk(path: string, options: { readonly: boolean }): BlockStorage {
    if (!this.io.openDisk) throw new LwkError('NO_DISKS', `${path}: this LWK's host gives it no files to use as disks`);
    return this.io.openDisk(path, options.readonly);
  }

  /** Checkpoints go to the host's files, when its I/O has them. */
  writeFile(path: string, bytes: Uint8Array): void {
    if (!this.io.writeFile) throw new LwkError('NO_HOST_FILES', `the LWK's host cannot write files, so ${path} cannot be written`);
    this.io.writeFile(path, bytes);
  }

  log(level: LogLevel, msg: string): void {
    this.logFn(level, msg);
  }

  netPort(network: string, name: string): NetPort {
    this.networks ??= new HostNetworks(this.lwk.node.clock, this.net);
    return this.networks.port(network, name);
  }
}
