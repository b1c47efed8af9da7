// Loader support: puts a core straight into 64-bit mode over identity-mapped memory,
// the state a firmware or a direct-boot loader (Firecracker-style) hands to a kernel.
import { CR0, CR4, EFER, SEG } from './arch.js';
import type { Cpu } from './cpu.js';
import type { PhysicalMemory } from './memory.js';
import { SA } from './state.js';

/**
 * Writes a PML4 + PDPT + PDs mapping [0, size) with 2 MiB pages at physical address `tablesAt`
 * (needs 4 KiB × (2 + ceil(size / 1 GiB)) bytes) and returns the CR3 value. For a guest whose
 * physical memory starts at host address `hostBase`, the tables are written there but hold guest
 * addresses.
 */
export function identityPageTables(mem: PhysicalMemory, tablesAt: number, size: number, opts: { user?: boolean; hostBase?: number } = {}): number {
  const gib = Math.max(1, Math.ceil(size / 2 ** 30));
  const h = opts.hostBase ?? 0;
  const pml4 = tablesAt, pdpt = tablesAt + 4096, pd0 = tablesAt + 8192;
  mem.fill(h + tablesAt, 4096 * (2 + gib));
  const flags = 0x3 | (opts.user ? 0x4 : 0);
  mem.writeU64(h + pml4, pdpt | flags);
  for (let g = 0; g < gib; g++) {
    const pd = pd0 + g * 4096;
    mem.writeU64(h + pdpt + g * 8, pd | flags);
    for (let i = 0; i < 512; i++) {
      const pa = g * 2 ** 30 + i * 2 ** 21;
      if (pa >= size) break;
      mem.writeU64(h + pd + i * 8, pa + (flags | 0x80));
    }
  }
  return pml4;
}

/** Size of the tables `identityPageTables` writes for `size` bytes. */
export function identityPageTablesSize(size: number): number {
  return 4096 * (2 + Math.max(1, Math.ceil(size / 2 ** 30)));
}

/** Flat 64-bit code and data segments at the given privilege; paging on with `cr3`. */
export function enterLongMode(cpu: Cpu, cr3: number, cpl = 0): void {
  const s = cpu.state;
  s.cr0 = CR0.PE | CR0.PG | CR0.ET | CR0.NE | CR0.WP;
  s.cr4 = CR4.PAE | CR4.PGE | CR4.OSFXSR | CR4.OSXMMEXCPT;
  s.efer = EFER.LME | EFER.LMA | EFER.SCE | EFER.NXE;
  s.cr3 = cr3;
  const dpl = cpl << SA.DPL_SHIFT;
  s.setSegment(SEG.CS, cpl === 3 ? 0x33 : 0x08, 0, 0xffffffff, SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.L | SA.G | dpl);
  for (const seg of [SEG.DS, SEG.ES, SEG.SS, SEG.FS, SEG.GS]) {
    s.setSegment(seg, cpl === 3 ? 0x2b : 0x10, 0, 0xffffffff, SA.P | SA.S | SA.RW | SA.ACCESSED | SA.DB | SA.G | dpl);
  }
  cpu.flushTlb();
  cpu.modeChanged();
}
