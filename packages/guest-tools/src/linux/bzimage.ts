// A bzImage split into what a boot loader handles separately: the real-mode setup (boot sector
// and setup code, carrying the setup header) and the protected-mode kernel, which holds the
// compressed vmlinux ("payload") and the code that decompresses it.
import { ImageError } from '../errors.js';
import { detectCompression, type Compression } from './compression.js';
import { HDRS_MAGIC, LOADFLAGS, readSetupHeader, type SetupHeader } from './header.js';

export interface KernelInfo {
  /** Highest setup_data type the kernel understands (bit 31: indirect setup_data too). */
  setupTypeMax: number;
}

export interface BzImage {
  header: SetupHeader;
  /** The boot sector and real-mode setup code: (setup_sects + 1) * 512 bytes. */
  setup: Uint8Array;
  /** The protected-mode kernel: everything after the setup code. */
  kernel: Uint8Array;
  /** The compressed vmlinux inside `kernel`, with the 4-byte decompressed size Linux appends. */
  payload: Uint8Array;
  compression: Compression;
  /** The kernel's version string ("6.1.0-56-amd64 (debian-kernel@...) #1 SMP ..."), if it has one. */
  kernelVersion?: string;
  kernelInfo?: KernelInfo;
}

/** Oldest protocol with payload_offset/payload_length, which extracting the kernel needs. */
const MIN_VERSION = 0x0208;

export function isBzImage(image: Uint8Array): boolean {
  return image.length >= 0x206 && new DataView(image.buffer, image.byteOffset, image.byteLength).getUint32(0x202, true) === HDRS_MAGIC;
}

export function parseBzImage(image: Uint8Array, what = 'the kernel image'): BzImage {
  if (image.length < 0x206) throw new ImageError('TRUNCATED', `${what} is ${image.length} bytes, too short to hold a Linux setup header`);
  if (!isBzImage(image)) throw new ImageError('NOT_BZIMAGE', `${what} is not a Linux x86 kernel (bzImage): no "HdrS" at offset 0x202`);
  const header = readSetupHeader(image);
  if (header.version < MIN_VERSION) {
    throw new ImageError('UNSUPPORTED', `${what} uses boot protocol ${header.versionString}; 2.08 or later (Linux 2.6.26+) is needed`);
  }
  if (!(header.loadflags & LOADFLAGS.LOADED_HIGH)) throw new ImageError('UNSUPPORTED', `${what} is a zImage (loaded low), not a bzImage`);
  if (header.headerEnd < 0x250) throw new ImageError('TRUNCATED', `${what} is truncated: it ends inside its setup header`);
  const setupSize = (header.setupSects + 1) * 512;
  if (setupSize > image.length) throw new ImageError('TRUNCATED', `${what} is truncated: its ${setupSize} bytes of setup code run past its end (${image.length})`);
  const kernel = image.subarray(setupSize);
  if (kernel.length < header.sysSize * 16) {
    throw new ImageError('TRUNCATED', `${what} is truncated: the protected-mode kernel should be ${header.sysSize * 16} bytes but ${kernel.length} are left`);
  }
  const { payloadOffset: po, payloadLength: pl } = header;
  if (po + pl > kernel.length || pl === 0) {
    throw new ImageError('TRUNCATED', `${what} is truncated: its payload (${pl} bytes at ${po}) is not inside its ${kernel.length}-byte kernel`);
  }
  const payload = kernel.subarray(po, po + pl);
  const bz: BzImage = { header, setup: image.subarray(0, setupSize), kernel, payload, compression: detectCompression(payload) };
  const v = versionString(image, header.kernelVersion);
  if (v !== undefined) bz.kernelVersion = v;
  const info = kernelInfo(kernel, header.kernelInfoOffset);
  if (info) bz.kernelInfo = info;
  return bz;
}

function versionString(image: Uint8Array, offset: number): string | undefined {
  if (!offset) return undefined;
  const start = offset + 0x200;
  let end = start;
  while (end < image.length && end - start < 256 && image[end] !== 0) end++;
  return start < image.length ? new TextDecoder().decode(image.subarray(start, end)) : undefined;
}

function kernelInfo(kernel: Uint8Array, offset: number): KernelInfo | undefined {
  if (!offset || offset + 16 > kernel.length) return undefined;
  const dv = new DataView(kernel.buffer, kernel.byteOffset + offset, 16);
  if (dv.getUint32(0, true) !== 0x506f544c) return undefined; // "LToP"
  return { setupTypeMax: dv.getUint32(12, true) };
}
