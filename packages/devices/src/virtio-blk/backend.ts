// Where a virtio-blk disk's bytes live: a host file opened by the host OS (HostOS.openDisk), or
// memory in tests. Writes reach the backing store when `write` returns; `flush` makes them
// durable (fsync for a file).
import { DeviceError } from '../device.js';

export interface BlockBackend {
  /** Bytes. */
  readonly size: number;
  readonly readonly: boolean;
  /** Fills `into` from `offset` (the range lies within `size`). */
  read(offset: number, into: Uint8Array): void;
  write(offset: number, bytes: Uint8Array): void;
  flush(): void;
  /** Flushes and releases the store; later calls fail. */
  close(): void;
}

/** A disk in memory (tests; hosts without files). */
export class MemoryBackend implements BlockBackend {
  flushes = 0;
  closed = false;
  constructor(readonly bytes: Uint8Array, readonly readonly = false) {}
  get size(): number { return this.bytes.length; }
  private live(): void { if (this.closed) throw new DeviceError('DISK_CLOSED', 'the disk was closed'); }
  read(offset: number, into: Uint8Array): void { this.live(); into.set(this.bytes.subarray(offset, offset + into.length)); }
  write(offset: number, bytes: Uint8Array): void {
    this.live();
    if (this.readonly) throw new DeviceError('DISK_READ_ONLY', 'the disk is read-only');
    this.bytes.set(bytes, offset);
  }
  flush(): void { this.live(); this.flushes++; }
  close(): void { if (!this.closed) { this.flushes++; this.closed = true; } }
}
