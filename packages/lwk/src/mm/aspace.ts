// The page tables of one address space: real x86-64 tables in node memory that the core walks as
// hardware would. Ranges are mapped eagerly with the largest pages that fit (1 GiB, 2 MiB, 4 KiB);
// changing part of a large page splits it first. What is mapped where (and why) is the memory
// manager's business (mm.ts); this file only keeps the tables true to it.
import type { PhysicalMemory } from '@serval/x86';
import { LwkError } from '../errors.js';
import type { Pmem, PmemRegion } from './pmem.js';

export interface Prot { read: boolean; write: boolean; exec: boolean }
export const PROT_RW: Prot = { read: true, write: true, exec: false };
export const PROT_RX: Prot = { read: true, write: false, exec: true };
export const PROT_NONE: Prot = { read: false, write: false, exec: false };

const PAGE = 4096, MB2 = 2 ** 21, GB1 = 2 ** 30;
export const USER_TOP = 0x800000000000;
/** What one top-level entry maps (512 GiB): the unit SMARTMAP shares. */
export const SMARTMAP_SLOT = 2 ** 39;
export const PAGE_SIZES = [PAGE, MB2, GB1] as const;
const P32 = 4294967296;

/** Hands out zeroed 4 KiB pages for page tables, from pmem in 256 KiB chunks. */
export class PageTablePool {
  private chunk: PmemRegion | undefined;
  private used = 0;
  private freePages: number[] = [];
  constructor(private readonly mem: PhysicalMemory, private readonly pmem: Pmem) {}

  take(): number {
    let pa = this.freePages.pop();
    if (pa === undefined) {
      if (!this.chunk || this.used + PAGE > this.chunk.size) {
        this.chunk = this.pmem.alloc(256 * 1024, 'pagetables', 'page tables');
        this.used = 0;
      }
      pa = this.chunk.start + this.used;
      this.used += PAGE;
    }
    this.mem.fill(pa, PAGE, 0);
    return pa;
  }

  give(pa: number): void {
    this.freePages.push(pa);
  }
}

const SHIFTS = [39, 30, 21, 12];

export class AddressSpace {
  readonly cr3: number;
  private tables: number[] = [];
  /** The largest page mappings may use (the job's page-size policy): 4 KiB, 2 MiB or 1 GiB. */
  maxPage: number = GB1;
  /** SMARTMAP: spaces that show this one's first 512 GiB, and the top-level slot they show it in. */
  private readonly sharedInto = new Map<AddressSpace, number>();
  /** SMARTMAP: top-level slots of this space that show another space. */
  private readonly shown = new Map<number, AddressSpace>();
  /** Drops stale translations on every core that may hold them (set by the kernel). */
  shootdown: (() => void) | undefined;

  constructor(private readonly mem: PhysicalMemory, private readonly pool: PageTablePool) {
    this.cr3 = pool.take();
    this.tables.push(this.cr3);
  }

  /** Maps [va, va+size) to [pa, pa+size) (page aligned), replacing whatever was there. */
  mapRange(va: number, size: number, pa: number, prot: Prot): void {
    checkRange(va, size);
    if (pa % PAGE) throw new LwkError('BAD_MAPPING', `physical address 0x${pa.toString(16)} is not page aligned`);
    let off = 0;
    while (off < size) {
      const v = va + off, p = pa + off, left = size - off;
      const max = this.maxPage;
      const step = max >= GB1 && v % GB1 === 0 && p % GB1 === 0 && left >= GB1 ? GB1
        : max >= MB2 && v % MB2 === 0 && p % MB2 === 0 && left >= MB2 ? MB2 : PAGE;
      this.setLeaf(v, step, p, prot);
      off += step;
    }
  }

