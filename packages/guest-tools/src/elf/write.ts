// Writes minimal static ELF64 executables: one PT_LOAD per segment, no sections. Used to package
// code assembled in this repository (guest kernels, test programs) reproducibly.
import { PF, PT } from './types.js';

export interface SegmentSpec {
  vaddr: number;
  bytes: Uint8Array;
  /** Size in memory (zero-filled beyond `bytes`); defaults to the byte length. */
  memSize?: number;
  /** PF flags; defaults to R|X. */
  flags?: number;
  /** Physical load address (kernels); defaults to `vaddr`. */
  paddr?: number;
}

export interface ElfSpec {
  entry: number;
  segments: SegmentSpec[];
  /** Extra notes in a PT_NOTE segment (e.g. Xen's PVH entry note). */
  notes?: { name: string; type: number; desc: Uint8Array }[];
}

const P32 = 4294967296;

function put64(dv: DataView, off: number, v: number): void {
  const lo = ((v % P32) + P32) % P32;
  dv.setUint32(off, lo, true);
  dv.setUint32(off + 4, Math.floor((v - lo) / P32) >>> 0, true);
}

export function buildElf64(spec: ElfSpec): Uint8Array {
  const noteBytes = encodeNotes(spec.notes ?? []);
  const phnum = spec.segments.length + (noteBytes.length ? 1 : 0);
  const headerEnd = 64 + 56 * phnum;
  // Each segment's file offset must be congruent to its address modulo the page size.
  const offsets: number[] = [];
  let off = headerEnd + noteBytes.length;
  for (const s of spec.segments) {
    const want = ((s.vaddr % 4096) + 4096) % 4096;
    off = off + ((want - (off % 4096) + 4096) % 4096);
    offsets.push(off);
    off += s.bytes.length;
  }
  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 62, true);
  dv.setUint32(20, 1, true);
  put64(dv, 24, spec.entry);
  put64(dv, 32, 64);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, phnum, true);
  dv.setUint16(58, 64, true);
  let ph = 64;
  spec.segments.forEach((s, i) => {
    dv.setUint32(ph, PT.LOAD, true);
    dv.setUint32(ph + 4, s.flags ?? (PF.R | PF.X), true);
    put64(dv, ph + 8, offsets[i]);
    put64(dv, ph + 16, s.vaddr);
    put64(dv, ph + 24, s.paddr ?? s.vaddr);
    put64(dv, ph + 32, s.bytes.length);
    put64(dv, ph + 40, Math.max(s.memSize ?? 0, s.bytes.length));
    put64(dv, ph + 48, 4096);
    out.set(s.bytes, offsets[i]);
    ph += 56;
  });
  if (noteBytes.length) {
    dv.setUint32(ph, PT.NOTE, true);
    dv.setUint32(ph + 4, PF.R, true);
    put64(dv, ph + 8, headerEnd);
    put64(dv, ph + 32, noteBytes.length);
    put64(dv, ph + 40, noteBytes.length);
    put64(dv, ph + 48, 4);
    out.set(noteBytes, headerEnd);
  }
  return out;
}

function encodeNotes(notes: { name: string; type: number; desc: Uint8Array }[]): Uint8Array {
  const parts: number[] = [];
  for (const n of notes) {
    const name = new TextEncoder().encode(`${n.name}\0`);
    const hdr = new DataView(new ArrayBuffer(12));
    hdr.setUint32(0, name.length, true);
    hdr.setUint32(4, n.desc.length, true);
    hdr.setUint32(8, n.type, true);
    parts.push(...new Uint8Array(hdr.buffer), ...pad4(name), ...pad4(n.desc));
  }
  return Uint8Array.from(parts);
}

function pad4(b: Uint8Array): number[] {
  const out = [...b];
  while (out.length % 4) out.push(0);
  return out;
}
