// The multiboot v1 header (Multiboot Specification 0.6.96, section 3.1): how a kernel tells a
// boot loader where to put it, found by scanning the image's first 8 KiB. Shared by the image
// builder and by loaders.
import { ImageError } from '../errors.js';

export const MULTIBOOT_MAGIC = 0x1badb002;
/** What the loader leaves in EAX for the kernel. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** The header must lie entirely within this many bytes of the image's start. */
export const MULTIBOOT_SEARCH = 8192;

/** Header flags: bits 0-15 are requirements a loader must honour or refuse the image. */
export const MBH = {
  PAGE_ALIGN: 1 << 0,
  MEMORY_INFO: 1 << 1,
  VIDEO_MODE: 1 << 2,
  /** The address fields are valid: load the image as a flat binary (the "a.out kludge"). */
  ADDRESSES: 1 << 16,
} as const;

/** Bits of the info structure's `flags` word, saying which fields are valid. */
export const MBI = {
  MEMORY: 1 << 0,
  BOOT_DEVICE: 1 << 1,
  CMDLINE: 1 << 2,
  MODULES: 1 << 3,
  MMAP: 1 << 6,
  LOADER_NAME: 1 << 9,
} as const;

/** Byte offsets of the info structure's fields. */
export const MBI_OFF = {
  flags: 0, memLower: 4, memUpper: 8, bootDevice: 12, cmdline: 16, modsCount: 20, modsAddr: 24,
  mmapLength: 44, mmapAddr: 48, loaderName: 64,
} as const;
export const MBI_SIZE = 88;

export interface MultibootHeader {
  /** Offset of the header in the image. */
  offset: number;
  flags: number;
  /** Present when `flags` has MBH.ADDRESSES. */
  addresses?: { headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number };
}

/** Finds and validates the header (magic, checksum) in the first 8 KiB; undefined if there is none. */
export function findMultibootHeader(image: Uint8Array): MultibootHeader | undefined {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const end = Math.min(MULTIBOOT_SEARCH, image.length) - 12;
  for (let off = 0; off <= end; off += 4) {
    if (dv.getUint32(off, true) !== MULTIBOOT_MAGIC) continue;
    const flags = dv.getUint32(off + 4, true);
    const sum = (MULTIBOOT_MAGIC + flags + dv.getUint32(off + 8, true)) >>> 0;
    if (sum !== 0) continue;
    const h: MultibootHeader = { offset: off, flags };
    if (flags & MBH.ADDRESSES) {
      if (off + 32 > image.length) throw new ImageError('TRUNCATED', `the multiboot header at offset ${off} is truncated: its address fields run past the end of the image`);
      const f = (k: number) => dv.getUint32(off + 12 + 4 * k, true);
      h.addresses = { headerAddr: f(0), loadAddr: f(1), loadEndAddr: f(2), bssEndAddr: f(3), entryAddr: f(4) };
    }
    return h;
  }
  return undefined;
}

/** Encodes a 32-byte header (the address fields are zero unless given). */
export function encodeMultibootHeader(flags: number, addresses?: MultibootHeader['addresses']): Uint8Array {
  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  const fl = (addresses ? flags | MBH.ADDRESSES : flags) >>> 0;
  dv.setUint32(0, MULTIBOOT_MAGIC, true);
  dv.setUint32(4, fl, true);
  dv.setUint32(8, (-(MULTIBOOT_MAGIC + fl)) >>> 0, true);
  if (addresses) {
    const a = addresses;
    [a.headerAddr, a.loadAddr, a.loadEndAddr, a.bssEndAddr, a.entryAddr].forEach((v, k) => dv.setUint32(12 + 4 * k, v >>> 0, true));
  }
  return out;
}
