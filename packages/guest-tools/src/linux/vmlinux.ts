// From a bzImage to the kernel a PVH boot loads: the decompressed ELF vmlinux and its PVH entry.
import { ImageError } from '../errors.js';
import { elfNotes, isElf, parseElf64 } from '../elf/index.js';
import { parseBzImage } from './bzimage.js';
import { decompressPayload } from './compression.js';

/** Xen's ELF note type giving the 32-bit physical entry point of a PVH boot. */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/**
 * The decompressed vmlinux of a bzImage: an ELF64 file. On relocatable kernels the kernel's
 * relocation table follows the ELF data (Linux compresses both together), as with the kernel's
 * own scripts/extract-vmlinux.
 */
export function extractVmlinux(bzImage: Uint8Array, what = 'the kernel image'): Uint8Array {
  const bz = parseBzImage(bzImage, what);
  const vmlinux = decompressPayload(bz.payload, bz.compression);
  if (!isElf(vmlinux)) throw new ImageError('NOT_ELF', `the payload of ${what} decompresses (${bz.compression}) to something that is not an ELF vmlinux`);
  return vmlinux;
}

/** The PVH entry point (a physical address) from a vmlinux's Xen notes, if it has one. */
export function pvhEntry(vmlinux: Uint8Array): number | undefined {
  const note = elfNotes(parseElf64(vmlinux, 'the vmlinux')).find((n) => n.name === 'Xen' && n.type === XEN_ELFNOTE_PHYS32_ENTRY);
  if (!note) return undefined;
  const dv = new DataView(note.desc.buffer, note.desc.byteOffset, note.desc.byteLength);
  // 64-bit kernels emit the note as a pointer-sized value; the address itself is below 4 GiB.
  if (note.desc.length === 4) return dv.getUint32(0, true);
  if (note.desc.length === 8) return dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  throw new ImageError('BAD_NOTE', `the vmlinux's PVH entry note has ${note.desc.length} bytes (4 or 8 expected)`);
}
