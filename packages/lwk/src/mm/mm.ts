// A process's memory: its mappings (VMAs), each backed by physically contiguous memory from pmem
// and mapped eagerly — no demand paging, so no page faults after a mapping call returns. Fork copies
// what is writable and shares what is not; the heap grows in contiguous chunks.
import type { PhysicalMemory } from '@serval/x86';
import { E } from '../errno.js';
import { AddressSpace, type PageTablePool, type Prot, SMARTMAP_SLOT, USER_TOP } from './aspace.js';
import { LwkError } from '../errors.js';
import type { Pmem, PmemRegion } from './pmem.js';

const PAGE = 4096;
const MB2 = 2 * 1024 * 1024;

/** `shared`: MAP_SHARED memory, which a forked child shares instead of copying. */
export type VmaKind = 'image' | 'heap' | 'stack' | 'anon' | 'file' | 'shared';

/** Physical memory shared by the VMAs that map it; freed when the last one goes. */
export interface Backing {
  region: PmemRegion;
  refs: number;
}

export interface Vma {
  va: number;
  size: number;
  prot: Prot;
  kind: VmaKind;
  name: string;
  backing: Backing;
  /** Offset of `va` within the backing region. */
  off: number;
}

export interface MmResources {
  mem: PhysicalMemory;
  pmem: Pmem;
  pool: PageTablePool;
  /** Flushes the TLB of every core (after a change other spaces see through SMARTMAP). */
  flushAll?: () => void;
  /** Maps what every address space holds besides user memory (the descriptor tables). */
  system?: (a: AddressSpace) => void;
}

/** How a job's memory is laid out (Kitten's job parameters); kept across exec. */
export interface MmPolicy {
  /** Cores this address space's tasks may run on (undefined: every core of the LWK). */
  cpus?: readonly number[];
  /** A heap of this many bytes, allocated and mapped up front; brk moves inside it. */
  heap?: number;
  /** Largest page size used: 4 KiB, 2 MiB or 1 GiB. */
  maxPage?: number;
}

export const pageUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;

export class Mm {
  readonly aspace: AddressSpace;
  private vmas: Vma[] = [];
  brkStart = 0;
  brk = 0;
  /** End of the mapped heap (the break rounded up to whole pages). */
  brkMapped = 0;
  /** Highest address below which anonymous mappings are placed, top-down. */
  mmapTop = 0x7f0000000000;
  /** End of the fixed heap when the policy gives one (brk cannot pass it). */
  heapEnd = 0;
  /** SMARTMAP: other spaces shown in this one, by top-level slot; and the spaces showing this one. */
  private readonly shows = new Map<number, Mm>();
  private readonly shownIn = new Set<Mm>();

  constructor(private readonly r: MmResources, readonly owner: string, public policy: MmPolicy = {}) {
    this.aspace = new AddressSpace(r.mem, r.pool);
    if (policy.maxPage) this.aspace.maxPage = policy.maxPage;
    this.aspace.shootdown = r.flushAll;
    r.system?.(this.aspace);
  }

  get mappings(): readonly Vma[] {
    return this.vmas;
  }

  /** Maps fresh, zeroed, contiguous memory at `va`. */
  mapFresh(va: number, size: number, prot: Prot, kind: VmaKind, name: string, align = PAGE): Vma {
    // Matching the virtual address modulo 2 MiB keeps large pages possible.
    const skew = align >= MB2 ? va % align : 0;
    const region = this.r.pmem.alloc(size + skew, 'umem', `${this.owner} ${name}`, align);
    this.r.mem.fill(region.start, region.size);
    return this.insert({ va, size, prot, kind, name, backing: { region, refs: 0 }, off: skew });
  }

  /** Adds a VMA (replacing anything it overlaps) and maps it. */
  insert(v: Vma): Vma {
    this.removeRange(v.va, v.size);
    v.backing.refs++;
    this.vmas.push(v);
    this.vmas.sort((a, b) => a.va - b.va);
    this.aspace.mapRange(v.va, v.size, v.backing.region.start + v.off, v.prot);
    return v;
  }

