// Linux boot protocols. bzImage: the x86 boot protocol's 64-bit entry (boot_params "zero page"
// with the setup header, an e820 map, the command line and the initrd; identity-mapped long mode;
// RSI = boot_params; entry at the protected-mode code + 0x200). PVH: a vmlinux whose Xen ELF note
// gives a 32-bit entry, started in flat protected mode with paging off and EBX = hvm_start_info.
import { ENTRY64_OFFSET, ImageError, LOADFLAGS, PT, type SetupHeader, XLF, parseBzImage, parseElf64, pvhEntry } from '@serval/guest-tools';
import { CR0, SEG, SA, type Cpu, enterLongMode, identityPageTables, identityPageTablesSize } from '@serval/x86';
import type { GuestMemory } from './elf64.js';

export const ZERO_PAGE = 0x7000;
export const START_INFO = 0x6000;
const GDT = 0x800;
const CMDLINE = 0x20000;
const TABLES = 0x1000;
const E820_RAM = 1, E820_RESERVED = 2;
const MB = 1024 * 1024;

export interface LinuxBootOptions {
  cmdline: string;
  initrd?: Uint8Array;
  /** Guest-physical address of the ACPI RSDP, when the VM has ACPI tables. */
  rsdp?: number;
}

/** The RAM map both protocols report: low memory, the legacy hole, everything from 1 MiB. */
export function e820Map(size: number): { addr: number; size: number; type: number }[] {
  return [
    { addr: 0, size: 0x9fc00, type: E820_RAM },
    { addr: 0x9fc00, size: 0x400, type: E820_RESERVED },
    { addr: 0xe0000, size: 0x20000, type: E820_RESERVED },
    { addr: MB, size: size - MB, type: E820_RAM },
  ];
}

function put64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % 4294967296, true);
  dv.setUint32(off + 4, Math.floor(v / 4294967296), true);
}

function writeCmdline(g: GuestMemory, cmdline: string, max: number): void {
  const bytes = new TextEncoder().encode(cmdline);
  if (bytes.length > max) throw new ImageError('CMDLINE_TOO_LONG', `the kernel command line is ${bytes.length} bytes; this kernel takes at most ${max}`);
  g.mem.write(g.hostBase + CMDLINE, Uint8Array.from([...bytes, 0]));
}

/** Places the initrd as high as the kernel allows, page aligned, above `floor`. */
function placeInitrd(g: GuestMemory, initrd: Uint8Array, ceiling: number, floor: number): number {
  const top = Math.min(ceiling, g.size);
  const at = Math.floor((top - initrd.length) / 4096) * 4096;
  if (at < floor) throw new ImageError('INITRD_DOES_NOT_FIT', `the ${initrd.length}-byte initrd does not fit between the kernel (ends 0x${floor.toString(16)}) and 0x${top.toString(16)}: give the VM more memory`);
  g.mem.write(g.hostBase + at, initrd);
  return at;
}

function flatGdt(g: GuestMemory): void {
  // 0x10: 64-bit code (or 32-bit code for PVH, same slot), 0x18: flat data, as both protocols name them.
  const gdt = new Uint8Array(40);
  const dv = new DataView(gdt.buffer);
  dv.setBigUint64(0x10, 0x00af9a000000ffffn, true);
  dv.setBigUint64(0x18, 0x00cf92000000ffffn, true);
  dv.setBigUint64(0x20, 0x00cf9a000000ffffn, true);
  g.mem.write(g.hostBase + GDT, gdt);
}

