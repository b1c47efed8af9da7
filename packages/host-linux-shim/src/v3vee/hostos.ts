// The HostOS the hypervisor module hands to its VMM: the cores it took offline and the memory it
// reserved at load time, and the host's services (consoles, files, logging).
import type { ConsoleStream, CoreLease, HostOS, LogLevel, MemoryBlock } from '@serval/hypervisor';
import type { VirtualClock } from '@serval/machine';
import type { PhysicalMemory } from '@serval/x86';
import { ShimError } from '../errors.js';
import type { LinuxHost } from '../host.js';

/** A console: kept for reads through the VM's device file, and forwarded to the host terminal. */
export class BufferedConsole implements ConsoleStream {
  private readonly chunks: Uint8Array[] = [];
  private input: ((b: Uint8Array) => void) | undefined;
  constructor(private readonly forward: ((b: Uint8Array) => void) | undefined) {}
  write(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.forward?.(bytes);
  }
  onInput(fn: (bytes: Uint8Array) => void): void {
    this.input = fn;
  }
  type(bytes: Uint8Array): void {
    this.input?.(bytes);
  }
  /** Everything written so far. */
  drain(): Uint8Array {
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) { out.set(c, o); o += c.length; }
    this.chunks.length = 0;
    return out;
  }
}

export class ModuleHostOS implements HostOS {
  readonly name = 'linux-shim';
  private readonly freeCores: number[];
  private readonly blocks: { start: number; size: number; used: boolean }[];
  readonly consoles = new Map<string, BufferedConsole>();

  constructor(private readonly host: LinuxHost, cores: number[], memStart: number, memSize: number, private readonly forwardConsoles: boolean) {
    this.freeCores = [...cores];
    this.blocks = [{ start: memStart, size: memSize, used: false }];
  }

  get memory(): PhysicalMemory { return this.host.node.memory; }
  get clock(): VirtualClock { return this.host.node.clock; }

  acquireCores(count: number, ids?: number[]): CoreLease[] {
    const want = ids ?? this.freeCores.slice(0, count);
    if (want.length < count || want.some((i) => !this.freeCores.includes(i))) {
      throw new ShimError('EBUSY', `the hypervisor module has cores [${this.freeCores.join(',')}] free; ${ids ? `cores [${ids.join(',')}]` : `${count}`} wanted`, 16);
    }
    return want.map((id) => {
      this.freeCores.splice(this.freeCores.indexOf(id), 1);
      const core = this.host.node.core(id);
      core.owner = 'v3vee';
      return { core, release: () => { core.driver = undefined; this.freeCores.push(id); this.freeCores.sort((a, b) => a - b); } };
    });
  }

  allocateMemory(size: number, align = 2 * 1024 * 1024): MemoryBlock {
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i];
      if (b.used) continue;
      const start = Math.ceil(b.start / align) * align;
      if (start + size > b.start + b.size) continue;
      const parts = [];
      if (start > b.start) parts.push({ start: b.start, size: start - b.start, used: false });
      parts.push({ start, size, used: true });
      if (start + size < b.start + b.size) parts.push({ start: start + size, size: b.start + b.size - start - size, used: false });
      this.blocks.splice(i, 1, ...parts);
      return { hpa: start, size };
    }
    throw new ShimError('ENOMEM', `the hypervisor module's memory has no free ${Math.floor(size / 1048576)} MiB block`, 12);
  }

  freeMemory(block: MemoryBlock): void {
    const b = this.blocks.find((x) => x.start === block.hpa && x.used);
    if (!b) throw new ShimError('NOT_ALLOCATED', `block 0x${block.hpa.toString(16)} is not allocated`);
    b.used = false;
    for (let i = this.blocks.length - 1; i > 0; i--) {
      const p = this.blocks[i - 1], q = this.blocks[i];
      if (!p.used && !q.used && p.start + p.size === q.start) { p.size += q.size; this.blocks.splice(i, 1); }
    }
  }

  get memoryInUse(): number {
    return this.blocks.filter((b) => b.used).reduce((a, b) => a + b.size, 0);
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

  log(level: LogLevel, msg: string): void {
    this.host.log(`v3vee ${level}: ${msg}`);
  }
}
