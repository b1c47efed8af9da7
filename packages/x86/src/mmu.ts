// Linear → guest-physical translation: the page walkers of the three paging modes, permission
// checks with exact #PF error codes, accessed/dirty updates, and the software TLB they fill.
import { CR0, CR4, EFER, PFERR, VEC } from './arch.js';
import { TLB_SIZE } from './jit/runtime.js';
import { Fault } from './signals.js';
import type { CpuState } from './state.js';
import type { PhysMap } from './memory.js';

export const enum Access { Read = 0, Write = 1, Exec = 2 }

/** A direct-mapped TLB for one privilege class. Tags are virtual page numbers; NaN never matches. */
export class Tlb {
  readonly tagR = new Float64Array(TLB_SIZE).fill(NaN);
  readonly tagW = new Float64Array(TLB_SIZE).fill(NaN);
  readonly tagX = new Float64Array(TLB_SIZE).fill(NaN);
  /** Host-physical address of the page each entry maps. */
  readonly phys = new Float64Array(TLB_SIZE);
  /** 1 where the entry came from a global page (PTE.G under CR4.PGE): a CR3 write keeps it. */
  readonly global = new Uint8Array(TLB_SIZE);

  flush(): void {
    this.tagR.fill(NaN);
    this.tagW.fill(NaN);
    this.tagX.fill(NaN);
  }

  /** What a CR3 write does: drops every entry but the global ones. */
  flushNonGlobal(): void {
    const g = this.global;
    for (let i = 0; i < TLB_SIZE; i++) {
      if (g[i] === 0) { this.tagR[i] = NaN; this.tagW[i] = NaN; this.tagX[i] = NaN; }
    }
  }

  flushPage(vpn: number): void {
    const i = vpn & (TLB_SIZE - 1);
    if (this.tagR[i] === vpn || this.tagW[i] === vpn || this.tagX[i] === vpn) {
      this.tagR[i] = NaN; this.tagW[i] = NaN; this.tagX[i] = NaN;
    }
  }

  /** Drops write permission for every entry mapping host page `hpage`. */
  dropWritesTo(hpage: number): void {
    const base = hpage * 4096;
    for (let i = 0; i < TLB_SIZE; i++) if (this.phys[i] === base) this.tagW[i] = NaN;
  }
}

/** The result of a walk, kept in fields to avoid allocating on every TLB miss. */
export class Walk {
  gpa = 0;
  writable = false;
  executable = false;
  dirty = false;
  /** The mapping is global (G in the last entry, CR4.PGE on): it survives CR3 writes. */
  global = false;
}

const P32 = 4294967296;

/**
 * Physical-address width, as CPUID leaf 0x80000008 reports it (cpuid.ts). Entry bits from here
 * up to bit 51 are reserved: a present entry with one set is a #PF with RSVD, not an address.
 */
export const MAXPHYADDR = 40;
/** Bits 51:MAXPHYADDR of an entry, as a mask on its high dword. */
const RSVD_ADDR_HI = (0x000fffff & ~((1 << (MAXPHYADDR - 32)) - 1)) >>> 0;
/** Reserved low bits of a large-page entry: 29:13 (1 GiB), 20:13 (2 MiB). Bit 12 is PAT. */
const RSVD_1G_LO = 0x3fffe000;
const RSVD_2M_LO = 0x001fe000;

/**
 * Translates linear address `la` for an access. Throws #PF (or #GP for non-canonical addresses in
 * long mode). `memDv` and `map` reach the page tables in host memory.
 */
export function walk(
  s: CpuState, la: number, access: Access, user: boolean, map: PhysMap, dv: DataView, out: Walk,
): void {
  if ((s.cr0 & CR0.PG) === 0) {
    out.gpa = la; out.writable = true; out.executable = true; out.dirty = true; out.global = false;
    return;
  }
  if ((s.efer & EFER.LMA) !== 0) walk4(s, la, access, user, map, dv, out);
  else if ((s.cr4 & CR4.PAE) !== 0) walkPae(s, la, access, user, map, dv, out);
  else walk2(s, la, access, user, map, dv, out);
}