  find(va: number): Vma | undefined {
    let lo = 0, hi = this.vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = this.vmas[mid];
      if (va < m.va) hi = mid - 1;
      else if (va >= m.va + m.size) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  /** Unmaps [va, va+size), splitting VMAs at the edges. */
  removeRange(va: number, size: number): void {
    const end = va + size;
    const keep: Vma[] = [];
    for (const m of this.vmas) {
      const mEnd = m.va + m.size;
      if (mEnd <= va || m.va >= end) { keep.push(m); continue; }
      if (m.va < va) { keep.push({ ...m, size: va - m.va }); m.backing.refs++; }
      if (mEnd > end) { keep.push({ ...m, va: end, size: mEnd - end, off: m.off + (end - m.va) }); m.backing.refs++; }
      this.release(m.backing);
    }
    this.vmas = keep.sort((a, b) => a.va - b.va);
    this.aspace.unmapRange(va, size);
  }

  private release(b: Backing): void {
    if (--b.refs === 0) this.r.pmem.freeRegion(b.region);
  }

  /** mprotect: new permissions for every page of [va, va+size), which must all be mapped. */
  protect(va: number, size: number, prot: Prot): number {
    for (let a = va; a < va + size;) {
      const m = this.find(a);
      if (!m) return -E.NOMEM;
      a = m.va + m.size;
    }
    const pieces = this.vmas.filter((m) => m.va < va + size && m.va + m.size > va).map((m) => {
      const lo = Math.max(va, m.va), hi = Math.min(va + size, m.va + m.size);
      return { ...m, va: lo, size: hi - lo, off: m.off + (lo - m.va), prot };
    });
    for (const p of pieces) p.backing.refs++; // held across the remove below
    this.removeRange(va, size);
    for (const p of pieces) { this.insert(p); p.backing.refs--; }
    return 0;
  }

  /**
   * Kitten's heap: `size` bytes of contiguous memory at the first suitably aligned address after
   * the image, mapped now with the largest pages the policy allows; brk then only moves inside it.
   */
  reserveHeap(size: number): void {
    const page = [2 ** 30, MB2, PAGE].find((p) => p <= this.aspace.maxPage && p <= size) ?? PAGE;
    const va = Math.ceil(this.brkStart / page) * page;
    size = Math.ceil(size / page) * page;
    this.mapFresh(va, size, { read: true, write: true, exec: false }, 'heap', 'heap', page);
    this.brkStart = this.brk = va;
    this.brkMapped = this.heapEnd = va + size;
  }

  /** brk: moves the break, mapping or unmapping heap pages as it goes (no memory is promised beyond it). */
  setBrk(addr: number): number {
    if (this.heapEnd) {
      if (addr < this.brkStart || addr > this.heapEnd) return this.brk;
      // Memory given back and taken again must read as zeros (glibc's calloc counts on it).
      if (addr < this.brk) this.write(addr, new Uint8Array(this.brk - addr));
      this.brk = addr;
      return addr;
    }
    if (addr < this.brkStart || addr >= this.mmapTop) return this.brk;
    const want = pageUp(addr);
    if (want > this.brkMapped) {
      if (!this.rangeFree(this.brkMapped, want - this.brkMapped)) return this.brk;
      try {
        this.mapFresh(this.brkMapped, want - this.brkMapped, { read: true, write: true, exec: false }, 'heap', 'heap');
      } catch {
        return this.brk;
      }
    } else if (want < this.brkMapped) {
      this.removeRange(want, this.brkMapped - want);
    }
    this.brkMapped = want;
    this.brk = addr;
    return this.brk;
  }

  rangeFree(va: number, size: number): boolean {
    for (const slot of this.shows.keys()) if (va < (slot + 1) * SMARTMAP_SLOT && va + size > slot * SMARTMAP_SLOT) return false;
    return !this.vmas.some((m) => m.va < va + size && m.va + m.size > va);
  }

  /** SMARTMAP: shows `src`'s first 512 GiB at `va` (a multiple of 512 GiB) in this space. */
  smartmap(src: Mm, va: number): void {
    if (va % SMARTMAP_SLOT === 0 && !this.rangeFree(va, SMARTMAP_SLOT)) throw new LwkError('BAD_MAPPING', `0x${va.toString(16)}..+512 GiB is already in use`);
    this.aspace.smartmap(src.aspace, va);
    this.shows.set(va / SMARTMAP_SLOT, src);
    src.shownIn.add(this);
  }

  /** Ends a SMARTMAP made by `smartmap`. */
  unsmartmap(va: number): void {
    const slot = Math.floor(va / SMARTMAP_SLOT);
    const src = this.shows.get(slot);
    if (!src) return;
    this.aspace.unsmartmap(slot * SMARTMAP_SLOT);
    this.shows.delete(slot);
    src.shownIn.delete(this);
    if (src.ended && src.shownIn.size === 0) src.free();
  }

  /** Finds room for `size` bytes below `mmapTop`, highest first (Linux's top-down layout); -1 if none. */
  findFree(size: number, hint = 0): number {
    if (hint && hint % PAGE === 0 && hint + size <= USER_TOP && hint >= this.brkMapped && this.rangeFree(hint, size)) return hint;
    let top = this.mmapTop;
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const m = this.vmas[i];
      if (m.va >= top) continue;
      if (top - (m.va + m.size) >= size) break;
      top = m.va;
    }
    const va = top - size;
    return va >= this.brkMapped + 256 * MB2 ? va : -1;
  }

