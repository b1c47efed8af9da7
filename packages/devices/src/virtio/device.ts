// What a virtio device class (block, console, net, ...) implements, and what the transport gives it.
import type { VirtQueue } from './queue.js';
import type { Dma } from './ram.js';

/** Feature bits the transport itself offers and handles (virtio 1.x, section 6). */
export const VIRTIO_F = {
  RING_INDIRECT_DESC: 28,
  RING_EVENT_IDX: 29,
  VERSION_1: 32,
} as const;

/** Virtio device IDs (virtio 1.x, section 5). */
export const VIRTIO_ID = { NET: 1, BLOCK: 2, CONSOLE: 3 } as const;

export interface VirtioDeviceModel {
  /** The virtio device ID (VIRTIO_ID). */
  readonly deviceId: number;
  /** PCI class code: base class, subclass, programming interface. */
  readonly classCode: number;
  /** The largest size of each queue (powers of two); their number is the number of queues. */
  readonly queueSizes: readonly number[];
  /** Device-specific feature bits offered (bit n = 2^n); the transport adds VERSION_1, indirect descriptors and event index. */
  readonly features: bigint;
  /** Bytes of device-specific configuration (at most 4096). */
  readonly configSize: number;
  /** Called once by the transport that carries the device. */
  bind(transport: VirtioTransport): void;
  readConfig(offset: number, size: number): number;
  writeConfig(offset: number, size: number, value: number): void;
  /** The driver made buffers available in queue `index` (only called after DRIVER_OK). */
  notify(index: number): void;
  /** The driver reset the device (status 0): drop any device-side progress. */
  reset(): void;
  /** The device's own state (the transport saves queues, features and interrupts itself). */
  saveState(): unknown;
  loadState(state: unknown): void;
  /** The VM stopped: make what the guest wrote durable on the host. */
  flush?(): void;
  /** The VM is going away: release host resources (files). */
  dispose?(): void;
}

export interface VirtioTransport {
  readonly dma: Dma;
  /** Queue `index` (its rings are valid while `ready`). */
  queue(index: number): VirtQueue;
  /** Whether the driver accepted feature bit `bit`. */
  negotiated(bit: number): boolean;
  /** DRIVER_OK is set and the device is not broken: the device may use its queues. */
  readonly live: boolean;
  /** Interrupts the driver for queue `index` if it has new used buffers and did not suppress interrupts. */
  interrupt(index: number): void;
  /** Tells the driver the device configuration changed. */
  configChanged(): void;
  log(msg: string): void;
}

/** Little-endian read of `size` bytes at `offset` from a config image (0 past its end). */
export function readLe(bytes: Uint8Array, offset: number, size: number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v += (offset + i < bytes.length ? bytes[offset + i] : 0) * 2 ** (8 * i);
  return v;
}

export function writeLe(bytes: Uint8Array, offset: number, size: number, value: number): void {
  for (let i = 0; i < size; i++) if (offset + i < bytes.length) bytes[offset + i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
}
