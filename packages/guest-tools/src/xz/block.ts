// An .xz block: a header naming its filter chain (and maybe its sizes), the compressed data,
// padding to 4 bytes, and the integrity check of what it decodes to.
import { ImageError } from '../errors.js';
import { checkSize, verifyCheck } from './check.js';
import { crc32 } from './crc.js';
import { deltaDecode, x86Decode } from './filters.js';
import { LzmaDecoder } from './lzma.js';
import { decodeLzma2 } from './lzma2.js';
import { corrupt, readVli, truncated, u32le } from './reader.js';

export const FILTER = { DELTA: 0x03, X86: 0x04, LZMA2: 0x21 } as const;
const UNSUPPORTED_FILTERS: Record<number, string> = {
  0x05: 'PowerPC BCJ', 0x06: 'IA-64 BCJ', 0x07: 'ARM BCJ', 0x08: 'ARM-Thumb BCJ', 0x09: 'SPARC BCJ', 0x0a: 'ARM64 BCJ', 0x0b: 'RISC-V BCJ',
};

export interface Filter { id: number; props: Uint8Array }

export interface BlockHeader {
  size: number;
  compressedSize?: number;
  uncompressedSize?: number;
  /** In encoding order; LZMA2 is last. */
  filters: Filter[];
}

/** What the index says about one block. */
export interface BlockRecord { unpaddedSize: number; uncompressedSize: number }

export function parseBlockHeader(b: Uint8Array, pos: number, end: number, n: number): BlockHeader {
  const size = (b[pos] + 1) * 4;
  if (pos + size > end) throw truncated(`the header of block ${n}`);
  const crcAt = pos + size - 4;
  if (crc32(b, pos, crcAt) !== u32le(b, crcAt)) throw new ImageError('BAD_CRC', `the xz data is corrupt: the header of block ${n} fails its CRC32`);
  const flags = b[pos + 1];
  if (flags & 0x3c) throw new ImageError('UNSUPPORTED', `block ${n} sets reserved header flags (${flags.toString(16)}): written by a newer xz?`);
  const h: BlockHeader = { size, filters: [] };
  let p = pos + 2;
  if (flags & 0x40) {
    [h.compressedSize, p] = readVli(b, p, crcAt, `block ${n}'s compressed size`);
    if (h.compressedSize === 0) throw corrupt(`block ${n} records a compressed size of 0`);
  }
  if (flags & 0x80) [h.uncompressedSize, p] = readVli(b, p, crcAt, `block ${n}'s uncompressed size`);
  const count = (flags & 3) + 1;
  for (let i = 0; i < count; i++) {
    let id: number, propsSize: number;
    [id, p] = readVli(b, p, crcAt, `block ${n}'s filter list`);
    [propsSize, p] = readVli(b, p, crcAt, `block ${n}'s filter list`);
    if (p + propsSize > crcAt) throw corrupt(`block ${n}'s filter properties run past its header`);
    h.filters.push({ id, props: b.slice(p, p + propsSize) });
    p += propsSize;
  }
  for (; p < crcAt; p++) if (b[p] !== 0) throw new ImageError('UNSUPPORTED', `block ${n}'s header has non-zero padding: written by a newer xz?`);
  validateFilters(h.filters, n);
  return h;
}

function validateFilters(filters: Filter[], n: number): void {
  filters.forEach((f, i) => {
    const last = i === filters.length - 1;
    if (f.id === FILTER.LZMA2) {
      if (!last) throw corrupt(`block ${n} has LZMA2 before the end of its filter chain`);
      if (f.props.length !== 1) throw corrupt(`block ${n}'s LZMA2 filter has ${f.props.length} property bytes (1 expected)`);
      if (f.props[0] > 40) throw corrupt(`block ${n}'s LZMA2 dictionary size code ${f.props[0]} is out of range`);
      return;
    }
    if (last) throw new ImageError('UNSUPPORTED', `block ${n} ends its filter chain with filter ${filterName(f.id)}; only LZMA2 is supported there`);
    if (f.id === FILTER.X86) {
      if (f.props.length !== 0 && f.props.length !== 4) throw corrupt(`block ${n}'s x86 filter has ${f.props.length} property bytes (0 or 4 expected)`);
    } else if (f.id === FILTER.DELTA) {
      if (f.props.length !== 1) throw corrupt(`block ${n}'s delta filter has ${f.props.length} property bytes (1 expected)`);
    } else {
      throw new ImageError('UNSUPPORTED', `block ${n} uses the ${filterName(f.id)} filter, which this decoder does not implement (x86 BCJ, delta and LZMA2 are supported)`);
    }
  });
}

function filterName(id: number): string {
  return UNSUPPORTED_FILTERS[id] ?? (id === FILTER.X86 ? 'x86 BCJ' : id === FILTER.DELTA ? 'delta' : `0x${id.toString(16)}`);
}

/**
 * Decodes block `n` at b[pos] (as described by its index record) into out[outPos...] and verifies
 * it. Returns the position after the block.
 */
export function decodeBlock(
  b: Uint8Array, pos: number, rec: BlockRecord, checkType: number,
  out: Uint8Array, outPos: number, lz: LzmaDecoder, n: number,
): number {
  const h = parseBlockHeader(b, pos, b.length, n);
  const csize = checkSize(checkType);
  const compressedSize = rec.unpaddedSize - h.size - csize;
  if (compressedSize <= 0 || (h.compressedSize !== undefined && h.compressedSize !== compressedSize)) {
    throw corrupt(`block ${n}'s compressed size disagrees with the index`);
  }
  if (h.uncompressedSize !== undefined && h.uncompressedSize !== rec.uncompressedSize) {
    throw corrupt(`block ${n}'s uncompressed size disagrees with the index`);
  }
  const dataStart = pos + h.size, dataEnd = dataStart + compressedSize;
  const outEnd = outPos + rec.uncompressedSize;
  const r = decodeLzma2(b, dataStart, dataEnd, out, outPos, outEnd, lz);
  if (r.inPos !== dataEnd) throw corrupt(`block ${n}'s LZMA2 data ends before its recorded compressed size`);
  if (r.outPos !== outEnd) throw corrupt(`block ${n} decodes to ${r.outPos - outPos} bytes but the index records ${rec.uncompressedSize}`);
  for (let i = h.filters.length - 2; i >= 0; i--) {
    const f = h.filters[i];
    if (f.id === FILTER.X86) x86Decode(out, outPos, outEnd, f.props.length === 4 ? u32le(f.props, 0) : 0);
    else deltaDecode(out, outPos, outEnd, f.props[0] + 1);
  }
  let p = dataEnd;
  while ((p - pos) % 4) if (b[p++] !== 0) throw corrupt(`block ${n}'s padding is not zero`);
  verifyCheck(checkType, out, outPos, outEnd, b.subarray(p, p + csize), n);
  return p + csize;
}