/** Loads a bzImage and points the vCPU at its 64-bit entry. Returns the kernel's load address. */
export function bootBzImage(cpu: Cpu, g: GuestMemory, image: Uint8Array, opts: LinuxBootOptions, what: string): number {
  const bz = parseBzImage(image, what);
  const h: SetupHeader = bz.header;
  if (h.version < 0x020c) throw new ImageError('OLD_BOOT_PROTOCOL', `${what} speaks boot protocol ${h.versionString}; 2.12 or later is needed for the 64-bit entry`);
  if ((h.xloadflags & XLF.KERNEL_64) === 0) throw new ImageError('NO_64BIT_ENTRY', `${what} has no 64-bit entry point (xloadflags bit 0)`);
  const align = Math.max(h.kernelAlignment, 2 * MB);
  let load = h.relocatableKernel ? h.prefAddress || 16 * MB : h.code32Start;
  if (h.relocatableKernel) load = Math.ceil(load / align) * align;
  const need = Math.max(h.initSize, bz.kernel.length);
  if (load + need > g.size) throw new ImageError('KERNEL_DOES_NOT_FIT', `${what} needs ${Math.ceil(need / MB)} MiB from 0x${load.toString(16)}; the VM has ${g.size / MB} MiB: give it more memory`);
  g.mem.write(g.hostBase + load, bz.kernel);

  const zp = new Uint8Array(4096);
  const dv = new DataView(zp.buffer);
  zp.set(image.subarray(0x1f1, Math.min(h.headerEnd, 0x290)), 0x1f1);
  zp[0x210] = 0xff; // type_of_loader: undefined
  zp[0x211] |= LOADFLAGS.LOADED_HIGH | LOADFLAGS.CAN_USE_HEAP;
  dv.setUint16(0x224, 0xfe00, true);
  writeCmdline(g, opts.cmdline, h.cmdlineSize || 255);
  dv.setUint32(0x228, CMDLINE, true);
  if (opts.initrd) {
    const ceiling = (h.xloadflags & XLF.CAN_BE_LOADED_ABOVE_4G) ? g.size : (h.initrdAddrMax || 0x37ffffff) + 1;
    const at = placeInitrd(g, opts.initrd, ceiling, load + need);
    dv.setUint32(0x218, at % 4294967296, true);
    dv.setUint32(0x21c, opts.initrd.length % 4294967296, true);
    dv.setUint32(0x0c0, Math.floor(at / 4294967296), true);
    dv.setUint32(0x0c4, Math.floor(opts.initrd.length / 4294967296), true);
  }
  // boot_params.acpi_rsdp_addr (protocol 2.14+): the kernel need not scan for the RSDP.
  if (opts.rsdp !== undefined && h.version >= 0x020e) put64(dv, 0x070, opts.rsdp);
  const map = e820Map(g.size);
  zp[0x1e8] = map.length;
  map.forEach((e, i) => { put64(dv, 0x2d0 + i * 20, e.addr); put64(dv, 0x2d0 + i * 20 + 8, e.size); dv.setUint32(0x2d0 + i * 20 + 16, e.type, true); });
  g.mem.write(g.hostBase + ZERO_PAGE, zp);

  // Long mode over an identity map of all RAM (at least 4 GiB, as the protocol asks).
  flatGdt(g);
  const mapped = Math.max(g.size, 4 * 1024 * MB);
  if (TABLES + identityPageTablesSize(mapped) > ZERO_PAGE) throw new ImageError('TOO_MUCH_MEMORY', 'guest memory too large for the boot page tables');
  const cr3 = identityPageTables(g.mem, TABLES, mapped, { hostBase: g.hostBase });
  const s = cpu.state;
  s.reset();
  enterLongMode(cpu, cr3, 0);
  s.segSel[SEG.CS] = 0x10;
  for (const seg of [SEG.DS, SEG.ES, SEG.SS]) s.segSel[seg] = 0x18;
  s.gdtrBase = GDT; s.gdtrLimit = 39;
  s.set64(6, ZERO_PAGE);
  s.rip = load + ENTRY64_OFFSET;
  s.setRflags(0x2);
  return load;
}

/** Loads a PVH-capable vmlinux (ELF with the Xen PHYS32 entry note) and starts it in 32-bit mode. */
export function bootPvh(cpu: Cpu, g: GuestMemory, vmlinux: Uint8Array, opts: LinuxBootOptions, what: string): number {
  const elf = parseElf64(vmlinux, what);
  const entry = pvhEntry(vmlinux);
  if (entry === undefined) throw new ImageError('NO_PVH_ENTRY', `${what} has no PVH entry (Xen note XEN_ELFNOTE_PHYS32_ENTRY): boot the bzImage instead`);
  let end = 0;
  for (const p of elf.phdrs) {
    if (p.type !== PT.LOAD || p.memsz === 0) continue;
    if (p.paddr < MB || p.paddr + p.memsz > g.size) throw new ImageError('KERNEL_DOES_NOT_FIT', `${what}: segment at 0x${p.paddr.toString(16)}+0x${p.memsz.toString(16)} is outside guest RAM`);
    g.mem.fill(g.hostBase + p.paddr, p.memsz);
    g.mem.write(g.hostBase + p.paddr, elf.bytes.subarray(p.offset, p.offset + p.filesz));
    end = Math.max(end, p.paddr + p.memsz);
  }
  writeCmdline(g, opts.cmdline, 2047);
  const si = new Uint8Array(256);
  const dv = new DataView(si.buffer);
  const map = e820Map(g.size);
  const modlist = START_INFO + 64, memmap = START_INFO + 128;
  dv.setUint32(0, 0x336ec578, true);
  dv.setUint32(4, 1, true);
  put64(dv, 24, CMDLINE);
  if (opts.rsdp !== undefined) put64(dv, 32, opts.rsdp);
  put64(dv, 40, memmap);
  dv.setUint32(48, map.length, true);
  if (opts.initrd) {
    const at = placeInitrd(g, opts.initrd, Math.min(g.size, 4096 * MB), Math.ceil(end / 4096) * 4096);
    dv.setUint32(12, 1, true);
    put64(dv, 16, modlist);
    put64(dv, 64, at);
    put64(dv, 72, opts.initrd.length);
  }
  map.forEach((e, i) => { put64(dv, 128 + i * 24, e.addr); put64(dv, 128 + i * 24 + 8, e.size); dv.setUint32(128 + i * 24 + 16, e.type, true); });
  g.mem.write(g.hostBase + START_INFO, si);
  flatGdt(g);
  const s = cpu.state;
  s.reset();
  s.cr0 = CR0.PE | CR0.ET;
  const code = SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.DB | SA.G;
  const data = SA.P | SA.S | SA.RW | SA.ACCESSED | SA.DB | SA.G;
  s.setSegment(SEG.CS, 0x20, 0, 0xffffffff, code);
  for (const seg of [SEG.DS, SEG.ES, SEG.SS, SEG.FS, SEG.GS]) s.setSegment(seg, 0x18, 0, 0xffffffff, data);
  s.gdtrBase = GDT; s.gdtrLimit = 39;
  s.set32(3, START_INFO);
  s.rip = entry;
  s.setRflags(0x2);
  cpu.flushTlb();
  cpu.modeChanged();
  return entry;
}
