// A Linux-like host: it boots on a node with its own cores and memory, loads kernel modules, keeps
// device files and /proc status. It runs no Linux code itself; it is the resource owner and the
// service provider that Palacios-in-Linux has underneath it.
import { type BlockStorage, type FrameLink, HostNetworks, type HostTcp } from '@serval/hypervisor';
import { Node } from '@serval/machine';
import { ServalError } from '@serval/x86';
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
  /** Host files (kernel images, disks, checkpoints); throws when missing. */
  readFile: (path: string) => Uint8Array;
  /** Writes a host file; a host without it cannot store checkpoints. */
  writeFile?: (path: string, bytes: Uint8Array) => void;
  /** Opens a host file as a VM's disk; a host without it cannot give VMs disks. */
  openDisk?: (path: string, readonly: boolean) => BlockStorage;
  log?: (msg: string) => void;
  /** The uplink of a host network (e.g. a UDP socket to another serval process), if it has one. */
  netLink?: (network: string) => FrameLink | undefined;
  /** Host TCP for a network's user-mode NAT (guests reach the host's loopback at 10.0.2.2), if it has one. */
  netNat?: (network: string) => HostTcp | undefined;
}

const MB = 1024 * 1024;
const kB = (n: number) => `${String(Math.floor(n / 1024)).padStart(10)} kB`;

export class LinuxHost {
  readonly node: Node;
  readonly memory: HostMemory;
  readonly dev = new DevFs();
  /** The host's networks: a switch per name connecting the NICs of its VMs. */
  readonly net: HostNetworks;
  private readonly onlineCores = new Set<number>();
  private readonly coreOwners = new Map<number, string>();
  private readonly modules = new Map<string, { module: KernelModule; instance: ModuleInstance; options: Record<string, string> }>();

  constructor(readonly config: LinuxHostConfig) {
    if (!Number.isInteger(config.cores) || config.cores < 1 || config.cores > 256) throw new ShimError('EINVAL', `a host has 1 to 256 cores, not ${config.cores}`);
    if (!(config.memory >= 64 * MB) || config.memory % (2 * MB)) throw new ShimError('EINVAL', `host memory must be a multiple of 2 MiB and at least 64 MiB (got ${config.memory} bytes)`);
    this.node = new Node({ cores: config.cores, memory: config.memory, freqHz: config.freqHz });
    // The host kernel itself keeps the first 16 MiB.
    this.memory = new HostMemory(config.memory, 16 * MB);
    this.net = new HostNetworks(this.node.clock, { link: config.netLink, nat: config.netNat });
    for (const c of this.node.cores) this.onlineCores.add(c.id);
  }

  terminal(bytes: Uint8Array): void {
    this.config.terminal?.(bytes);
  }

  log(msg: string): void {
    this.config.log?.(msg);
  }

  readFile(path: string): Uint8Array {
    try {
      return this.config.readFile(path);
    } catch (e) {
      if (e instanceof ServalError) throw e;
      throw new ShimError('ENOENT', (e as Error).message || `${path}: cannot read`, 2, { cause: e });
    }
  }

  writeFile(path: string, bytes: Uint8Array): void {
    if (!this.config.writeFile) throw new ShimError('EROFS', `${path}: this host has no writable storage`, 30);
    this.config.writeFile(path, bytes);
  }

  openDisk(path: string, readonly: boolean): BlockStorage {
    if (!this.config.openDisk) throw new ShimError('ENODEV', `${path}: this host has no block storage to give a VM`, 19);
    return this.config.openDisk(path, readonly);
  }

  // ---- modules ----

  /** Loads a module; a module that refuses its options leaves the host as it was. */
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

  /** Checks that core `id` could go offline now, without changing anything. */
  checkOffline(id: number, what = 'cpu'): void {
    const n = this.node.cores.length;
    if (!Number.isInteger(id) || id < 0 || id >= n) throw new ShimError('EINVAL', `${what}: cpu ${id} does not exist (the host has cpus 0-${n - 1})`);
    if (id === 0) throw new ShimError('EINVAL', `${what}: cpu 0 is the boot cpu and stays with the host`);
    if (!this.onlineCores.has(id)) throw new ShimError('EBUSY', `${what}: cpu ${id} is already offline (owned by ${this.coreOwners.get(id)})`, 16);
  }

  /** Takes a core out of the host's use and gives it to `owner`. */
  offlineCore(id: number, owner: string): void {
    this.checkOffline(id);
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

  /** The /proc files there are now. */
  procFiles(): string[] {
    return ['/proc/cpus', '/proc/iomem', '/proc/meminfo', '/proc/modules', ...[...this.modules.keys()].map((m) => `/proc/${m}`)].sort();
  }

  proc(path: string): string {
    switch (path) {
      case '/proc/meminfo': {
        const taken = this.memory.allocations().reduce((a, r) => a + r.size, 0);
        return `MemTotal:   ${kB(this.config.memory)}\nMemFree:    ${kB(this.memory.freeBytes)}\nKernel:     ${kB(this.config.memory - this.memory.freeBytes - taken)}\nOffline:    ${kB(taken)}\n`;
      }
      case '/proc/iomem':
        return [
          `${hexRange(0, 16 * MB)} : Kernel`,
          ...this.memory.allocations().map((r) => `${hexRange(r.start, r.size)} : offline (${r.owner})`),
        ].join('\n') + '\n';
      case '/proc/cpus':
        return this.node.cores.map((c) => `cpu${c.id}: ${this.onlineCores.has(c.id) ? 'online' : `offline (${this.coreOwners.get(c.id)})`}`).join('\n') + '\n';
      case '/proc/modules':
        return [...this.modules].map(([n, m]) => `${n} ${Object.entries(m.options).map(([k, v]) => `${k}=${v}`).join(' ')}`.trimEnd() + '\n').join('');
      default: {
        const name = path.replace(/^\/proc\//, '');
        const m = this.modules.get(name);
        if (m && path.startsWith('/proc/')) return m.instance.status().join('\n') + '\n';
        throw new ShimError('ENOENT', `${path}: no such file (there are ${this.procFiles().join(', ')})`, 2);
      }
    }
  }

  run(opts: { stop?: () => boolean; untilNs?: number } | (() => boolean) = {}) {
    return this.node.run(typeof opts === 'function' ? { stop: opts } : opts);
  }
}

function hexRange(start: number, size: number): string {
  return `${start.toString(16).padStart(9, '0')}-${(start + size - 1).toString(16).padStart(9, '0')}`;
}
