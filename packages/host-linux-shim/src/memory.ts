// The host's physical page allocator, reduced to what matters here: ranges of free memory from
// which the host (and, through it, modules) take physically contiguous blocks.
import { ShimError } from './errors.js';

export interface Range { start: number; size: number }

export class HostMemory {
  private free: Range[];
  private used = new Map<number, Range & { owner: string }>();

  constructor(readonly total: number, reservedLow: number) {
    this.free = [{ start: reservedLow, size: total - reservedLow }];
  }

  allocContiguous(size: number, align: number, owner: string): Range {
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i];
      const start = Math.ceil(r.start / align) * align;
      if (start + size > r.start + r.size) continue;
      const parts: Range[] = [];
      if (start > r.start) parts.push({ start: r.start, size: start - r.start });
      if (start + size < r.start + r.size) parts.push({ start: start + size, size: r.start + r.size - start - size });
      this.free.splice(i, 1, ...parts);
      this.used.set(start, { start, size, owner });
      return { start, size };
    }
    throw new ShimError('ENOMEM', `no ${Math.floor(size / 1048576)} MiB of contiguous memory left for ${owner} (${Math.floor(this.freeBytes / 1048576)} MiB free)`, 12);
  }

  release(start: number): void {
    const r = this.used.get(start);
    if (!r) throw new ShimError('NOT_ALLOCATED', `no block at 0x${start.toString(16)} is allocated`);
    this.used.delete(start);
    this.free.push({ start: r.start, size: r.size });
    this.free.sort((a, b) => a.start - b.start);
    const merged: Range[] = [];
    for (const f of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.start + last.size === f.start) last.size += f.size;
      else merged.push({ ...f });
    }
    this.free = merged;
  }

  get freeBytes(): number {
    return this.free.reduce((a, r) => a + r.size, 0);
  }

  /** Allocated blocks in address order (for /proc/iomem). */
  allocations(): (Range & { owner: string })[] {
    return [...this.used.values()].sort((a, b) => a.start - b.start);
  }

  usedBy(owner: string): number {
    let n = 0;
    for (const r of this.used.values()) if (r.owner === owner) n += r.size;
    return n;
  }
}
