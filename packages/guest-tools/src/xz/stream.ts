// The .xz container: one or more streams (header, blocks, index, footer), each optionally followed
// by zero padding. The index at the end of each stream records every block's sizes, so we read
// the file backwards first and then decode into one exactly sized output buffer.
import { ImageError } from '../errors.js';
import { decodeBlock, type BlockRecord } from './block.js';
import { assertSupportedCheck } from './check.js';
import { crc32 } from './crc.js';
import { LzmaDecoder } from './lzma.js';
import { corrupt, readVli, truncated, u32le } from './reader.js';

export const XZ_MAGIC = new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const HEADER_SIZE = 12;
const FOOTER_SIZE = 12;

export interface XzStream {
  /** Byte offset of the stream header. */
  offset: number;
  /** Offset just past the stream footer. */
  end: number;
  checkType: number;
  blocks: BlockRecord[];
  uncompressedSize: number;
}

export function isXz(b: Uint8Array): boolean {
  return b.length >= 6 && XZ_MAGIC.every((m, i) => b[i] === m);
}

/** Finds every stream and its index without decompressing anything. */
export function readXzIndex(b: Uint8Array): XzStream[] {
  if (!isXz(b)) {
    if (b.length < 6 && b.every((v, i) => v === XZ_MAGIC[i])) throw truncated('the stream header');
    throw new ImageError('NOT_XZ', 'the data is not in the .xz format (no \\xFD7zXZ\\0 magic)');
  }
  const streams: XzStream[] = [];
  let end = b.length;
  while (end > 0) {
    // Stream padding: whole zero words after a stream's footer.
    while (end >= 4 && u32le(b, end - 4) === 0) end -= 4;
    if (end < HEADER_SIZE + FOOTER_SIZE || b[end - 2] !== 0x59 || b[end - 1] !== 0x5a) {
      if (streams.length === 0) {
        throw new ImageError('TRUNCATED', 'the xz data does not end with a stream footer: it is truncated (or has data appended that is not stream padding)');
      }
      throw corrupt(`${end} bytes before the first complete stream are not a stream (or a stream's footer is damaged)`);
    }
    const s = readStreamBackwards(b, end);
    streams.unshift(s);
    end = s.offset;
  }
  return streams;
}

function readStreamBackwards(b: Uint8Array, end: number): XzStream {
  const f = end - FOOTER_SIZE;
  if (crc32(b, f + 4, f + 10) !== u32le(b, f)) throw new ImageError('BAD_CRC', 'the xz data is corrupt: a stream footer fails its CRC32');
  const flags = streamFlags(b, f + 8, 'footer');
  const indexSize = (u32le(b, f + 4) + 1) * 4;
  const indexStart = f - indexSize;
  if (indexStart < HEADER_SIZE) throw corrupt('a stream footer gives an index size larger than the stream');
  const blocks = readIndex(b, indexStart, f);
  let blocksSize = 0, uncompressedSize = 0;
  for (const r of blocks) {
    blocksSize += Math.ceil(r.unpaddedSize / 4) * 4;
    uncompressedSize += r.uncompressedSize;
  }
  const offset = indexStart - blocksSize - HEADER_SIZE;
  if (offset < 0) throw corrupt('the index records more block data than the stream holds');
  if (!XZ_MAGIC.every((m, i) => b[offset + i] === m)) {
    throw corrupt(`the index and footer place a stream header at byte ${offset}, but there is none there`);
  }
  if (crc32(b, offset + 6, offset + 8) !== u32le(b, offset + 8)) throw new ImageError('BAD_CRC', 'the xz data is corrupt: a stream header fails its CRC32');
  if (streamFlags(b, offset + 6, 'header') !== flags) throw corrupt('a stream\'s header and footer disagree on its flags');
  return { offset, end, checkType: flags, blocks, uncompressedSize };
}

function streamFlags(b: Uint8Array, o: number, where: string): number {
  if (b[o] !== 0 || b[o + 1] & 0xf0) throw new ImageError('UNSUPPORTED', `a stream ${where} sets reserved flags: written by a newer xz?`);
  const check = b[o + 1] & 0x0f;
  assertSupportedCheck(check);
  return check;
}

function readIndex(b: Uint8Array, start: number, end: number): BlockRecord[] {
  // The footer gives the index's extent, so its CRC can be checked before trusting its contents.
  if (crc32(b, start, end - 4) !== u32le(b, end - 4)) throw new ImageError('BAD_CRC', 'the xz data is corrupt: the index fails its CRC32');
  if (b[start] !== 0) throw corrupt('the stream footer does not point at an index');
  let p = start + 1;
  let count: number;
  [count, p] = readVli(b, p, end, 'the index');
  const records: BlockRecord[] = [];
  for (let i = 0; i < count; i++) {
    let unpaddedSize: number, uncompressedSize: number;
    [unpaddedSize, p] = readVli(b, p, end, 'the index');
    [uncompressedSize, p] = readVli(b, p, end, 'the index');
    if (unpaddedSize < 5) throw corrupt(`the index records block ${i} with an impossible size of ${unpaddedSize}`);
    records.push({ unpaddedSize, uncompressedSize });
  }
  while ((p - start) % 4) if (p >= end || b[p++] !== 0) throw corrupt('the index padding is not zero');
  if (p + 4 !== end) throw corrupt('the index is not the size the stream footer says');
  return records;
}

/** Decompresses a complete .xz file (every stream, concatenated), verifying every check. */
export function decodeXz(b: Uint8Array): Uint8Array {
  const streams = readXzIndex(b);
  const total = streams.reduce((n, s) => n + s.uncompressedSize, 0);
  let out: Uint8Array;
  try {
    out = new Uint8Array(total);
  } catch {
    throw new ImageError('UNSUPPORTED', `the xz data decompresses to ${total} bytes, more than fits in memory here`);
  }
  const lz = new LzmaDecoder();
  let outPos = 0, n = 0;
  for (const s of streams) {
    let pos = s.offset + HEADER_SIZE;
    for (const rec of s.blocks) {
      if (b[pos] === 0) throw corrupt(`the index lists ${s.blocks.length} blocks but the stream has ${n} before its index`);
      const next = decodeBlock(b, pos, rec, s.checkType, out, outPos, lz, n++);
      if (next - pos !== Math.ceil(rec.unpaddedSize / 4) * 4) throw corrupt(`block ${n - 1} is not the size the index records`);
      outPos += rec.uncompressedSize;
      pos = next;
    }
    if (b[pos] !== 0) throw corrupt('a stream has more blocks than its index lists');
  }
  return out;
}
