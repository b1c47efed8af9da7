// Loads a static ELF64 program (non-PIE or static-PIE). Read-only parts (text, rodata) come from
// an image cache shared by every process running the same bytes — one copy in memory, and code
// compiled once for all of them, which is what makes fork-and-exec-heavy shells fast; writable
// parts are private and fresh.
import { PT, PF, ET, type Elf64 } from '@serval/guest-tools';
import type { PhysicalMemory } from '@serval/x86';
import type { Prot } from './aspace.js';
import { LwkError } from '../errors.js';
import type { Backing, Mm } from './mm.js';
import type { Pmem } from './pmem.js';

const PAGE = 4096, MB2 = 2 ** 21;
/** Where position-independent executables go (Linux's ELF_ET_DYN_BASE on x86-64). */
export const PIE_BASE = 0x555555554000;

export interface LoadedImage {
  entry: number;
  /** Load bias (0 for non-PIE). */
  bias: number;
  /** User address of the program headers (AT_PHDR). */
  phdr: number;
  phnum: number;
  /** First page after the highest segment: where the heap starts. */
  end: number;
}

/** FNV-1a over the bytes: identifies an image's contents for sharing (not for security). */
function fingerprint(b: Uint8Array): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < b.length; i++) {
    h1 = Math.imul(h1 ^ b[i], 0x01000193);
    h2 = Math.imul(h2 ^ b[i], 0x5bd1e995);
  }
  return `${b.length}:${(h1 >>> 0).toString(16)}:${(h2 >>> 0).toString(16)}`;
}

/** Read-only page runs of loaded images, kept while any process maps them (and reused after). */
export class ImageCache {
  private readonly runs = new Map<string, Backing>();
  constructor(private readonly pmem: Pmem, private readonly mem: PhysicalMemory) {}

  /** The shared backing for `pages` pages of image bytes, built by `fill` on first use. */
  get(key: string, size: number, skew: number, fill: (pa: number) => void): Backing {
    let b = this.runs.get(key);
    if (!b) {
      const region = this.pmem.alloc(size + skew, 'umem', 'image cache', MB2);
      this.mem.fill(region.start, region.size);
      fill(region.start + skew);
      // The cache holds one reference so the pages outlive the processes that used them.
      b = { region, refs: 1 };
      this.runs.set(key, b);
    }
    return b;
  }
}

export function loadElfImage(elf: Elf64, mm: Mm, pmem: Pmem, mem: PhysicalMemory, owner: string, cache?: ImageCache): LoadedImage {
  if (elf.interp) {
    throw new LwkError('DYNAMIC_PROGRAM', `${owner} is dynamically linked (interpreter ${elf.interp}); the LWK runs static programs only: link with -static`);
  }
  const loads = elf.phdrs.filter((p) => p.type === PT.LOAD);
  const bias = elf.type === ET.DYN ? PIE_BASE : 0;
  const lo = Math.floor(Math.min(...loads.map((p) => p.vaddr)) / PAGE) * PAGE + bias;
  const hi = Math.ceil(Math.max(...loads.map((p) => p.vaddr + p.memsz)) / PAGE) * PAGE + bias;
  if (lo < PAGE) throw new LwkError('BAD_PROGRAM', `${owner} wants to load at 0x${lo.toString(16)}, inside the null page`);
  // Each page gets the union of the permissions of the segments that touch it.
  const pages = (hi - lo) / PAGE;
  const prot = new Uint8Array(pages);
  for (const p of loads) {
    const first = Math.floor((p.vaddr + bias - lo) / PAGE);
    const last = Math.ceil((p.vaddr + bias + p.memsz - lo) / PAGE);
    for (let i = first; i < last; i++) prot[i] |= 0x10 | (p.flags & 7);
  }
  /** Copies the file bytes that fall in [va, va+size) to physical address pa. */
  const fill = (va: number, size: number, pa: number) => {
    for (const p of loads) {
      const s = Math.max(va, p.vaddr + bias), e = Math.min(va + size, p.vaddr + bias + p.filesz);
      if (s < e) mem.write(pa + (s - va), elf.bytes.subarray(p.offset + (s - p.vaddr - bias), p.offset + (e - p.vaddr - bias)));
    }
  };
  const id = cache ? fingerprint(elf.bytes) : '';
  let i = 0;
  while (i < pages) {
    const f = prot[i];
    let j = i + 1;
    while (j < pages && prot[j] === f) j++;
    if (f) {
      const va = lo + i * PAGE, size = (j - i) * PAGE;
      const pr: Prot = { read: true, write: (f & PF.W) !== 0, exec: (f & PF.X) !== 0 };
      const skew = va % MB2;
      let backing: Backing;
      if (cache && !pr.write) {
        backing = cache.get(`${id}@${va.toString(16)}+${size}`, size, skew, (pa) => fill(va, size, pa));
      } else {
        const region = pmem.alloc(size + skew, 'umem', `${owner} image`, MB2);
        mem.fill(region.start, region.size);
        fill(va, size, region.start + skew);
        backing = { region, refs: 0 };
      }
      mm.insert({ va, size, prot: pr, kind: 'image', name: 'image', backing, off: skew });
    }
    i = j;
  }
  const phdrSeg = elf.phdrs.find((p) => p.type === PT.PHDR);
  const holder = loads.find((p) => elf.phoff >= p.offset && elf.phoff < p.offset + p.filesz);
  const phdr = phdrSeg ? phdrSeg.vaddr + bias : holder ? holder.vaddr + (elf.phoff - holder.offset) + bias : 0;
  return { entry: elf.entry + bias, bias, phdr, phnum: elf.phnum, end: hi };
}
