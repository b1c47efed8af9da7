// Guest memory in a checkpoint: 4 KiB pages as runs, each a 5-byte record (kind, page count) and,
// for data runs, the pages' bytes. Runs of zero pages cost 5 bytes however long they are: most of
// a freshly booted guest's memory is zero.
import type { PhysicalMemory } from '@serval/x86';
import { CheckpointError } from './errors.js';

const PAGE = 4096;
const ZERO = 0, DATA = 1;

function pageIsZero(words: Uint32Array, first: number): boolean {
  for (let i = first, end = first + PAGE / 4; i < end; i++) if (words[i] !== 0) return false;
  return true;
}

/** Encodes [hpa, hpa + size) of host memory (both 4 KiB-aligned). */
export function encodeMemory(mem: PhysicalMemory, hpa: number, size: number): Uint8Array {
  const words = new Uint32Array(mem.u8.buffer, mem.u8.byteOffset + hpa, size / 4);
  const pages = size / PAGE;
  const parts: Uint8Array[] = [];
  let total = 0;
  let p = 0;
  while (p < pages) {
    const zero = pageIsZero(words, (p * PAGE) / 4);
    let q = p + 1;
    while (q < pages && pageIsZero(words, (q * PAGE) / 4) === zero) q++;
    const rec = new Uint8Array(5);
    rec[0] = zero ? ZERO : DATA;
    new DataView(rec.buffer).setUint32(1, q - p, true);
    parts.push(rec);
    total += 5;
    if (!zero) {
      // A copy: the guest may run again before the file is written.
      const data = mem.u8.slice(hpa + p * PAGE, hpa + q * PAGE);
      parts.push(data);
      total += data.length;
    }
    p = q;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) { out.set(part, o); o += part.length; }
  return out;
}

/** Checks that `bytes` decodes to exactly `size` bytes of memory, without writing anything. */
export function checkMemory(bytes: Uint8Array, size: number, file: string): void {
  walk(bytes, size, file, () => {});
}

/** Writes the encoded memory to [hpa, hpa + size) through the memory's own write paths (which keep compiled code coherent). */
export function decodeMemory(bytes: Uint8Array, mem: PhysicalMemory, hpa: number, size: number, file: string): void {
  walk(bytes, size, file, (kind, page, count, data) => {
    if (kind === ZERO) mem.fill(hpa + page * PAGE, count * PAGE, 0);
    else mem.write(hpa + page * PAGE, data!);
  });
}

function walk(bytes: Uint8Array, size: number, file: string, each: (kind: number, page: number, count: number, data?: Uint8Array) => void): void {
  const pages = size / PAGE;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0, page = 0;
  const bad = (why: string) => new CheckpointError('CKPT_CORRUPT', `${file}: memory section is corrupt at byte ${o}: ${why}`);
  while (o < bytes.length) {
    if (o + 5 > bytes.length) throw bad('a run record is cut short');
    const kind = bytes[o], count = dv.getUint32(o + 1, true);
    if (kind !== ZERO && kind !== DATA) throw bad(`unknown run kind ${kind}`);
    if (count === 0 || page + count > pages) throw bad(`a run of ${count} pages at page ${page} passes the end of ${pages} pages`);
    o += 5;
    if (kind === DATA) {
      if (o + count * PAGE > bytes.length) throw bad(`a data run of ${count} pages is cut short`);
      each(kind, page, count, bytes.subarray(o, o + count * PAGE));
      o += count * PAGE;
    } else {
      each(kind, page, count);
    }
    page += count;
  }
  if (page !== pages) throw new CheckpointError('CKPT_CORRUPT', `${file}: memory section covers ${page} pages; the VM has ${pages}`);
}
