// Loads a static ELF64 program (non-PIE or static-PIE) into one physically contiguous region and
// maps its segments with their own permissions.
import { PT, PF, ET, type Elf64 } from '@serval/guest-tools';
import type { PhysicalMemory } from '@serval/x86';
import type { Prot } from './aspace.js';
import { LwkError } from '../errors.js';
import type { Mm } from './mm.js';
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

export function loadElfImage(elf: Elf64, mm: Mm, pmem: Pmem, mem: PhysicalMemory, owner: string): LoadedImage {
  if (elf.interp) {
    throw new LwkError('DYNAMIC_PROGRAM', `${owner} is dynamically linked (interpreter ${elf.interp}); the LWK runs static programs only: link with -static`);
  }
  const loads = elf.phdrs.filter((p) => p.type === PT.LOAD);
  const bias = elf.type === ET.DYN ? PIE_BASE : 0;
  const lo = Math.floor(Math.min(...loads.map((p) => p.vaddr)) / PAGE) * PAGE + bias;
  const hi = Math.ceil(Math.max(...loads.map((p) => p.vaddr + p.memsz)) / PAGE) * PAGE + bias;
  if (lo < PAGE) throw new LwkError('BAD_PROGRAM', `${owner} wants to load at 0x${lo.toString(16)}, inside the null page`);
  // Physical and virtual addresses agree modulo 2 MiB, so large pages stay possible.
  const skew = lo % MB2;
  const region = pmem.alloc(hi - lo + skew, 'umem', `${owner} image`, MB2);
  const pa = region.start + skew;
  mem.fill(pa, hi - lo, 0);
  for (const p of loads) {
    mem.write(pa + (p.vaddr + bias - lo), elf.bytes.subarray(p.offset, p.offset + p.filesz));
  }
  // Each page gets the union of the permissions of the segments that touch it.
  const pages = (hi - lo) / PAGE;
  const prot = new Uint8Array(pages);
  for (const p of loads) {
    const first = Math.floor((p.vaddr + bias - lo) / PAGE);
    const last = Math.ceil((p.vaddr + bias + p.memsz - lo) / PAGE);
    for (let i = first; i < last; i++) prot[i] |= 0x10 | (p.flags & 7);
  }
  const backing = { region, refs: 0 };
  let i = 0;
  while (i < pages) {
    const f = prot[i];
    let j = i + 1;
    while (j < pages && prot[j] === f) j++;
    if (f) {
      const pr: Prot = { read: true, write: (f & PF.W) !== 0, exec: (f & PF.X) !== 0 };
      mm.insert({ va: lo + i * PAGE, size: (j - i) * PAGE, prot: pr, kind: 'image', name: 'image', backing, off: skew + i * PAGE });
    }
    i = j;
  }
  if (backing.refs === 0) pmem.freeRegion(region);
  const phdrSeg = elf.phdrs.find((p) => p.type === PT.PHDR);
  const holder = loads.find((p) => elf.phoff >= p.offset && elf.phoff < p.offset + p.filesz);
  const phdr = phdrSeg ? phdrSeg.vaddr + bias : holder ? holder.vaddr + (elf.phoff - holder.offset) + bias : 0;
  return { entry: elf.entry + bias, bias, phdr, phnum: elf.phnum, end: hi };
}
