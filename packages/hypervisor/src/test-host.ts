// A minimal HostOS over a bare node, for the hypervisor's own tests (the real hosts are the LWK
// and the Linux shim, which depend on this package, not the other way round).
import { MemoryBackend } from '@serval/devices';
import { Node } from '@serval/machine';
import type { BlockStorage, ConsoleStream, CoreLease, HostOS, LogLevel, MemoryBlock, NetPort } from './host.js';
import { HostNetworks } from './net/networks.js';

export class TestHost implements HostOS {
  readonly name = 'test-host';
  readonly node: Node;
  readonly files = new Map<string, Uint8Array>();
  readonly output = new Map<string, number[]>();
  readonly inputs = new Map<string, (b: Uint8Array) => void>();
  readonly logs: string[] = [];
  private next = 0x1000000;
  readonly freed: MemoryBlock[] = [];

  constructor(cores = 2, memory = 128 * 1024 * 1024) {
    this.node = new Node({ cores, memory });
    this.networks = new HostNetworks(this.node.clock);
  }
  get memory() { return this.node.memory; }
  get clock() { return this.node.clock; }
  acquireCores(count: number, ids?: number[]): CoreLease[] {
    const free = this.node.cores.filter((c) => !c.owner);
    const chosen = ids ? ids.map((i) => this.node.core(i)) : free.slice(0, count);
    if (chosen.length < count || chosen.some((c) => c.owner)) throw new Error(`not enough free cores for ${count}`);
    return chosen.map((core) => { core.owner = 'vm'; return { core, release: () => { core.owner = undefined; core.driver = undefined; } }; });
  }
  allocateMemory(size: number, align = 2 * 1024 * 1024): MemoryBlock {
    const hpa = Math.ceil(this.next / align) * align;
    if (hpa + size > this.node.memory.size) throw new Error('out of memory');
    this.next = hpa + size;
    return { hpa, size };
  }
  freeMemory(block: MemoryBlock): void { this.freed.push(block); }
  console(name: string): ConsoleStream {
    return {
      write: (b) => { const o = this.output.get(name) ?? []; o.push(...b); this.output.set(name, o); },
      onInput: (fn) => { this.inputs.set(name, fn); },
    };
  }
  text(name: string): string { return String.fromCharCode(...(this.output.get(name) ?? [])); }
  readFile(path: string): Uint8Array {
    const f = this.files.get(path);
    if (!f) throw new Error(`${path}: no such file`);
    return f;
  }
  writeFile(path: string, bytes: Uint8Array): void { this.files.set(path, bytes.slice()); }
  /** A file of `files` as a disk: the guest's writes change that Uint8Array in place. */
  openDisk(path: string, options: { readonly: boolean }): BlockStorage { return new MemoryBackend(this.readFile(path), options.readonly); }
  log(level: LogLevel, msg: string): void { this.logs.push(`${level}: ${msg}`); }
  /** The host's networks (a switch per name, on the node's clock). */
  readonly networks: HostNetworks;
  netPort(network: string, name: string): NetPort { return this.networks.port(network, name); }
}