  /** A copy for a forked child: writable memory is copied, read-only and MAP_SHARED memory shared. */
  fork(owner: string): Mm {
    const child = new Mm(this.r, owner, this.policy);
    child.brkStart = this.brkStart; child.brk = this.brk; child.brkMapped = this.brkMapped; child.mmapTop = this.mmapTop;
    child.heapEnd = this.heapEnd;
    for (const m of this.vmas) {
      if (m.kind === 'shared' || (!m.prot.write && (m.kind === 'image' || m.kind === 'file'))) {
        child.insert({ ...m });
        continue;
      }
      // The copy keeps the parent's large pages when the mapping is big enough for them.
      const big = m.size >= MB2 && this.aspace.maxPage >= MB2;
      const skew = big ? m.va % MB2 : 0;
      const region = this.r.pmem.alloc(m.size + skew, 'umem', `${owner} ${m.name}`, big ? MB2 : PAGE);
      const src = m.backing.region.start + m.off;
      this.r.mem.u8.copyWithin(region.start + skew, src, src + m.size);
      this.r.mem.noteWrite(region.start + skew, m.size);
      child.insert({ ...m, backing: { region, refs: 0 }, off: skew });
    }
    return child;
  }

  /**
   * Ends the address space. While other spaces still show it through SMARTMAP its memory stays (as
   * Kitten's SMARTMAP holds a reference), so a rank that ends first cannot pull memory from under
   * the ranks still reading it; it goes when the last of them does.
   */
  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    for (const slot of [...this.shows.keys()]) this.unsmartmap(slot * SMARTMAP_SLOT);
    if (this.shownIn.size === 0) this.free();
  }

  private ended = false;

  private free(): void {
    for (const m of this.vmas) this.release(m.backing);
    this.vmas = [];
    this.aspace.destroy();
  }

  // ---- checked access to user memory (a bad pointer is undefined/false, i.e. EFAULT) ----

  private phys(va: number, write: boolean): { pa: number; left: number } | undefined {
    const shown = this.shows.size ? this.shows.get(Math.floor(va / SMARTMAP_SLOT)) : undefined;
    if (shown) return shown.phys(va % SMARTMAP_SLOT, write);
    const m = this.find(va);
    if (!m || !m.prot.read || (write && !m.prot.write)) return undefined;
    return { pa: m.backing.region.start + m.off + (va - m.va), left: m.va + m.size - va };
  }

  read(va: number, len: number): Uint8Array | undefined {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const p = this.phys(va + done, false);
      if (!p) return undefined;
      const n = Math.min(len - done, p.left);
      out.set(this.r.mem.u8.subarray(p.pa, p.pa + n), done);
      done += n;
    }
    return out;
  }

  write(va: number, bytes: Uint8Array): boolean {
    let done = 0;
    while (done < bytes.length) {
      const p = this.phys(va + done, true);
      if (!p) return false;
      const n = Math.min(bytes.length - done, p.left);
      this.r.mem.write(p.pa, bytes.subarray(done, done + n));
      done += n;
    }
    return true;
  }

  readString(va: number, max = 4096): string | undefined {
    const out: number[] = [];
    const u8 = this.r.mem.u8;
    for (let i = 0; i < max;) {
      const p = this.phys(va + i, false);
      if (!p) return undefined;
      for (let k = 0; k < p.left && i < max; k++, i++) {
        const b = u8[p.pa + k];
        if (b === 0) return new TextDecoder().decode(Uint8Array.from(out));
        out.push(b);
      }
    }
    return undefined;
  }

  readU64(va: number): number | undefined {
    const b = this.read(va, 8);
    if (!b) return undefined;
    const dv = new DataView(b.buffer);
    return dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true);
  }

  writeU64(va: number, v: number | bigint): boolean {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
    return this.write(va, b);
  }

  readU32(va: number): number | undefined {
    const b = this.read(va, 4);
    return b ? new DataView(b.buffer).getUint32(0, true) : undefined;
  }

  writeU32(va: number, v: number): boolean {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.write(va, b);
  }
}
