// HostOS: everything the hypervisor takes from the system it runs on, and nothing more (Palacios's
// host-OS hooks). The LWK and the Linux host shim each implement it.
import type { BlockBackend } from '@serval/devices';
import type { Core, VirtualClock } from '@serval/machine';
import type { PhysicalMemory } from '@serval/x86';

/** A core handed to the hypervisor for its exclusive use until released. */
export interface CoreLease {
  readonly core: Core;
  release(): void;
}

/** Physically contiguous host memory. */
export interface MemoryBlock {
  readonly hpa: number;
  readonly size: number;
}

/** A byte stream to and from the user (a VM's serial console, a log). */
export interface ConsoleStream {
  write(bytes: Uint8Array): void;
  /** Registers the consumer of bytes the user types. */
  onInput(fn: (bytes: Uint8Array) => void): void;
}

/**
 * A VM's connection to a host network: Ethernet frames (destination MAC first, no FCS) in and
 * out. The host decides when a frame arrives; within one host that is on virtual time.
 */
export interface NetPort {
  /** Hands a frame the VM sent to the host's network (the host copies it). */
  send(frame: Uint8Array): void;
  /** Registers the consumer of frames for this VM (called from clock events). */
  onReceive(fn: (frame: Uint8Array) => void): void;
  /** Leaves the network (the VM is freed). */
  close(): void;
}

/**
 * A host file opened as a disk (virtio-blk): reads and writes at byte offsets reach the file when
 * they return (Serval buffers nothing), `flush` makes them durable, `close` flushes and releases.
 */
export type BlockStorage = BlockBackend;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface HostOS {
  /** For messages: "serval-lwk", "linux-shim", ... */
  readonly name: string;
  /** Host physical memory, into which the VM's memory blocks map. */
  readonly memory: PhysicalMemory;
  /** Virtual time and timers. */
  readonly clock: VirtualClock;
  /** Takes `count` cores out of the host's use (specific ones when `ids` is given). */
  acquireCores(count: number, ids?: number[]): CoreLease[];
  /** Allocates physically contiguous memory, aligned to `align` bytes (default 2 MiB). */
  allocateMemory(size: number, align?: number): MemoryBlock;
  freeMemory(block: MemoryBlock): void;
  /** A console stream by name (e.g. "vm0.com1"). */
  console(name: string): ConsoleStream;
  /** Reads a host file (kernel images, disks, configs). */
  readFile(path: string): Uint8Array;
  /** Writes a host file (checkpoints). Hosts without storage leave it out. */
  writeFile?(path: string, bytes: Uint8Array): void;
  log(level: LogLevel, msg: string): void;
  /** Opens a host file as a disk (its size is the disk's). Hosts without storage leave it out. */
  openDisk?(path: string, options: { readonly: boolean }): BlockStorage;
  /** Plugs a VM's NIC (`name`, e.g. "vm0.net0") into the host network `network`. Hosts without networking leave it out. */
  netPort?(network: string, name: string): NetPort;
}
