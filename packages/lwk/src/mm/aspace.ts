// Address spaces, Kitten's way: a sorted list of non-overlapping regions, each mapped eagerly onto
// physically contiguous memory with the largest pages that fit (1 GiB, 2 MiB, 4 KiB). The page
// tables are real x86-64 tables in node memory; the core walks them like hardware would.
import type { PhysicalMemory } from '@serval/x86';
import { LwkError } from './errors.js';
import type { Pmem, PmemRegion } from './pmem.js';

export interface Prot { read: boolean; write: boolean; exec: boolean }
export const PROT_RW: Prot = { read: true, write: true, exec: false };
export const PROT_RX: Prot = { read: true, write: false, exec: true };

export interface Mapping {
  va: number;
  size: number;
  pa: number;
  prot: Prot;
  name: string;
  /** Physical memory owned by this mapping (freed with it), if any. */
  region?: PmemRegion;
}

const PAGE = 4096, MB2 = 2 ** 21, GB1 = 2 ** 30;
export const USER_TOP = 0x800000000000;
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

export class AddressSpace {
  readonly cr3: number;
  private maps: Mapping[] = [];
  private tables: number[] = [];

  constructor(private readonly mem: PhysicalMemory, private readonly pool: PageTablePool) {
    this.cr3 = pool.take();
    this.tables.push(this.cr3);
  }

  get mappings(): readonly Mapping[] {
    return this.maps;
  }

  map(m: Mapping): Mapping {
    const { va, size, pa } = m;
    if (va % PAGE || size % PAGE || pa % PAGE || size <= 0) {
      throw new LwkError('BAD_MAPPING', `mapping ${m.name} at 0x${va.toString(16)}+0x${size.toString(16)} is not page aligned`);
    }
    if (va < 0 || va + size > USER_TOP) throw new LwkError('BAD_MAPPING', `mapping ${m.name} at 0x${va.toString(16)} lies outside user space`);
    const clash = this.maps.find((x) => va < x.va + x.size && x.va < va + size);
    if (clash) throw new LwkError('MAPPING_OVERLAP', `mapping ${m.name} at 0x${va.toString(16)} overlaps ${clash.name}`);
    let off = 0;
    while (off < size) {
      const v = va + off, p = pa + off, left = size - off;
      const step = v % GB1 === 0 && p % GB1 === 0 && left >= GB1 ? GB1 : v % MB2 === 0 && p % MB2 === 0 && left >= MB2 ? MB2 : PAGE;
      this.setLeaf(v, p, step, m.prot);
      off += step;
    }
    this.maps.push(m);
    this.maps.sort((a, b) => a.va - b.va);
    return m;
  }

  /** Removes mappings wholly inside [va, va+size) (partial unmaps split the mapping). */
  unmap(va: number, size: number): Mapping[] {
    const removed: Mapping[] = [];
    for (const m of [...this.maps]) {
      if (m.va >= va + size || m.va + m.size <= va) continue;
      this.maps.splice(this.maps.indexOf(m), 1);
      const lo = Math.max(va, m.va), hi = Math.min(va + size, m.va + m.size);
      for (let v = lo; v < hi; v += PAGE) this.clearLeaf(v);
      if (m.va < lo) this.maps.push({ ...m, size: lo - m.va, region: undefined });
      if (hi < m.va + m.size) this.maps.push({ ...m, va: hi, pa: m.pa + (hi - m.va), size: m.va + m.size - hi, region: undefined });
      removed.push(m);
      this.maps.sort((a, b) => a.va - b.va);
    }
    return removed;
  }

  find(va: number): Mapping | undefined {
    let lo = 0, hi = this.maps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.maps[mid];
      if (va < m.va) hi = mid - 1;
      else if (va >= m.va + m.size) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  /** Host-physical address of user address `va` when [va, va+len) is mapped with `need`; else undefined. */
  resolve(va: number, len: number, need: 'read' | 'write'): number | undefined {
    const m = this.find(va);
    if (!m || va + len > m.va + m.size) return undefined;
    if (need === 'write' && !m.prot.write) return undefined;
    return m.pa + (va - m.va);
  }

  // ---- page-table construction ----

  private entryAddr(table: number, va: number, shift: number): number {
    return table + (Math.floor(va / 2 ** shift) % 512) * 8;
  }

  private next(table: number, va: number, shift: number): number {
    const e = this.entryAddr(table, va, shift);
    const dv = this.mem.dv;
    const lo = dv.getUint32(e, true);
    if (lo & 1) {
      if (lo & 0x80) throw new LwkError('BAD_MAPPING', `0x${va.toString(16)} is already covered by a large page`);
      return (lo & 0xfffff000) + (dv.getUint32(e + 4, true) & 0xfffff) * P32;
    }
    const t = this.pool.take();
    this.tables.push(t);
    dv.setUint32(e, (t % P32) | 0x7, true);
    dv.setUint32(e + 4, Math.floor(t / P32), true);
    return t;
  }

  private setLeaf(va: number, pa: number, size: number, prot: Prot): void {
    let t = this.next(this.cr3, va, 39);
    if (size < GB1) t = this.next(t, va, 30);
    if (size < MB2) t = this.next(t, va, 21);
    const shift = size === GB1 ? 30 : size === MB2 ? 21 : 12;
    const e = this.entryAddr(t, va, shift);
    const flags = 0x1 | 0x4 | (prot.write ? 0x2 : 0) | (size > PAGE ? 0x80 : 0);
    this.mem.dv.setUint32(e, ((pa % P32) | flags) >>> 0, true);
    this.mem.dv.setUint32(e + 4, (Math.floor(pa / P32) | (prot.exec ? 0 : 0x80000000)) >>> 0, true);
  }

  private clearLeaf(va: number): void {
    const dv = this.mem.dv;
    let t = this.cr3;
    for (const shift of [39, 30, 21, 12]) {
      const e = this.entryAddr(t, va, shift);
      const lo = dv.getUint32(e, true);
      if ((lo & 1) === 0) return;
      if (shift === 12 || (lo & 0x80)) {
        if (shift !== 12 && (lo & 0x80)) throw new LwkError('BAD_UNMAP', `cannot unmap part of a large page at 0x${va.toString(16)}`);
        dv.setUint32(e, 0, true); dv.setUint32(e + 4, 0, true);
        return;
      }
      t = (lo & 0xfffff000) + (dv.getUint32(e + 4, true) & 0xfffff) * P32;
    }
  }

  /** Frees the page tables (the caller frees the regions it allocated). */
  destroy(): void {
    for (const t of this.tables) this.pool.give(t);
    this.tables = [];
    this.maps = [];
  }
}
