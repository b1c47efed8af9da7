// Chooses how to boot a kernel image (config kernel.format, or by looking at the bytes) and does it.
import { ImageError, extractVmlinux, findMultibootHeader, isBzImage, isElf, pvhEntry } from '@serval/guest-tools';
import type { Cpu } from '@serval/x86';
import { bootLongMode, loadElf64Kernel, type GuestMemory } from './elf64.js';
import { bootBzImage, bootPvh } from './linux.js';
import { bootMultiboot, loadMultibootKernel } from './multiboot.js';

export type KernelFormat = 'elf64' | 'multiboot' | 'bzimage' | 'pvh';
export const KERNEL_FORMATS = ['auto', 'elf64', 'multiboot', 'bzimage', 'pvh'] as const;

export interface KernelSpec {
  path: string;
  format: string;
  cmdline: string;
}

export function detectFormat(image: Uint8Array): KernelFormat {
  if (isBzImage(image)) return 'bzimage';
  const elf64 = isElf(image) && image[4] === 2;
  const mb = findMultibootHeader(image);
  if (mb && (mb.addresses || !elf64)) return 'multiboot';
  if (elf64 && pvhEntry(image) !== undefined) return 'pvh';
  if (elf64) return 'elf64';
  throw new ImageError('UNKNOWN_KERNEL_FORMAT', 'the kernel is neither a bzImage, a PVH or ELF64 vmlinux, nor a multiboot image');
}

/** What firmware hands a Linux kernel besides memory (the ACPI RSDP's address). */
export interface FirmwareInfo {
  rsdp?: number;
}

/** Loads `image` into guest memory and sets up the boot vCPU; returns the format used. */
export function bootKernel(cpu: Cpu, g: GuestMemory, image: Uint8Array, k: KernelSpec, initrd?: Uint8Array, fw: FirmwareInfo = {}): KernelFormat {
  const format = k.format === 'auto' ? detectFormat(image) : (k.format as KernelFormat);
  if (initrd && (format === 'elf64' || format === 'multiboot')) {
    throw new ImageError('INITRD_UNSUPPORTED', `an initrd needs a Linux boot protocol (bzimage or pvh), not ${format}`);
  }
  switch (format) {
    case 'bzimage':
      bootBzImage(cpu, g, image, { cmdline: k.cmdline, initrd, rsdp: fw.rsdp }, k.path);
      break;
    case 'pvh':
      bootPvh(cpu, g, isBzImage(image) ? extractVmlinux(image, k.path) : image, { cmdline: k.cmdline, initrd, rsdp: fw.rsdp }, k.path);
      break;
    case 'multiboot': {
      const r = loadMultibootKernel(image, g, k.path, k.cmdline);
      bootMultiboot(cpu, g, r.entry, r.infoAddr);
      break;
    }
    default: {
      const r = loadElf64Kernel(image, g, k.path);
      bootLongMode(cpu, g, r.entry, k.cmdline);
    }
  }
  return format;
}
