// The descriptor tables user selectors index: Linux's x86-64 GDT layout (the same user entries on
// every core, so one page serves all) and each address space's LDT, which modify_ldt fills (threads
// share it, fork copies it, exec drops it with the address space, as Linux keeps it in the mm).
// Both sit in supervisor-only pages in the kernel half of every address space, so the core reads
// them as hardware does (LAR, MOV to a segment register, far transfers) and user code cannot touch
// them; the kernel reads them too, to check the CS and SS a signal frame returns to.
import { type CpuState, type PhysicalMemory, SA, SEG_LDTR } from '@serval/x86';
import type { AddressSpace } from '../mm/aspace.js';
import type { Mm } from '../mm/mm.js';
import type { Context } from './context.js';

const PAGE = 4096;
/** Where the tables are: unsigned for the page tables, signed (sign-extended) for the core. */
const SYSTEM_VA = 2 ** 64 - 2 ** 40;
export const GDT_LA = -(2 ** 40);
const LDT_LA = GDT_LA + PAGE;
export const GDT_LIMIT = 16 * 8 - 1;
export const LDT_ENTRIES = 8192;
/** The GDT slot of Linux's LDT descriptor: what SLDT shows while a process has an LDT. */
const LDT_SEL = 10 << 3;

export const USER32_CS = 0x23, USER_DS = 0x2b, USER_CS = 0x33;

/** High dwords of Linux's GDT entries 1-6 (kernel 32/64-bit code and data, user 32-bit code, data, 64-bit code). */
const GDT_HI = [0, 0x00cf9b00, 0x00af9b00, 0x00cf9300, 0x00cffb00, 0x00cff300, 0x00affb00];

/** The GDT page every address space maps (a zeroed page from the page-table pool, as LDT pages are). */
export class Gdt {
  constructor(private readonly mem: PhysicalMemory, readonly pa: number) {
    GDT_HI.forEach((hi, i) => {
      if (!hi) return;
      mem.dv.setUint32(this.pa + i * 8, 0x0000ffff, true);
      mem.dv.setUint32(this.pa + i * 8 + 4, hi, true);
    });
  }

  map(a: AddressSpace): void {
    a.mapSystemPage(SYSTEM_VA, this.pa);
  }

  /** GDTR as every LWK core holds it. */
  load(s: CpuState): void {
    s.gdtrBase = GDT_LA;
    s.gdtrLimit = GDT_LIMIT;
  }

  /** The descriptor for `sel` as [low dword, high dword], or undefined beyond the table's limit. */
  descriptor(mm: Mm, sel: number): [number, number] | undefined {
    const off = sel & 0xfff8;
    if (sel & 4) {
      const l = ldts.get(mm);
      if (!l || off + 7 > l.entries * 8 - 1) return undefined;
      const pa = l.pages[Math.floor(off / PAGE)] + (off % PAGE);
      return [this.mem.dv.getUint32(pa, true), this.mem.dv.getUint32(pa + 4, true)];
    }
    if (off + 7 > GDT_LIMIT) return undefined;
    return [this.mem.dv.getUint32(this.pa + off, true), this.mem.dv.getUint32(this.pa + off + 4, true)];
  }
}

interface Ldt { pages: number[]; entries: number }
const ldts = new WeakMap<Mm, Ldt>();

/** Number of LDT entries of `mm` (0: none yet). */
export function ldtEntries(mm: Mm): number {
  return ldts.get(mm)?.entries ?? 0;
}

/** Writes entry `index` of `mm`'s LDT, growing it (in whole pages) as Linux grows nr_entries. */
export function setLdtEntry(mm: Mm, mem: PhysicalMemory, index: number, lo: number, hi: number): void {
  let l = ldts.get(mm);
  if (!l) { l = { pages: [], entries: 0 }; ldts.set(mm, l); }
  const need = Math.floor((index * 8) / PAGE) + 1;
  while (l.pages.length < need) l.pages.push(mm.aspace.mapSystemPage(SYSTEM_VA + PAGE * (1 + l.pages.length)));
  const pa = l.pages[Math.floor((index * 8) / PAGE)] + ((index * 8) % PAGE);
  mem.dv.setUint32(pa, lo >>> 0, true);
  mem.dv.setUint32(pa + 4, hi >>> 0, true);
  l.entries = Math.max(l.entries, index + 1);
}

/** The first `len` bytes of `mm`'s LDT (zeros past its entries). */
export function ldtBytes(mm: Mm, mem: PhysicalMemory, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const l = ldts.get(mm);
  if (!l) return out;
  const n = Math.min(len, l.entries * 8);
  for (let off = 0; off < n; off += PAGE) {
    const pa = l.pages[off / PAGE];
    out.set(mem.u8.subarray(pa, pa + Math.min(PAGE, n - off)), off);
  }
  return out;
}

/** fork: the child's address space gets a copy of the parent's LDT. */
export function copyLdt(from: Mm, to: Mm, mem: PhysicalMemory): void {
  const l = ldts.get(from);
  if (!l) return;
  const bytes = ldtBytes(from, mem, l.entries * 8);
  const dv = new DataView(bytes.buffer);
  for (let i = l.entries - 1; i >= 0; i--) setLdtEntry(to, mem, i, dv.getUint32(i * 8, true), dv.getUint32(i * 8 + 4, true));
}

/** LDTR for a thread of `mm`: null until the address space has an LDT. */
export function loadLdtr(seg: Pick<Context, 'segSel' | 'segBase' | 'segLimit' | 'segAttr'> | CpuState, mm: Mm): void {
  const n = ldtEntries(mm);
  seg.segSel[SEG_LDTR] = n ? LDT_SEL : 0;
  seg.segBase[SEG_LDTR] = n ? LDT_LA : 0;
  seg.segLimit[SEG_LDTR] = n ? n * 8 - 1 : 0;
  seg.segAttr[SEG_LDTR] = n ? SA.P | 2 : 0;
}
