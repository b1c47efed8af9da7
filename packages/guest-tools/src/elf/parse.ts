// Reads and validates an ELF64 x86-64 image. Every malformed input gets an ImageError that says
// what is wrong in terms a user can act on.
import { ImageError } from '../errors.js';
import { EM_X86_64, ET, PT, type Elf64, type ElfNote, type ProgramHeader } from './types.js';

const P32 = 4294967296;

function u64(dv: DataView, off: number): number {
  const hi = dv.getUint32(off + 4, true);
  const lo = dv.getUint32(off, true);
  // Addresses of the upper half (kernel images) come back as negative numbers, which is how the
  // engine represents canonical addresses.
  return hi >= 0x80000000 ? (hi - P32) * P32 + lo : hi * P32 + lo;
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElf64(bytes: Uint8Array, what = 'the image'): Elf64 {
  if (!isElf(bytes)) throw new ImageError('NOT_ELF', `${what} is not an ELF file (no \\x7fELF magic)`);
  if (bytes.length < 64) throw new ImageError('TRUNCATED', `${what} is truncated: ${bytes.length} bytes is shorter than an ELF64 header`);
  if (bytes[4] !== 2) throw new ImageError('NOT_64BIT', `${what} is a 32-bit ELF; only x86-64 (ELF64) programs run here`);
  if (bytes[5] !== 1) throw new ImageError('NOT_LITTLE_ENDIAN', `${what} is big-endian; x86-64 ELF files are little-endian`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_X86_64) throw new ImageError('NOT_X86_64', `${what} is for machine type ${machine}, not x86-64 (62)`);
  if (type !== ET.EXEC && type !== ET.DYN) throw new ImageError('NOT_EXECUTABLE', `${what} has ELF type ${type}; an executable (2) or position-independent executable (3) is needed`);
  const entry = u64(dv, 24);
  const phoff = u64(dv, 32);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (phnum === 0) throw new ImageError('NO_SEGMENTS', `${what} has no program headers`);
  if (phentsize !== 56) throw new ImageError('BAD_PHDR', `${what} has program headers of ${phentsize} bytes (ELF64 uses 56)`);
  if (phoff + phnum * phentsize > bytes.length) {
    throw new ImageError('TRUNCATED', `${what} is truncated: its program headers end at byte ${phoff + phnum * phentsize} but the file has ${bytes.length}`);
  }
  const phdrs: ProgramHeader[] = [];
  let interp: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const ph: ProgramHeader = {
      type: dv.getUint32(o, true), flags: dv.getUint32(o + 4, true), offset: u64(dv, o + 8),
      vaddr: u64(dv, o + 16), paddr: u64(dv, o + 24), filesz: u64(dv, o + 32), memsz: u64(dv, o + 40), align: u64(dv, o + 48),
    };
    if (ph.type === PT.LOAD || ph.type === PT.INTERP || ph.type === PT.NOTE || ph.type === PT.TLS) {
      if (ph.offset < 0 || ph.filesz < 0 || ph.offset + ph.filesz > bytes.length) {
        throw new ImageError('TRUNCATED', `${what} is truncated: segment ${i} needs bytes ${ph.offset}..${ph.offset + ph.filesz} but the file has ${bytes.length}`);
      }
      if (ph.memsz < ph.filesz) throw new ImageError('BAD_PHDR', `${what}: segment ${i} is smaller in memory (${ph.memsz}) than in the file (${ph.filesz})`);
    }
    if (ph.type === PT.INTERP) interp = new TextDecoder().decode(bytes.subarray(ph.offset, ph.offset + ph.filesz)).replace(/\0.*$/s, '');
    phdrs.push(ph);
  }
  if (!phdrs.some((p) => p.type === PT.LOAD)) throw new ImageError('NO_SEGMENTS', `${what} has no loadable segments`);
  return { type, machine, entry, phoff, phentsize, phnum, phdrs, interp, bytes };
}

/** The notes of every PT_NOTE segment. */
export function elfNotes(elf: Elf64): ElfNote[] {
  const notes: ElfNote[] = [];
  const dv = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  for (const ph of elf.phdrs) {
    if (ph.type !== PT.NOTE) continue;
    let o = ph.offset;
    const end = ph.offset + ph.filesz;
    while (o + 12 <= end) {
      const namesz = dv.getUint32(o, true), descsz = dv.getUint32(o + 4, true), type = dv.getUint32(o + 8, true);
      const nameOff = o + 12, descOff = nameOff + align4(namesz);
      if (descOff + descsz > end) break;
      const name = new TextDecoder().decode(elf.bytes.subarray(nameOff, nameOff + namesz)).replace(/\0+$/, '');
      notes.push({ name, type, desc: elf.bytes.slice(descOff, descOff + descsz) });
      o = descOff + align4(descsz);
    }
  }
  return notes;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
