// modify_ldt: reads and writes the address space's LDT (proc/ldt.ts) with Linux's rules for what
// user space may put there: DPL 3 code and data segments only (no system descriptors, so no call
// gates), 16-bit segments allowed, conforming code only when not present, and the L bit never set
// (Linux clears `lm` rather than refusing it, so a 64-bit LDT code segment cannot exist).
import { loadLdtr, LDT_ENTRIES, ldtBytes, ldtEntries, setLdtEntry } from '../proc/ldt.js';
import { E } from '../errno.js';
import type { Sys, Syscall } from './context.js';

const DESC_SIZE = 16; // struct user_desc

function write(x: Sys, ptr: number, count: number, oldmode: boolean): number {
  if (count !== DESC_SIZE) return -E.INVAL;
  const b = x.read(ptr, DESC_SIZE);
  if (!b) return -E.FAULT;
  const dv = new DataView(b.buffer, b.byteOffset, DESC_SIZE);
  const index = dv.getUint32(0, true), base = dv.getUint32(4, true), limit = dv.getUint32(8, true), f = dv.getUint32(12, true);
  const seg32 = f & 1, contents = (f >> 1) & 3, readExecOnly = (f >> 3) & 1, inPages = (f >> 4) & 1;
  const notPresent = (f >> 5) & 1, useable = (f >> 6) & 1, lm = (f >> 7) & 1;
  if (index >= LDT_ENTRIES) return -E.INVAL;
  if (contents === 3 && (oldmode || !notPresent)) return -E.INVAL;
  const empty = base === 0 && limit === 0 && contents === 0 && readExecOnly === 1 && seg32 === 0 &&
    inPages === 0 && notPresent === 1 && useable === 0 && lm === 0;
  let lo = 0, hi = 0;
  if (!((oldmode && base === 0 && limit === 0) || empty)) {
    // Type: accessed (so the table can stay read-only), writable/readable, then contents.
    const type = 1 | ((readExecOnly ^ 1) << 1) | (contents << 2);
    lo = ((base & 0xffff) << 16) | (limit & 0xffff);
    hi = ((base >>> 16) & 0xff) | (type << 8) | (1 << 12) | (3 << 13) | ((notPresent ^ 1) << 15) |
      (limit & 0xf0000) | ((oldmode ? 0 : useable) << 20) | (seg32 << 22) | (inPages << 23) | (base & 0xff000000);
  }
  const mm = x.mm;
  setLdtEntry(mm, x.k.node.memory, index, lo, hi);
  // Every thread of the address space sees the new table size at once (Linux reloads LDTR by IPI).
  for (const p of x.k.procs.values()) {
    if (p.mm !== mm) continue;
    for (const t of p.liveThreads()) {
      loadLdtr(t.ctx, mm);
      if (t.sched.loaded === t) loadLdtr(t.sched.core.cpu.state, mm);
    }
  }
  return 0;
}

function read(x: Sys, ptr: number, count: number): number {
  if (ldtEntries(x.mm) === 0) return 0;
  const n = Math.min(count, LDT_ENTRIES * 8);
  return x.write(ptr, ldtBytes(x.mm, x.k.node.memory, n)) ? n : -E.FAULT;
}

export const modifyLdt: Syscall = {
  nr: 154, name: 'modify_ldt',
  handler(x, [func, ptr, count]) {
    let r: number;
    switch (func | 0) {
      case 0: r = read(x, ptr, count); break;
      case 1: r = write(x, ptr, count, true); break;
      case 2: r = x.write(ptr, new Uint8Array(Math.min(count, 128))) ? Math.min(count, 128) : -E.FAULT; break;
      case 0x11: r = write(x, ptr, count, false); break;
      default: r = -E.NOSYS;
    }
    // Linux returns an int zero-extended into RAX: an error is 0x00000000ffffffea, not -22.
    return r >>> 0;
  },
};