  /**
   * Maps one 4 KiB supervisor-only page (writable, not executable) at `va`, an upper-half address
   * given unsigned: the descriptor tables the core reads when user code names a selector. Without
   * `pa` the page is a fresh zeroed one that is freed with the tables. Returns its physical address.
   */
  mapSystemPage(va: number, pa?: number): number {
    if (va % PAGE || va < 2 ** 64 - USER_TOP || va >= 2 ** 64) {
      throw new LwkError('BAD_MAPPING', `0x${va.toString(16)} is not a page in the kernel half`);
    }
    let t = this.cr3;
    for (let level = 0; level < 3; level++) t = this.child(this.entry(t, va, level), level);
    if (pa === undefined) { pa = this.pool.take(); this.tables.push(pa); }
    const e = this.entry(t, va, 3);
    this.mem.dv.setUint32(e, ((pa % P32) | 0x3) >>> 0, true);
    this.mem.dv.setUint32(e + 4, (Math.floor(pa / P32) | 0x80000000) >>> 0, true);
    return pa;
  }

  /** Removes any mapping of [va, va+size). */
  unmapRange(va: number, size: number): void {
    checkRange(va, size);
    let off = 0;
    while (off < size) {
      const v = va + off, left = size - off;
      const step = v % GB1 === 0 && left >= GB1 ? GB1 : v % MB2 === 0 && left >= MB2 ? MB2 : PAGE;
      this.setLeaf(v, step, -1, PROT_NONE);
      off += step;
    }
    if (this.sharedInto.size) this.shootdown?.();
  }

  /**
   * SMARTMAP: shows the first 512 GiB of `src` (where a process keeps its image and heap) at `va`
   * in this space, by pointing one top-level entry at src's own table — so everything src maps
   * there later is visible at once, with no copying and no further work. `src` may be this space
   * itself, so that every rank reaches rank r's memory the same way.
   */
  smartmap(src: AddressSpace, va: number): void {
    const slot = va / SMARTMAP_SLOT;
    if (!Number.isInteger(slot) || slot < 1 || slot >= 256) {
      throw new LwkError('BAD_MAPPING', `a SMARTMAP goes at a multiple of 512 GiB below the user top, not at 0x${va.toString(16)}`);
    }
    const e = this.cr3 + slot * 8;
    if (this.mem.dv.getUint32(e, true) & 1) throw new LwkError('BAD_MAPPING', `0x${va.toString(16)}..+512 GiB is already in use`);
    const top = src.child(src.cr3, 0);
    this.mem.dv.setUint32(e, (top % P32) | 0x7, true);
    this.mem.dv.setUint32(e + 4, Math.floor(top / P32), true);
    this.shown.set(slot, src);
    src.sharedInto.set(this, slot);
  }

  /** The space shown at `va` through SMARTMAP, if any. */
  shownAt(va: number): AddressSpace | undefined {
    return this.shown.get(Math.floor(va / SMARTMAP_SLOT));
  }

  /** Ends the SMARTMAP at `va`. */
  unsmartmap(va: number): void {
    const slot = Math.floor(va / SMARTMAP_SLOT);
    const src = this.shown.get(slot);
    if (!src) return;
    this.mem.dv.setUint32(this.cr3 + slot * 8, 0, true);
    this.mem.dv.setUint32(this.cr3 + slot * 8 + 4, 0, true);
    this.shown.delete(slot);
    src.sharedInto.delete(this);
    this.shootdown?.();
  }

  /** The physical address `va` maps to, or undefined (a software walk, for tests and diagnostics). */
  translate(va: number): number | undefined {
    const dv = this.mem.dv;
    let t = this.cr3;
    for (let level = 0; level < 4; level++) {
      const e = t + (Math.floor(va / 2 ** SHIFTS[level]) % 512) * 8;
      const lo = dv.getUint32(e, true);
      if ((lo & 1) === 0) return undefined;
      const frame = (lo & 0xfffff000) + (dv.getUint32(e + 4, true) & 0xfffff) * P32;
      if (level === 3 || (lo & 0x80)) {
        const span = 2 ** SHIFTS[level];
        return Math.floor(frame / span) * span + (va % span);
      }
      t = frame;
    }
    return undefined;
  }

  /** The size of the page that maps `va` (4 KiB, 2 MiB or 1 GiB), or undefined. */
  pageSizeAt(va: number): number | undefined {
    const dv = this.mem.dv;
    let t = this.cr3;
    for (let level = 0; level < 4; level++) {
      const e = t + (Math.floor(va / 2 ** SHIFTS[level]) % 512) * 8;
      const lo = dv.getUint32(e, true);
      if ((lo & 1) === 0) return undefined;
      if (level === 3 || (lo & 0x80)) return 2 ** SHIFTS[level];
      t = (lo & 0xfffff000) + (dv.getUint32(e + 4, true) & 0xfffff) * P32;
    }
    return undefined;
  }

