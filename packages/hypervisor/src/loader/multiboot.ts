// Multiboot v1 boot (Multiboot Specification 0.6.96): the loader finds the header in the image's
// first 8 KiB, loads the image (by the header's address fields, or as an ELF32 executable),
// writes the boot information (memory sizes, a memory map, the command line, the loader's name)
// below 1 MiB, and starts the boot vCPU in 32-bit protected mode with paging off, flat 4 GiB
// segments, EAX = 0x2BADB002 and EBX = the information's address, as section 3.2 requires.
import {
  findMultibootHeader, ImageError, MBH, MBI, MBI_OFF, MBI_SIZE, MULTIBOOT_BOOTLOADER_MAGIC,
  parseElf32,
} from '@serval/guest-tools';
import { CR0, SEG, type Cpu } from '@serval/x86';
import type { GuestMemory, LoadResult } from './elf64.js';

// Boot data lives in conventional memory, where a kernel loaded at or above 1 MiB cannot overlap it.
export const MB_GDT = 0x800;
export const MB_INFO = 0x10000;
const MB_MMAP = MB_INFO + 0x100;
const MB_LOADER_NAME = MB_INFO + 0x300;
const MB_CMDLINE = MB_INFO + 0x400;
const CMDLINE_MAX = 0x1000;
export const MB_STACK_TOP = 0x80000;
export const MB_CODE_SEL = 0x08;
export const MB_DATA_SEL = 0x10;

/** Requirement bits (0-15) this loader honours; an image asking for any other is refused. */
const UNDERSTOOD = MBH.PAGE_ALIGN | MBH.MEMORY_INFO;

export interface MultibootLoad extends LoadResult {
  infoAddr: number;
}

/** Loads a multiboot kernel and writes its boot information; the vCPU is set up by `bootMultiboot`. */
export function loadMultibootKernel(image: Uint8Array, g: GuestMemory, what: string, cmdline: string): MultibootLoad {
  const h = findMultibootHeader(image);
  if (!h) throw new ImageError('NO_MULTIBOOT_HEADER', `${what} has no multiboot header in its first 8 KiB`);
  const unknown = h.flags & 0xffff & ~UNDERSTOOD;
  if (unknown) {
    const why = unknown & MBH.VIDEO_MODE ? ' (a video mode: this machine has no display)' : '';
    throw new ImageError('MULTIBOOT_UNSUPPORTED', `${what} requires multiboot features this loader lacks: flags 0x${unknown.toString(16)}${why}`);
  }
  const segments: LoadResult['segments'] = [];
  const place = (gpa: number, bytes: Uint8Array, memSize: number) => {
    if (gpa < 0x100000 || gpa + memSize > g.size) {
      throw new ImageError('KERNEL_DOES_NOT_FIT', `${what}: the range at guest-physical 0x${gpa.toString(16)}+0x${memSize.toString(16)} is outside guest RAM [0x100000, 0x${g.size.toString(16)})`);
    }
    g.mem.fill(g.hostBase + gpa, memSize);
    g.mem.write(g.hostBase + gpa, bytes);
    segments.push({ gpa, size: memSize });
  };
  let entry: number;
  if (h.addresses) {
    const a = h.addresses;
    const fileStart = h.offset - (a.headerAddr - a.loadAddr);
    if (a.headerAddr < a.loadAddr || fileStart < 0) throw new ImageError('BAD_MULTIBOOT_HEADER', `${what}: the multiboot header's load address 0x${a.loadAddr.toString(16)} does not fit its header address 0x${a.headerAddr.toString(16)}`);
    const loadEnd = a.loadEndAddr === 0 ? a.loadAddr + (image.length - fileStart) : a.loadEndAddr;
    const bssEnd = a.bssEndAddr === 0 ? loadEnd : a.bssEndAddr;
    if (loadEnd < a.loadAddr || bssEnd < loadEnd || fileStart + (loadEnd - a.loadAddr) > image.length) {
      throw new ImageError('BAD_MULTIBOOT_HEADER', `${what}: the multiboot header's address fields describe bytes the image does not have`);
    }
    place(a.loadAddr, image.subarray(fileStart, fileStart + (loadEnd - a.loadAddr)), bssEnd - a.loadAddr);
    entry = a.entryAddr;
  } else {
    const elf = parseElf32(image, what);
    for (const l of elf.loads) place(l.paddr, image.subarray(l.offset, l.offset + l.filesz), l.memsz);
    entry = elf.entry;
  }
  return { entry, segments, infoAddr: writeBootInfo(g, cmdline) };
}