function pageFault(la: number, access: Access, user: boolean, present: boolean, rsvd: boolean, s: CpuState): Fault {
  let ec = 0;
  if (present) ec |= PFERR.P;
  if (access === Access.Write) ec |= PFERR.W;
  if (user) ec |= PFERR.U;
  if (rsvd) ec |= PFERR.RSVD;
  // I is reported where fetches can be refused: under NXE with PAE or 4-level paging, or SMEP.
  const nxPaging = (s.efer & EFER.NXE) !== 0 && (s.cr4 & CR4.PAE) !== 0;
  if (access === Access.Exec && (nxPaging || (s.cr4 & CR4.SMEP) !== 0)) ec |= PFERR.I;
  return new Fault(VEC.PF, ec, la);
}

/** Reads a page-table entry: returns the low dword, leaves the high dword in `pteHi`. */
let pteHi = 0;
function readPte(map: PhysMap, dv: DataView, gpa: number, wide: boolean): number {
  const hpa = map.toHost(gpa);
  if (hpa < 0) { pteHi = 0; return 0; }
  pteHi = wide ? dv.getUint32(hpa + 4, true) : 0;
  return dv.getUint32(hpa, true);
}

function setBits(map: PhysMap, dv: DataView, gpa: number, bits: number): void {
  const hpa = map.toHost(gpa);
  if (hpa < 0) return;
  const lo = dv.getUint32(hpa, true);
  if ((lo & bits) !== bits) dv.setUint32(hpa, (lo | bits) >>> 0, true);
}

function check(
  s: CpuState, la: number, access: Access, user: boolean, uOk: boolean, wOk: boolean, nx: boolean, out: Walk,
): void {
  if (user && !uOk) throw pageFault(la, access, user, true, false, s);
  const wp = (s.cr0 & CR0.WP) !== 0;
  const canWrite = wOk || (!user && !wp);
  if (access === Access.Write && !canWrite) throw pageFault(la, access, user, true, false, s);
  const smep = !user && uOk && (s.cr4 & CR4.SMEP) !== 0;
  const canExec = !nx && !smep;
  if (access === Access.Exec && !canExec) throw pageFault(la, access, user, true, false, s);
  out.writable = canWrite;
  out.executable = canExec;
}

/** Physical-address bits 12-51 of an entry given as its two dwords. */
function frame(lo: number, hi: number): number {
  return (hi & 0xfffff) * P32 + ((lo & 0xfffff000) >>> 0);
}

function walk4(s: CpuState, la: number, access: Access, user: boolean, map: PhysMap, dv: DataView, out: Walk): void {
  const nxe = (s.efer & EFER.NXE) !== 0;
  let table = (Math.floor(s.cr3 / 4096) % 0x10000000000) * 4096;
  let uOk = true, wOk = true, nx = false;
  const entries: number[] = [0, 0, 0, 0];
  let level = 0;
  let pageSize = 4096;
  let lo = 0, hi = 0;
  for (let shift = 39; ; shift -= 9, level++) {
    const gpa = table + (Math.floor(la / 2 ** shift) & 511) * 8;
    entries[level] = gpa;
    lo = readPte(map, dv, gpa, true);
    hi = pteHi;
    if ((lo & 1) === 0) throw pageFault(la, access, user, false, false, s);
    const nxBit = hi >= 0x80000000;
    const ps = shift !== 12 && (lo & 0x80) !== 0;
    // Reserved: NX without EFER.NXE, address bits beyond MAXPHYADDR, PS in a PML4E, and the
    // low address bits a large page's alignment leaves unused.
    if ((nxBit && !nxe) || (hi & RSVD_ADDR_HI) !== 0 || (level === 0 && ps) ||
      (ps && (lo & (shift === 30 ? RSVD_1G_LO : RSVD_2M_LO)) !== 0)) {
      throw pageFault(la, access, user, true, true, s);
    }
    uOk = uOk && (lo & 4) !== 0;
    wOk = wOk && (lo & 2) !== 0;
    nx = nx || (nxBit && nxe);
    if (shift === 12 || ps) { pageSize = 2 ** shift; break; }
    table = frame(lo, hi);
  }
  check(s, la, access, user, uOk, wOk, nx, out);
  for (let i = 0; i < level; i++) setBits(map, dv, entries[i], 0x20);
  const dirty = access === Access.Write;
  setBits(map, dv, entries[level], dirty ? 0x60 : 0x20);
  out.dirty = dirty || (lo & 0x40) !== 0;
  out.global = (lo & 0x100) !== 0 && (s.cr4 & CR4.PGE) !== 0;
  const base = pageSize === 4096 ? frame(lo, hi) : Math.floor(frame(lo, hi) / pageSize) * pageSize;
  out.gpa = base + (((la % pageSize) + pageSize) % pageSize);
}