  /** Frees the page tables themselves. */
  destroy(): void {
    // Spaces showing this one must stop before its tables are reused.
    for (const [dst, slot] of this.sharedInto) dst.unsmartmap(slot * SMARTMAP_SLOT);
    for (const slot of [...this.shown.keys()]) this.unsmartmap(slot * SMARTMAP_SLOT);
    for (const t of this.tables) this.pool.give(t);
    this.tables = [];
  }

  // ---- the tables ----

  private entry(table: number, va: number, level: number): number {
    return table + (Math.floor(va / 2 ** SHIFTS[level]) % 512) * 8;
  }

  /** The table below entry `e` at `level`, creating it (or splitting a large page into it). */
  private child(e: number, level: number): number {
    const dv = this.mem.dv;
    const lo = dv.getUint32(e, true), hi = dv.getUint32(e + 4, true);
    if ((lo & 1) && !(lo & 0x80)) return (lo & 0xfffff000) + (hi & 0xfffff) * P32;
    const t = this.pool.take();
    this.tables.push(t);
    if ((lo & 1) && (lo & 0x80)) {
      // Split a large page into 512 of the next size, with the same frames and permissions
      // (children of a 1 GiB page are 2 MiB pages; bit 7 of a 4 KiB entry is PAT, so it is cleared).
      const frame = (level === 1 ? (lo & 0xc0000000) >>> 0 : (lo & 0xffe00000) >>> 0) + (hi & 0xfffff) * P32;
      const span = level === 1 ? MB2 : PAGE;
      const flags = level === 1 ? (lo & 0x1ff) | 0x80 : (lo & 0x1ff) & ~0x80;
      for (let i = 0; i < 512; i++) {
        const p = frame + i * span;
        dv.setUint32(t + i * 8, ((p % P32) | flags) >>> 0, true);
        dv.setUint32(t + i * 8 + 4, (Math.floor(p / P32) | (hi & 0x80000000)) >>> 0, true);
      }
    }
    dv.setUint32(e, (t % P32) | 0x7, true);
    dv.setUint32(e + 4, Math.floor(t / P32), true);
    return t;
  }

  /** Installs (pa >= 0) or clears (pa < 0) one leaf of `size` bytes at `va`. */
  private setLeaf(va: number, size: number, pa: number, prot: Prot): void {
    const leafLevel = size === GB1 ? 1 : size === MB2 ? 2 : 3;
    if (this.shown.size && this.shownAt(va)) {
      throw new LwkError('BAD_MAPPING', `0x${va.toString(16)} shows another address space through SMARTMAP and cannot be mapped`);
    }
    let t = this.cr3;
    for (let level = 0; level < leafLevel; level++) {
      const e = this.entry(t, va, level);
      if (pa < 0 && (this.mem.dv.getUint32(e, true) & 1) === 0) return; // nothing mapped below
      t = this.child(e, level);
    }
    const e = this.entry(t, va, leafLevel);
    const dv = this.mem.dv;
    if (pa < 0 || !prot.read) {
      dv.setUint32(e, 0, true); dv.setUint32(e + 4, 0, true);
      return;
    }
    const flags = 0x1 | 0x4 | (prot.write ? 0x2 : 0) | (size > PAGE ? 0x80 : 0);
    dv.setUint32(e, ((pa % P32) | flags) >>> 0, true);
    dv.setUint32(e + 4, (Math.floor(pa / P32) | (prot.exec ? 0 : 0x80000000)) >>> 0, true);
  }
}

function checkRange(va: number, size: number): void {
  if (va % PAGE || size % PAGE || size <= 0 || va < 0 || va + size > USER_TOP) {
    throw new LwkError('BAD_MAPPING', `range 0x${va.toString(16)}+0x${size.toString(16)} is not a page-aligned user range`);
  }
}
