// Memory: brk, mmap (anonymous, and private or shared file mappings read in eagerly), munmap,
// mprotect, mremap, madvise. Everything is mapped when the call returns: no demand paging.
import { E } from '../errno.js';
import type { Prot } from '../mm/aspace.js';
import { type Mm, pageUp } from '../mm/mm.js';
import { type Sys, type Syscall, int } from './context.js';

const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_32BIT = 0x40, MAP_FIXED_NOREPLACE = 0x100000;
const PAGE = 4096;
/** The end of user space (TASK_SIZE): the last page below 2^47 is never mapped. */
const TASK_SIZE = 0x7ffffffff000;
const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;

const protOf = (p: number): Prot => ({ read: (p & (PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0, write: (p & PROT_WRITE) !== 0, exec: (p & PROT_EXEC) !== 0 });

export const brk: Syscall = { nr: 12, name: 'brk', handler: (x, [addr]) => x.mm.setBrk(addr) };

function flush(x: Sys): void {
  x.t.sched.core.cpu.flushTlb();
  for (const t of x.p.threads) if (t.sched !== x.t.sched) t.sched.core.cpu.flushTlb();
}

/**
 * MAP_32BIT: the lowest free range in [1 GiB, 2 GiB), where Linux puts it for a 64-bit process
 * (programs use it for stacks and code they reach from 32-bit mode).
 */
function low2G(mm: Mm, size: number): number {
  let va = 0x40000000;
  for (const m of [...mm.mappings].sort((a, b) => a.va - b.va)) {
    if (m.va + m.size <= va) continue;
    if (m.va >= va + size) break;
    va = pageUp(m.va + m.size);
  }
  return va + size <= 0x80000000 ? va : -1;
}

export const mmap: Syscall = {
  nr: 9, name: 'mmap',
  handler(x, [addr, len, prot, flagsArg, fd, off]) {
    const flags = int(flagsArg);
    if (len === 0 || len > 2 ** 40) return -E.INVAL;
    if (addr % PAGE || off % PAGE) return -E.INVAL;
    if (!(flags & (MAP_SHARED | MAP_PRIVATE))) return -E.INVAL;
    const size = pageUp(len);
    const mm = x.mm;
    let va: number;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
      if (addr === 0 || addr + size > TASK_SIZE) return -E.INVAL;
      if ((flags & MAP_FIXED_NOREPLACE) && !mm.rangeFree(addr, size)) return -E.EXIST;
      va = addr;
    } else {
      va = flags & MAP_32BIT && !(addr && mm.rangeFree(addr, size)) ? low2G(mm, size) : mm.findFree(size, addr);
      if (va < 0) return -E.NOMEM;
    }
    let data: Uint8Array | undefined;
    if (!(flags & MAP_ANONYMOUS)) {
      const f = x.p.files.get(int(fd));
      if (!f) return -E.BADF;
      if (!f.readable || f.impl.kind === 'pipe' || f.impl.kind === 'dir') return -E.ACCES;
      // The file's bytes are copied in now; a shared writable mapping is not written back.
      const save = f.pos;
      f.pos = off;
      const r = f.impl.read(f, len);
      f.pos = save;
      if (typeof r === 'number' || r === 'block') return typeof r === 'number' ? r : -E.AGAIN;
      data = r;
    }
    try {
      const kind = flags & MAP_SHARED ? 'shared' : data ? 'file' : 'anon';
      mm.mapFresh(va, size, protOf(prot), kind, data ? 'file' : 'anon', size >= 2 * 1024 * 1024 ? 2 * 1024 * 1024 : PAGE);
    } catch {
      return -E.NOMEM;
    }
    if (data && data.length) {
      const v = mm.find(va)!;
      x.k.node.memory.write(v.backing.region.start + v.off, data);
    }
    flush(x);
    return va;
  },
};

export const munmap: Syscall = {
  nr: 11, name: 'munmap',
  handler(x, [addr, len]) {
    if (addr % PAGE || len === 0) return -E.INVAL;
    x.mm.removeRange(addr, pageUp(len));
    flush(x);
    return 0;
  },
};

export const mprotect: Syscall = {
  nr: 10, name: 'mprotect',
  handler(x, [addr, len, prot]) {
    if (addr % PAGE) return -E.INVAL;
    if (len === 0) return 0;
    const r = x.mm.protect(addr, pageUp(len), protOf(prot));
    flush(x);
    return r;
  },
};

export const mremap: Syscall = {
  nr: 25, name: 'mremap',
  handler(x, [old, oldLen, newLen, flags, newAddr]) {
    if (old % PAGE || flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) return -E.INVAL;
    const fixed = (flags & MREMAP_FIXED) !== 0;
    if (fixed && !(flags & MREMAP_MAYMOVE)) return -E.INVAL;
    const mm = x.mm;
    const v = mm.find(old);
    if (!v) return -E.FAULT;
    const os = pageUp(oldLen), ns = pageUp(newLen);
    if (ns === 0) return -E.INVAL;
    if (!fixed && ns <= os) { if (ns < os) mm.removeRange(old + ns, os - ns); flush(x); return old; }
    if (!fixed && !(flags & MREMAP_MAYMOVE)) return -E.NOMEM;
    let va: number;
    if (fixed) {
      if (newAddr % PAGE || newAddr + ns > TASK_SIZE) return -E.INVAL;
      if (newAddr < old + os && old < newAddr + ns) return -E.INVAL; // the ranges may not overlap
      va = newAddr;
    } else {
      va = mm.findFree(ns);
      if (va < 0) return -E.NOMEM;
    }
    if (old + os > v.va + v.size) return -E.FAULT; // the old range must lie in one mapping
    // Copied physically: the mapping may be read-only or PROT_NONE (a program's code page, say).
    const mem = x.k.node.memory;
    const src = v.backing.region.start + v.off + (old - v.va);
    const data = mem.u8.slice(src, src + Math.min(os, ns));
    let nv;
    try {
      nv = mm.mapFresh(va, ns, v.prot, v.kind, v.name, PAGE);
    } catch {
      return -E.NOMEM;
    }
    mem.write(nv.backing.region.start + nv.off, data);
    mm.removeRange(old, os);
    flush(x);
    return va;
  },
};

export const madvise: Syscall = { nr: 28, name: 'madvise', handler: () => 0 };