function walkPae(s: CpuState, la: number, access: Access, user: boolean, map: PhysMap, dv: DataView, out: Walk): void {
  const nxe = (s.efer & EFER.NXE) !== 0;
  const plo = readPte(map, dv, ((s.cr3 & 0xffffffe0) >>> 0) + ((la >>> 30) & 3) * 8, true);
  if ((plo & 1) === 0) throw pageFault(la, access, user, false, false, s);
  let uOk = true, wOk = true, nx = false;
  let table = frame(plo, pteHi);
  let lo = 0, hi = 0, pageSize = 4096;
  const entries: number[] = [];
  for (const shift of [21, 12]) {
    const gpa = table + ((la >>> shift) & 511) * 8;
    entries.push(gpa);
    lo = readPte(map, dv, gpa, true);
    hi = pteHi;
    if ((lo & 1) === 0) throw pageFault(la, access, user, false, false, s);
    const nxBit = hi >= 0x80000000;
    const big = shift === 21 && (lo & 0x80) !== 0;
    if ((nxBit && !nxe) || (hi & RSVD_ADDR_HI) !== 0 || (big && (lo & RSVD_2M_LO) !== 0)) {
      throw pageFault(la, access, user, true, true, s);
    }
    uOk = uOk && (lo & 4) !== 0;
    wOk = wOk && (lo & 2) !== 0;
    nx = nx || (nxBit && nxe);
    if (big) { pageSize = 2 * 1024 * 1024; break; }
    table = frame(lo, hi);
  }
  check(s, la, access, user, uOk, wOk, nx, out);
  for (let i = 0; i < entries.length - 1; i++) setBits(map, dv, entries[i], 0x20);
  const dirty = access === Access.Write;
  setBits(map, dv, entries[entries.length - 1], dirty ? 0x60 : 0x20);
  out.dirty = dirty || (lo & 0x40) !== 0;
  out.global = (lo & 0x100) !== 0 && (s.cr4 & CR4.PGE) !== 0;
  out.gpa = Math.floor(frame(lo, hi) / pageSize) * pageSize + ((la >>> 0) % pageSize);
}

function walk2(s: CpuState, la: number, access: Access, user: boolean, map: PhysMap, dv: DataView, out: Walk): void {
  const a = la >>> 0;
  const pdeGpa = ((s.cr3 & 0xfffff000) >>> 0) + (a >>> 22) * 4;
  const pde = readPte(map, dv, pdeGpa, false);
  if ((pde & 1) === 0) throw pageFault(la, access, user, false, false, s);
  const big = (pde & 0x80) !== 0 && (s.cr4 & CR4.PSE) !== 0;
  let uOk = (pde & 4) !== 0, wOk = (pde & 2) !== 0;
  if (big) {
    // Bit 21 of a 4 MiB PDE is reserved (bits 20:13 hold physical-address bits 39:32, PSE-36).
    if ((pde & 0x200000) !== 0) throw pageFault(la, access, user, true, true, s);
    check(s, la, access, user, uOk, wOk, false, out);
    const dirty = access === Access.Write;
    setBits(map, dv, pdeGpa, dirty ? 0x60 : 0x20);
    out.dirty = dirty || (pde & 0x40) !== 0;
    out.global = (pde & 0x100) !== 0 && (s.cr4 & CR4.PGE) !== 0;
    // PSE-36: bits 13-20 of the PDE supply physical-address bits 32-39.
    out.gpa = ((pde & 0xffc00000) >>> 0) + ((pde >>> 13) & 0xff) * P32 + (a & 0x3fffff);
    return;
  }
  const pteGpa = ((pde & 0xfffff000) >>> 0) + ((a >>> 12) & 1023) * 4;
  const pte = readPte(map, dv, pteGpa, false);
  if ((pte & 1) === 0) throw pageFault(la, access, user, false, false, s);
  uOk = uOk && (pte & 4) !== 0;
  wOk = wOk && (pte & 2) !== 0;
  check(s, la, access, user, uOk, wOk, false, out);
  setBits(map, dv, pdeGpa, 0x20);
  const dirty = access === Access.Write;
  setBits(map, dv, pteGpa, dirty ? 0x60 : 0x20);
  out.dirty = dirty || (pte & 0x40) !== 0;
  out.global = (pte & 0x100) !== 0 && (s.cr4 & CR4.PGE) !== 0;
  out.gpa = ((pte & 0xfffff000) >>> 0) + (a & 0xfff);
}
