// The HostOS the hypervisor module hands to its VMM: the cores it took offline and the memory
// blocks it took from the host's allocator, and the host's services (consoles, files, logging).
// Cores and memory given to a VM come back to this pool when the VM is freed; rmmod returns the
// pool to the host.
import type { BlockStorage, ConsoleStream, CoreLease, HostOS, LogLevel, MemoryBlock, NetPort } from '@serval/hypervisor';
import type { VirtualClock } from '@serval/machine';
import type { PhysicalMemory } from '@serval/x86';
import { ShimError } from '../errors.js';
import type { LinuxHost } from '../host.js';

const MB = 1024 * 1024;

/**
 * A console: buffered for reads through the VM's device file until someone attaches to it (the
 * v3_cons tool), then forwarded as it is written.
 */
export class BufferedConsole implements ConsoleStream {
  private readonly chunks: Uint8Array[] = [];
  private input: ((b: Uint8Array) => void) | undefined;
  constructor(private forward: ((b: Uint8Array) => void) | undefined) {}
  write(bytes: Uint8Array): void {
    if (this.forward) this.forward(bytes);
    else this.chunks.push(bytes.slice());
  }
  onInput(fn: (bytes: Uint8Array) => void): void {
    this.input = fn;
  }
  type(bytes: Uint8Array): void {
    this.input?.(bytes);
  }
  /** Forwards what was buffered and everything written from now on to `fn`. */
  attach(fn: (b: Uint8Array) => void): void {
    const pending = this.drain();
    if (pending.length) fn(pending);
    this.forward = fn;
  }
  /** Everything written (and not forwarded) so far. */
  drain(): Uint8Array {
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) { out.set(c, o); o += c.length; }
    this.chunks.length = 0;
    return out;
  }
}

interface Extent { start: number; size: number; owner: string | undefined }

/** A contiguous block the module took from the host, carved into extents for VMs. */
interface PoolBlock { start: number; size: number; extents: Extent[] }

export class ModuleHostOS implements HostOS {
  readonly name = 'linux-shim';
  private readonly cores: number[] = [];
  private readonly coreUsers = new Map<number, string>();
  private readonly blocks: PoolBlock[] = [];
  readonly consoles = new Map<string, BufferedConsole>();
  /** Who the next allocation is for (the VM being created), for the accounting. */
  claimant = 'vm';

  constructor(private readonly host: LinuxHost, private readonly forwardConsoles: boolean) {}

  get memory(): PhysicalMemory { return this.host.node.memory; }
  get clock(): VirtualClock { return this.host.node.clock; }

  // ---- the pool ----

  addCore(id: number): void {
    this.cores.push(id);
    this.cores.sort((a, b) => a - b);
  }

  addBlock(start: number, size: number): void {
    this.blocks.push({ start, size, extents: [{ start, size, owner: undefined }] });
  }

  get poolCores(): readonly number[] { return this.cores; }
  get poolBlocks(): readonly { start: number; size: number }[] { return this.blocks; }

  freeCores(): number[] {
    return this.cores.filter((c) => !this.coreUsers.has(c));
  }

  coreUser(id: number): string | undefined {
    return this.coreUsers.get(id);
  }

  // ---- HostOS ----

  acquireCores(count: number, ids?: number[]): CoreLease[] {
    const free = this.freeCores();
    const want = ids ?? free.slice(0, count);
    const unknown = want.filter((i) => !this.cores.includes(i));
    if (unknown.length) throw new ShimError('EINVAL', `cpu ${unknown.join(',')} was not given to the hypervisor module (it has cpus ${this.cores.join(',') || 'none'})`);
    if (want.length < count || want.some((i) => this.coreUsers.has(i))) {
      throw new ShimError('EBUSY', `the hypervisor module has cpus [${free.join(',')}] free; ${ids ? `cpus [${ids.join(',')}]` : `${count}`} wanted`, 16);
    }
    const who = this.claimant;
    return want.map((id) => {
      this.coreUsers.set(id, who);
      const core = this.host.node.core(id);
      core.owner = 'v3vee';
      return { core, release: () => { core.driver = undefined; this.coreUsers.delete(id); } };
    });
  }

