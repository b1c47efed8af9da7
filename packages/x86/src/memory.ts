// Host-physical memory: one SharedArrayBuffer, byte and DataView views over it, and the per-page
// bookkeeping that keeps compiled code coherent with writes from any core, device or host.
import { X86Error } from './errors.js';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;

export const SYNC_EPOCH = 0;
export const SYNC_LOCK = 1;

/** The shared buffers behind a `PhysicalMemory`, passed to worker threads. */
export interface SharedMemoryHandle {
  buffer: SharedArrayBuffer;
  codeMark: SharedArrayBuffer;
  codeGen: SharedArrayBuffer;
  sync: SharedArrayBuffer;
}

/** A host-physical address (an index into `PhysicalMemory`). */
export type HostPhysAddr = number & { readonly __brand: 'HostPhysAddr' };
/** A guest-physical address (what a core's page tables produce, before nested translation). */
export type GuestPhysAddr = number & { readonly __brand: 'GuestPhysAddr' };

export class PhysicalMemory {
  readonly buffer: SharedArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly size: number;
  /** Pages that hold compiled code: writes to them must bump `codeGen`. */
  readonly codeMark: Uint8Array;
  /** Per-page write generation; a compiled block is valid while its page's generation is unchanged. */
  readonly codeGen: Int32Array;
  /**
   * Words shared by cores running in other threads (parallel mode): [SYNC_EPOCH] changes whenever a
   * translation any core may hold goes stale (TLB shootdown, a page newly holding code);
   * [SYNC_LOCK] is the lock of locked instructions that no single atomic operation covers.
   */
  readonly sync: Int32Array;
  private readonly markListeners = new Set<(page: number) => void>();

  /** A fresh memory of `size` bytes, or (in a worker thread) the memory another thread `shared`. */
  constructor(size: number, attach?: SharedMemoryHandle) {
    if (!Number.isInteger(size) || size <= 0 || size % PAGE_SIZE !== 0) {
      throw new X86Error('BAD_MEMORY_SIZE', `memory size ${size} is not a positive multiple of 4096`);
    }
    const pages = size >>> PAGE_SHIFT;
    this.size = size;
    this.buffer = attach?.buffer ?? new SharedArrayBuffer(size);
    this.u8 = new Uint8Array(this.buffer);
    this.dv = new DataView(this.buffer);
    this.codeMark = new Uint8Array(attach?.codeMark ?? new SharedArrayBuffer(pages));
    this.codeGen = new Int32Array(attach?.codeGen ?? new SharedArrayBuffer(pages * 4));
    this.sync = new Int32Array(attach?.sync ?? new SharedArrayBuffer(64));
  }

  /** What another thread needs to attach to this memory (`new PhysicalMemory(size, handle)`). */
  get shared(): SharedMemoryHandle {
    return { buffer: this.buffer, codeMark: this.codeMark.buffer as SharedArrayBuffer, codeGen: this.codeGen.buffer as SharedArrayBuffer, sync: this.sync.buffer as SharedArrayBuffer };
  }

  /** Called by a core when it compiles code from `page`; other cores drop their write mappings. */
  markCode(page: number): void {
    if (this.codeMark[page]) return;
    this.codeMark[page] = 1;
    // Cores in other threads cannot be called: they see the epoch change and drop their TLBs.
    Atomics.add(this.sync, SYNC_EPOCH, 1);
    for (const l of this.markListeners) l(page);
  }

  onMarkCode(listener: (page: number) => void): () => void {
    this.markListeners.add(listener);
    return () => this.markListeners.delete(listener);
  }

  /** Records a write to [hpa, hpa+len) made outside a core's fast path. */
  noteWrite(hpa: number, len: number): void {
    const first = hpa >>> PAGE_SHIFT, last = (hpa + len - 1) >>> PAGE_SHIFT;
    for (let p = first; p <= last; p++) {
      if (this.codeMark[p]) { this.codeMark[p] = 0; this.codeGen[p]++; }
    }
  }

  private check(hpa: number, len: number): void {
    if (!(hpa >= 0 && len >= 0 && hpa + len <= this.size)) {
      throw new X86Error('BAD_PHYS_ADDR', `physical range 0x${hpa.toString(16)}+${len} lies outside the ${this.size}-byte memory`);
    }
  }

  write(hpa: number, bytes: Uint8Array): void {
    this.check(hpa, bytes.length);
    this.u8.set(bytes, hpa);
    this.noteWrite(hpa, bytes.length);
  }

  read(hpa: number, len: number): Uint8Array {
    this.check(hpa, len);
    return this.u8.slice(hpa, hpa + len);
  }

  fill(hpa: number, len: number, value = 0): void {
    this.check(hpa, len);
    this.u8.fill(value, hpa, hpa + len);
    this.noteWrite(hpa, len);
  }

  readU32(hpa: number): number { this.check(hpa, 4); return this.dv.getUint32(hpa, true); }
  writeU32(hpa: number, v: number): void { this.check(hpa, 4); this.dv.setUint32(hpa, v >>> 0, true); this.noteWrite(hpa, 4); }
  readU16(hpa: number): number { this.check(hpa, 2); return this.dv.getUint16(hpa, true); }
  writeU16(hpa: number, v: number): void { this.check(hpa, 2); this.dv.setUint16(hpa, v, true); this.noteWrite(hpa, 2); }
  writeU8(hpa: number, v: number): void { this.check(hpa, 1); this.u8[hpa] = v; this.noteWrite(hpa, 1); }
  /** A 64-bit value as a number (exact below 2^53). */
  readU64(hpa: number): number { this.check(hpa, 8); return this.dv.getUint32(hpa + 4, true) * 4294967296 + this.dv.getUint32(hpa, true); }
  writeU64(hpa: number, v: number | bigint): void {
    this.check(hpa, 8);
    const big = BigInt.asUintN(64, BigInt(v));
    this.dv.setUint32(hpa, Number(big & 0xffffffffn), true);
    this.dv.setUint32(hpa + 4, Number(big >> 32n), true);
    this.noteWrite(hpa, 8);
  }
}

/**
 * How a core's physical addresses reach host memory: nested paging. `toHost` returns the
 * host-physical address of a guest-physical byte, or -1 when nothing backs it (an MMIO access).
 */
export interface PhysMap {
  toHost(gpa: number): number;
}

/** Guest-physical = host-physical over all of memory (the LWK's own tasks). */
export class IdentityMap implements PhysMap {
  constructor(private readonly size: number) {}
  toHost(gpa: number): number {
    return gpa >= 0 && gpa < this.size ? gpa : -1;
  }
}

/** Guest-physical regions backed by contiguous host blocks (nested paging with large mappings). */
export interface PhysRegion {
  gpa: number;
  hpa: number;
  size: number;
}

export class RegionMap implements PhysMap {
  private readonly regions: PhysRegion[];
  constructor(regions: PhysRegion[]) {
    this.regions = [...regions].sort((a, b) => a.gpa - b.gpa);
    for (let i = 1; i < this.regions.length; i++) {
      const p = this.regions[i - 1], q = this.regions[i];
      if (p.gpa + p.size > q.gpa) {
        throw new X86Error('OVERLAPPING_REGIONS', `guest-physical regions at 0x${p.gpa.toString(16)} and 0x${q.gpa.toString(16)} overlap`);
      }
    }
  }
  toHost(gpa: number): number {
    const rs = this.regions;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i];
      if (gpa >= r.gpa && gpa < r.gpa + r.size) return r.hpa + (gpa - r.gpa);
    }
    return -1;
  }
  get list(): readonly PhysRegion[] {
    return this.regions;
  }
}
