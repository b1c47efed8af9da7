// Physical memory as typed regions, Kitten's pmem: every byte of the node is in exactly one region,
// free or allocated to a purpose. Allocations are physically contiguous, first fit.
import { LwkError } from '../errors.js';

export type PmemType = 'free' | 'kernel' | 'pagetables' | 'umem' | 'initrd' | 'vm';

export interface PmemRegion {
  readonly start: number;
  readonly size: number;
  readonly type: PmemType;
  readonly owner: string;
}

const PAGE = 4096;

export class Pmem {
  private list: PmemRegion[];

  constructor(readonly total: number) {
    this.list = [{ start: 0, size: total, type: 'free', owner: '' }];
  }

  /** Marks a fixed range (firmware, kernel image) as used. */
  reserve(start: number, size: number, type: PmemType, owner: string): PmemRegion {
    const i = this.list.findIndex((r) => r.type === 'free' && start >= r.start && start + size <= r.start + r.size);
    if (i < 0) throw new LwkError('PMEM_BUSY', `physical range 0x${start.toString(16)}+0x${size.toString(16)} is not free`);
    return this.carve(i, start, size, type, owner);
  }

  alloc(size: number, type: Exclude<PmemType, 'free'>, owner: string, align = PAGE): PmemRegion {
    if (!(size > 0)) throw new LwkError('BAD_SIZE', `cannot allocate ${size} bytes`);
    size = Math.ceil(size / PAGE) * PAGE;
    for (let i = 0; i < this.list.length; i++) {
      const r = this.list[i];
      if (r.type !== 'free') continue;
      const start = Math.ceil(r.start / align) * align;
      if (start + size <= r.start + r.size) return this.carve(i, start, size, type, owner);
    }
    throw new LwkError('OUT_OF_MEMORY', `no ${Math.floor(size / 1024)} KiB of contiguous physical memory is free (${Math.floor(this.free / 1024)} KiB free in all) for ${owner}`);
  }

  freeRegion(region: PmemRegion): void {
    const i = this.list.indexOf(region);
    if (i < 0) throw new LwkError('NOT_ALLOCATED', `region 0x${region.start.toString(16)} is not allocated`);
    this.list[i] = { start: region.start, size: region.size, type: 'free', owner: '' };
    this.merge();
  }

  get free(): number {
    return this.list.filter((r) => r.type === 'free').reduce((a, r) => a + r.size, 0);
  }

  /** Every region in address order, or those of one type (Kitten's pmem query). */
  regions(type?: PmemType): readonly PmemRegion[] {
    return type ? this.list.filter((r) => r.type === type) : this.list;
  }

  /** The region holding physical address `pa`. */
  regionAt(pa: number): PmemRegion | undefined {
    return this.list.find((r) => pa >= r.start && pa < r.start + r.size);
  }

  private carve(i: number, start: number, size: number, type: PmemType, owner: string): PmemRegion {
    const r = this.list[i];
    const parts: PmemRegion[] = [];
    if (start > r.start) parts.push({ start: r.start, size: start - r.start, type: 'free', owner: '' });
    const got: PmemRegion = { start, size, type, owner };
    parts.push(got);
    const end = start + size, rend = r.start + r.size;
    if (end < rend) parts.push({ start: end, size: rend - end, type: 'free', owner: '' });
    this.list.splice(i, 1, ...parts);
    return got;
  }

  private merge(): void {
    const out: PmemRegion[] = [];
    for (const r of this.list) {
      const p = out[out.length - 1];
      if (p && p.type === 'free' && r.type === 'free') out[out.length - 1] = { ...p, size: p.size + r.size };
      else out.push(r);
    }
    this.list = out;
  }
}
