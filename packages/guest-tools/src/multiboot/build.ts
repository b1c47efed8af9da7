// Builds multiboot v1 kernels from assembly: the 32-byte header comes first, the code right after
// it, assembled in 32-bit mode (the state a multiboot loader starts the kernel in; the source
// switches with `bits` when it changes modes). The result is an ELF32 executable or a flat
// binary whose header carries the load addresses; multiboot loaders accept either.
import { assemble } from '@serval/x86';
import { ImageError } from '../errors.js';
import { buildElf32 } from './elf32.js';
import { encodeMultibootHeader, MBH } from './header.js';

export const MULTIBOOT_HEADER_SIZE = 32;

export interface MultibootKernelSpec {
  /** NASM-syntax source, assembled in 32-bit mode from `loadAddr + MULTIBOOT_HEADER_SIZE`; `align` counts from `loadAddr`. */
  source: string;
  /** Physical address of the image's first byte (the header). Default 1 MiB. */
  loadAddr?: number;
  /** Label of the entry point. Default `start`. */
  entry?: string;
  /** Zero-filled bytes the loader reserves after the image. */
  bssSize?: number;
  /** Default 'elf32'. */
  format?: 'elf32' | 'flat';
  /** Header requirement flags. Default: page-aligned modules and memory information. */
  flags?: number;
  defines?: Record<string, number>;
}

export interface MultibootKernel {
  image: Uint8Array;
  /** The source's labels and constants, at their load addresses. */
  labels: Map<string, number>;
  entry: number;
  loadAddr: number;
  /** End of the loaded bytes, then of the zero-filled area. */
  loadEnd: number;
  bssEnd: number;
}

export function buildMultibootKernel(spec: MultibootKernelSpec): MultibootKernel {
  const loadAddr = spec.loadAddr ?? 0x100000;
  if (loadAddr % 4 !== 0 || loadAddr < 0 || loadAddr >= 2 ** 32) throw new ImageError('BAD_LOAD_ADDRESS', `multiboot load address 0x${loadAddr.toString(16)} is not a 4-byte-aligned 32-bit address`);
  // The header's room is part of the assembly so that `align` counts from the (page-aligned) load
  // address, as the source's author expects.
  const { bytes, labels } = assemble(`times ${MULTIBOOT_HEADER_SIZE} db 0\n${spec.source}`, { bitness: 32, origin: loadAddr, defines: spec.defines });
  const entryName = spec.entry ?? 'start';
  const entry = labels.get(entryName);
  if (entry === undefined) throw new ImageError('NO_ENTRY', `the multiboot kernel source defines no entry label "${entryName}"`);
  const loadEnd = loadAddr + bytes.length;
  const bssEnd = loadEnd + (spec.bssSize ?? 0);
  if (bssEnd > 2 ** 32) throw new ImageError('TOO_LARGE', 'the multiboot kernel does not fit below 4 GiB');
  const flags = spec.flags ?? (MBH.PAGE_ALIGN | MBH.MEMORY_INFO);
  const flat = spec.format === 'flat';
  const header = encodeMultibootHeader(flags, flat ? { headerAddr: loadAddr, loadAddr, loadEndAddr: loadEnd, bssEndAddr: spec.bssSize ? bssEnd : 0, entryAddr: entry } : undefined);
  const body = bytes.slice();
  body.set(header);
  const image = flat ? body : buildElf32(entry, [{ addr: loadAddr, bytes: body, memSize: bssEnd - loadAddr }]);
  return { image, labels, entry, loadAddr, loadEnd, bssEnd };
}
