// ELF32 (i386) images, as far as multiboot kernels need them: a writer for one-segment-per-range
// executables and a reader that returns the loadable segments. Multiboot loaders (QEMU's among
// them) refuse ELF64 kernels, so multiboot images that are ELF are ELF32.
import { ImageError } from '../errors.js';
import { isElf } from '../elf/parse.js';
import { PF, PT } from '../elf/types.js';

export const EM_386 = 3;

export interface Elf32Segment {
  /** Physical (= virtual) load address. */
  addr: number;
  bytes: Uint8Array;
  /** Size in memory, zero-filled beyond `bytes`. */
  memSize?: number;
  flags?: number;
}

export function buildElf32(entry: number, segments: Elf32Segment[]): Uint8Array {
  const headerEnd = 52 + 32 * segments.length;
  const offsets: number[] = [];
  let off = headerEnd;
  for (const s of segments) {
    // File offset congruent to the address modulo the page size, as loaders that map expect.
    off += ((s.addr % 4096) - (off % 4096) + 4096) % 4096;
    offsets.push(off);
    off += s.bytes.length;
  }
  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, EM_386, true);
  dv.setUint32(20, 1, true);
  dv.setUint32(24, entry >>> 0, true);
  dv.setUint32(28, 52, true);
  dv.setUint16(40, 52, true);
  dv.setUint16(42, 32, true);
  dv.setUint16(44, segments.length, true);
  dv.setUint16(46, 40, true);
  segments.forEach((s, i) => {
    const ph = 52 + 32 * i;
    dv.setUint32(ph, PT.LOAD, true);
    dv.setUint32(ph + 4, offsets[i], true);
    dv.setUint32(ph + 8, s.addr >>> 0, true);
    dv.setUint32(ph + 12, s.addr >>> 0, true);
    dv.setUint32(ph + 16, s.bytes.length, true);
    dv.setUint32(ph + 20, Math.max(s.memSize ?? 0, s.bytes.length), true);
    dv.setUint32(ph + 24, s.flags ?? (PF.R | PF.W | PF.X), true);
    dv.setUint32(ph + 28, 4096, true);
    out.set(s.bytes, offsets[i]);
  });
  return out;
}

export interface Elf32Load {
  paddr: number;
  offset: number;
  filesz: number;
  memsz: number;
}

export interface Elf32 {
  entry: number;
  loads: Elf32Load[];
}

/** Reads an ELF32 i386 executable's entry point and PT_LOAD segments. */
export function parseElf32(bytes: Uint8Array, what = 'the image'): Elf32 {
  if (!isElf(bytes)) throw new ImageError('NOT_ELF', `${what} is not an ELF file (no \\x7fELF magic)`);
  if (bytes.length < 52) throw new ImageError('TRUNCATED', `${what} is truncated: ${bytes.length} bytes is shorter than an ELF32 header`);
  if (bytes[4] !== 1) throw new ImageError('NOT_32BIT', `${what} is not a 32-bit ELF; multiboot kernels in ELF form must be ELF32`);
  if (bytes[5] !== 1) throw new ImageError('NOT_LITTLE_ENDIAN', `${what} is big-endian; i386 ELF files are little-endian`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_386) throw new ImageError('NOT_I386', `${what} is for machine type ${machine}, not i386 (3)`);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  if (phentsize !== 32) throw new ImageError('BAD_PHDR', `${what} has program headers of ${phentsize} bytes (ELF32 uses 32)`);
  if (phoff + phnum * 32 > bytes.length) throw new ImageError('TRUNCATED', `${what} is truncated: its program headers end at byte ${phoff + phnum * 32} but the file has ${bytes.length}`);
  const loads: Elf32Load[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + 32 * i;
    if (dv.getUint32(o, true) !== PT.LOAD) continue;
    const l: Elf32Load = { offset: dv.getUint32(o + 4, true), paddr: dv.getUint32(o + 12, true), filesz: dv.getUint32(o + 16, true), memsz: dv.getUint32(o + 20, true) };
    if (l.offset + l.filesz > bytes.length) throw new ImageError('TRUNCATED', `${what} is truncated: segment ${i} needs bytes ${l.offset}..${l.offset + l.filesz} but the file has ${bytes.length}`);
    if (l.memsz < l.filesz) throw new ImageError('BAD_PHDR', `${what}: segment ${i} is smaller in memory (${l.memsz}) than in the file (${l.filesz})`);
    if (l.memsz > 0) loads.push(l);
  }
  if (loads.length === 0) throw new ImageError('NO_SEGMENTS', `${what} has no loadable segments`);
  return { entry: dv.getUint32(24, true), loads };
}
