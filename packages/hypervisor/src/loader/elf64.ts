// Direct boot of an ELF64 kernel in 64-bit mode, the way Firecracker starts a vmlinux: segments go
// to their physical addresses, the loader builds a GDT and identity page tables, and the vCPU
// starts at the entry point with paging on. Boot convention: RDI = memory size, RSI = the command
// line's guest-physical address (0 when empty), RSP = a small boot stack below 0x80000.
import { parseElf64, PT, ImageError } from '@serval/guest-tools';
import { enterLongMode, identityPageTables, identityPageTablesSize, type Cpu, type PhysicalMemory } from '@serval/x86';

export const BOOT_GDT = 0x800;
export const BOOT_TABLES = 0x1000;
export const BOOT_CMDLINE = 0x20000;
export const BOOT_STACK_TOP = 0x80000;

export interface GuestMemory {
  readonly mem: PhysicalMemory;
  /** Host address of guest-physical 0. */
  readonly hostBase: number;
  readonly size: number;
}

export interface LoadResult {
  entry: number;
  /** Guest-physical ranges written, for the record. */
  segments: { gpa: number; size: number }[];
}

export function loadElf64Kernel(image: Uint8Array, g: GuestMemory, what: string): LoadResult {
  const elf = parseElf64(image, what);
  const segments: LoadResult['segments'] = [];
  for (const p of elf.phdrs) {
    if (p.type !== PT.LOAD || p.memsz === 0) continue;
    const gpa = p.paddr;
    if (gpa < 0x100000 || gpa + p.memsz > g.size) {
      throw new ImageError('KERNEL_DOES_NOT_FIT', `${what}: segment at guest-physical 0x${gpa.toString(16)}+0x${p.memsz.toString(16)} is outside guest RAM [0x100000, 0x${g.size.toString(16)})`);
    }
    g.mem.fill(g.hostBase + gpa, p.memsz);
    g.mem.write(g.hostBase + gpa, elf.bytes.subarray(p.offset, p.offset + p.filesz));
    segments.push({ gpa, size: p.memsz });
  }
  return { entry: elf.entry, segments };
}

/** Puts a vCPU at `entry` in 64-bit mode over identity-mapped guest memory. */
export function bootLongMode(cpu: Cpu, g: GuestMemory, entry: number, cmdline: string): void {
  const tablesEnd = BOOT_TABLES + identityPageTablesSize(g.size);
  if (tablesEnd > BOOT_CMDLINE) throw new ImageError('TOO_MUCH_MEMORY', 'guest memory too large for the direct-boot page tables');
  const gdt = new Uint8Array(24);
  const dv = new DataView(gdt.buffer);
  dv.setBigUint64(8, 0x00af9a000000ffffn, true);
  dv.setBigUint64(16, 0x00cf92000000ffffn, true);
  g.mem.write(g.hostBase + BOOT_GDT, gdt);
  const cr3 = identityPageTables(g.mem, BOOT_TABLES, g.size, { hostBase: g.hostBase });
  const s = cpu.state;
  s.reset();
  enterLongMode(cpu, cr3, 0);
  s.gdtrBase = BOOT_GDT;
  s.gdtrLimit = 23;
  s.idtrBase = 0;
  s.idtrLimit = 0;
  let cmdAddr = 0;
  if (cmdline) {
    const bytes = new TextEncoder().encode(`${cmdline}\0`);
    g.mem.write(g.hostBase + BOOT_CMDLINE, bytes.subarray(0, 4096));
    cmdAddr = BOOT_CMDLINE;
  }
  s.set64(7, g.size);
  s.set64(6, cmdAddr);
  s.set64(4, BOOT_STACK_TOP);
  s.rip = entry;
  s.setRflags(0x2);
}