function writeBootInfo(g: GuestMemory, cmdline: string): number {
  const info = new DataView(new ArrayBuffer(MBI_SIZE));
  // Guest RAM is one range from 0; the legacy VGA/BIOS hole is reported reserved as on a PC.
  const mmap: [number, number, number][] = [[0, 0xa0000, 1], [0xa0000, 0x60000, 2], [0x100000, g.size - 0x100000, 1]];
  const mm = new DataView(new ArrayBuffer(24 * mmap.length));
  mmap.forEach(([base, len, type], i) => {
    mm.setUint32(i * 24, 20, true);
    mm.setBigUint64(i * 24 + 4, BigInt(base), true);
    mm.setBigUint64(i * 24 + 12, BigInt(len), true);
    mm.setUint32(i * 24 + 20, type, true);
  });
  const enc = new TextEncoder();
  const name = enc.encode('Serval hypervisor\0');
  const cmd = enc.encode(`${cmdline}\0`).subarray(0, CMDLINE_MAX);
  cmd[cmd.length - 1] = 0;
  info.setUint32(MBI_OFF.flags, MBI.MEMORY | MBI.CMDLINE | MBI.MMAP | MBI.LOADER_NAME, true);
  info.setUint32(MBI_OFF.memLower, 640, true);
  info.setUint32(MBI_OFF.memUpper, Math.min(g.size, 2 ** 32) / 1024 - 1024, true);
  info.setUint32(MBI_OFF.cmdline, MB_CMDLINE, true);
  info.setUint32(MBI_OFF.mmapLength, mm.byteLength, true);
  info.setUint32(MBI_OFF.mmapAddr, MB_MMAP, true);
  info.setUint32(MBI_OFF.loaderName, MB_LOADER_NAME, true);
  g.mem.write(g.hostBase + MB_INFO, new Uint8Array(info.buffer));
  g.mem.write(g.hostBase + MB_MMAP, new Uint8Array(mm.buffer));
  g.mem.write(g.hostBase + MB_LOADER_NAME, name);
  g.mem.write(g.hostBase + MB_CMDLINE, cmd);
  return MB_INFO;
}

const CODE32 = 0x00cf9b000000ffffn;
const DATA32 = 0x00cf93000000ffffn;

/** Puts a vCPU at `entry` in the machine state section 3.2 of the specification prescribes. */
export function bootMultiboot(cpu: Cpu, g: GuestMemory, entry: number, infoAddr: number): void {
  // A valid GDT holding the selectors in use, so that the kernel may reload them before its own.
  const gdt = new DataView(new ArrayBuffer(24));
  gdt.setBigUint64(8, CODE32, true);
  gdt.setBigUint64(16, DATA32, true);
  g.mem.write(g.hostBase + MB_GDT, new Uint8Array(gdt.buffer));
  const s = cpu.state;
  s.reset();
  s.cr0 = CR0.PE | CR0.ET;
  const hi = (d: bigint) => Number(d >> 32n);
  const attr = (d: bigint) => ((hi(d) >>> 8) & 0xff) | ((hi(d) >>> 8) & 0xf000);
  s.setSegment(SEG.CS, MB_CODE_SEL, 0, 0xffffffff, attr(CODE32));
  for (const seg of [SEG.DS, SEG.ES, SEG.SS, SEG.FS, SEG.GS]) s.setSegment(seg, MB_DATA_SEL, 0, 0xffffffff, attr(DATA32));
  s.gdtrBase = MB_GDT;
  s.gdtrLimit = 23;
  s.idtrBase = 0;
  s.idtrLimit = 0x3ff;
  s.set32(0, MULTIBOOT_BOOTLOADER_MAGIC);
  s.set32(3, infoAddr);
  s.set32(4, MB_STACK_TOP);
  s.rip = entry;
  s.setRflags(0x2);
  cpu.flushTlb();
  cpu.modeChanged();
}
