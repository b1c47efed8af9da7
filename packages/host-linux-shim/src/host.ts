// A Linux-like host: it boots on a node with its own cores and memory, loads kernel modules, keeps
// device files and /proc status. It runs no Linux code itself; it is the resource owner and the
// service provider that Palacios-in-Linux has underneath it.
import { Node } from '@serval/machine';
import { DevFs } from './devfs.js';
import { ShimError } from './errors.js';
import { HostMemory } from './memory.js';
import { type KernelModule, type ModuleInstance } from './module.js';

export interface LinuxHostConfig {
  cores: number;
  /** Bytes of RAM. */
  memory: number;
  freqHz?: number;
  /** Where host-side output goes (VM consoles forwarded to the host's terminal). */
  terminal?: (bytes: Uint8Array) => void;
  /** Host files (kernel images, disks); throws when missing. */
  readFile: (path: string) => Uint8Array;
  log?: (msg: string) => void;
}

const MB = 1024 * 1024;

export class LinuxHost {
  readonly node: Node;
  readonly memory: HostMemory;
  readonly dev = new DevFs();
  private readonly onlineCores = new Set<number>();
  private readonly coreOwners = new Map<number, string>();
  private readonly modules = new Map<string, { module: KernelModule; instance: ModuleInstance; options: Record<string, string> }>();

  constructor(readonly config: LinuxHostConfig) {
    this.node = new Node({ cores: config.cores, memory: config.memory, freqHz: config.freqHz });
    // The host kernel itself keeps the first 16 MiB.
    this.memory = new HostMemory(config.memory, Math.min(16 * MB, config.memory / 4));
    for (const c of this.node.cores) this.onlineCores.add(c.id);
  }

  terminal(bytes: Uint8Array): void {
    this.config.terminal?.(bytes);
  }

  log(msg: string): void {
    this.config.log?.(msg);
  }

  readFile(path: string): Uint8Array {
    return this.config.readFile(path);
  }

  // ---- modules ----

  insmod(module: KernelModule, options: Record<string, string> = {}): void {
    if (this.modules.has(module.name)) throw new ShimError('EEXIST', `insmod: module ${module.name} is already loaded`, 17);
    const instance = module.init(this, options);
    this.modules.set(module.name, { module, instance, options });
    this.log(`${module.name}: loaded`);
  }

  rmmod(name: string): void {
    const m = this.modules.get(name);
    if (!m) throw new ShimError('ENOENT', `rmmod: module ${name} is not loaded`, 2);
    const why = m.instance.busy();
    if (why) throw new ShimError('EBUSY', `rmmod: module ${name} is in use: ${why}`, 16);
    m.instance.exit();
    this.modules.delete(name);
    this.log(`${name}: unloaded`);
  }

  loaded(name: string): boolean {
    return this.modules.has(name);
  }

  // ---- cores (CPU hotplug) ----

  /** Takes a core out of the host's use and gives it to `owner`. */
  offlineCore(id: number, owner: string): void {
    if (id < 0 || id >= this.node.cores.length) throw new ShimError('EINVAL', `cpu ${id} does not exist (the host has cpus 0-${this.node.cores.length - 1})`);
    if (id === 0) throw new ShimError('EBUSY', 'cpu 0 is the boot cpu and cannot go offline', 16);
    if (!this.onlineCores.has(id)) throw new ShimError('EBUSY', `cpu ${id} is already offline (owned by ${this.coreOwners.get(id)})`, 16);
    this.onlineCores.delete(id);
    this.coreOwners.set(id, owner);
  }

  onlineCore(id: number): void {
    this.coreOwners.delete(id);
    this.onlineCores.add(id);
    const core = this.node.cores[id];
    core.driver = undefined;
    core.owner = undefined;
  }

  get online(): number[] {
    return [...this.onlineCores].sort((a, b) => a - b);
  }

  // ---- /proc ----

  proc(path: string): string {
    switch (path) {
      case '/proc/meminfo':
        return `MemTotal: ${Math.floor(this.config.memory / 1024)} kB\nMemFree: ${Math.floor(this.memory.freeBytes / 1024)} kB\n`;
      case '/proc/cpus':
        return this.node.cores.map((c) => `cpu${c.id}: ${this.onlineCores.has(c.id) ? 'online' : `offline (${this.coreOwners.get(c.id)})`}`).join('\n') + '\n';
      case '/proc/modules':
        return [...this.modules.keys()].map((n) => `${n} ${Object.entries(this.modules.get(n)!.options).map(([k, v]) => `${k}=${v}`).join(' ')}`).join('\n') + '\n';
      default: {
        const name = path.replace(/^\/proc\//, '');
        const m = this.modules.get(name);
        if (m) return m.instance.status().join('\n') + '\n';
        throw new ShimError('ENOENT', `${path}: no such file`, 2);
      }
    }
  }

  run(stop?: () => boolean) {
    return this.node.run({ stop });
  }
}
