// Device files: a module registers a node under /dev; opening it gives a handle whose ioctl-style
// operations are the device's control interface.
import { ShimError } from './errors.js';

export interface DeviceFile {
  /** Performs a control operation; an unknown one is ENOTTY, like an unknown ioctl. */
  ioctl(op: string, arg?: unknown): unknown;
  /** Bytes available to read (consoles). */
  read?(): Uint8Array;
  write?(bytes: Uint8Array): void;
}

export class DevFs {
  private readonly nodes = new Map<string, DeviceFile>();

  register(path: string, file: DeviceFile): void {
    if (this.nodes.has(path)) throw new ShimError('EEXIST', `${path} already exists`, 17);
    this.nodes.set(path, file);
  }

  unregister(path: string): void {
    this.nodes.delete(path);
  }

  open(path: string): DeviceFile {
    const f = this.nodes.get(path);
    if (!f) throw new ShimError('ENOENT', `${path}: no such device`, 2);
    return f;
  }

  list(): string[] {
    return [...this.nodes.keys()].sort();
  }
}