  allocateMemory(size: number, align = 2 * MB): MemoryBlock {
    for (const b of this.blocks) {
      for (let i = 0; i < b.extents.length; i++) {
        const e = b.extents[i];
        if (e.owner) continue;
        const start = Math.ceil(e.start / align) * align;
        if (start + size > e.start + e.size) continue;
        const parts: Extent[] = [];
        if (start > e.start) parts.push({ start: e.start, size: start - e.start, owner: undefined });
        parts.push({ start, size, owner: this.claimant });
        if (start + size < e.start + e.size) parts.push({ start: start + size, size: e.start + e.size - start - size, owner: undefined });
        b.extents.splice(i, 1, ...parts);
        return { hpa: start, size };
      }
    }
    const largest = Math.max(0, ...this.blocks.flatMap((b) => b.extents.filter((e) => !e.owner).map((e) => e.size)));
    throw new ShimError('ENOMEM', `the hypervisor module's memory has no free ${Math.floor(size / MB)} MiB block (largest free: ${Math.floor(largest / MB)} MiB; add memory with v3_mem)`, 12);
  }

  freeMemory(block: MemoryBlock): void {
    for (const b of this.blocks) {
      const e = b.extents.find((x) => x.start === block.hpa && x.owner);
      if (!e) continue;
      e.owner = undefined;
      for (let i = b.extents.length - 1; i > 0; i--) {
        const p = b.extents[i - 1], q = b.extents[i];
        if (!p.owner && !q.owner) { p.size += q.size; b.extents.splice(i, 1); }
      }
      return;
    }
    throw new ShimError('NOT_ALLOCATED', `block 0x${block.hpa.toString(16)} is not allocated`);
  }

  get memoryReserved(): number {
    return this.blocks.reduce((a, b) => a + b.size, 0);
  }

  get memoryInUse(): number {
    return this.blocks.reduce((a, b) => a + b.extents.filter((e) => e.owner).reduce((s, e) => s + e.size, 0), 0);
  }

  /** Gives what `from` holds (cores and memory) to `to`: a VM's resources are claimed before it has an id. */
  rename(from: string, to: string): void {
    for (const [c, who] of this.coreUsers) if (who === from) this.coreUsers.set(c, to);
    for (const b of this.blocks) for (const e of b.extents) if (e.owner === from) e.owner = to;
  }

  /** Extents in use, by owner. */
  extentsOf(owner: string): { start: number; size: number }[] {
    return this.blocks.flatMap((b) => b.extents.filter((e) => e.owner === owner).map((e) => ({ start: e.start, size: e.size })));
  }

  /** Lines describing each block and how it is carved up. */
  describeBlocks(): string[] {
    return this.blocks.map((b) => `block ${range(b.start, b.size)}: ${b.extents.map((e) => `${e.owner ?? 'free'} ${Math.floor(e.size / MB)}M`).join(', ')}`);
  }

  console(name: string): BufferedConsole {
    let c = this.consoles.get(name);
    if (!c) {
      c = new BufferedConsole(this.forwardConsoles ? (b) => this.host.terminal(b) : undefined);
      this.consoles.set(name, c);
    }
    return c;
  }

  readFile(path: string): Uint8Array {
    return this.host.readFile(path);
  }

  writeFile(path: string, bytes: Uint8Array): void {
    this.host.writeFile(path, bytes);
  }

  openDisk(path: string, options: { readonly: boolean }): BlockStorage {
    return this.host.openDisk(path, options.readonly);
  }

  log(level: LogLevel, msg: string): void {
    this.host.log(`v3vee ${level}: ${msg}`);
  }

  netPort(network: string, name: string): NetPort {
    return this.host.net.port(network, name);
  }
}

export function range(start: number, size: number): string {
  return `0x${start.toString(16).padStart(9, '0')}-0x${(start + size - 1).toString(16).padStart(9, '0')}`;
}
