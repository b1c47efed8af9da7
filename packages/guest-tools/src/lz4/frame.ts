// LZ4 containers: the frame format (what `lz4` writes by default: descriptor, blocks, optional
// xxHash32 checksums) and the legacy format (what `lz4 -l` writes and Linux's CONFIG_KERNEL_LZ4
// uses: 8 MiB blocks, each preceded by its compressed size). Frames may follow one another.
import { ImageError } from '../errors.js';
import { decodeLz4Block } from './block.js';
import { xxh32 } from './xxhash.js';

const FRAME_MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
const LEGACY_BLOCK = 8 << 20;
const BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

const le32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const truncated = (what: string) => new ImageError('TRUNCATED', `the lz4 data is truncated: it ends inside ${what}`);
const corrupt = (what: string) => new ImageError('CORRUPT', `the lz4 data is corrupt: ${what}`);
const isSkippable = (m: number) => (m & 0xfffffff0) === 0x184d2a50;

export function isLz4(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const m = le32(b, 0);
  return m === FRAME_MAGIC || m === LEGACY_MAGIC;
}

/** An output buffer that grows by doubling, so blocks can decode straight into it. */
class Output {
  buf: Uint8Array;
  pos = 0;
  constructor(size: number) { this.buf = new Uint8Array(Math.max(size, 1024)); }
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }
}

/** Decompresses LZ4 frame or legacy data; `sizeHint` presizes the output. */
export function decodeLz4(b: Uint8Array, sizeHint = 0): Uint8Array {
  if (!isLz4(b)) throw new ImageError('NOT_LZ4', 'the data is not LZ4 (no frame or legacy magic)');
  const out = new Output(sizeHint || b.length * 3);
  let p = 0;
  while (p < b.length) {
    if (b.length - p < 4) throw truncated('a frame magic');
    const magic = le32(b, p);
    if (magic === FRAME_MAGIC) p = decodeFrame(b, p + 4, out);
    else if (magic === LEGACY_MAGIC) p = decodeLegacy(b, p + 4, out);
    else if (isSkippable(magic)) {
      if (b.length - p < 8) throw truncated('a skippable frame');
      p += 8 + le32(b, p + 4);
      if (p > b.length) throw truncated('a skippable frame');
    } else throw corrupt(`unknown frame magic 0x${magic.toString(16)} at byte ${p}`);
  }
  return out.pos === out.buf.length ? out.buf : out.buf.slice(0, out.pos);
}

function decodeLegacy(b: Uint8Array, p: number, out: Output): number {
  while (b.length - p >= 4) {
    const size = le32(b, p);
    // A legacy stream has no end mark: it ends with the input or where another frame begins.
    if (size === LEGACY_MAGIC || size === FRAME_MAGIC || isSkippable(size)) return p;
    p += 4;
    if (size > b.length - p) throw truncated('a legacy block');
    out.reserve(LEGACY_BLOCK);
    const view = out.buf.subarray(0, out.pos + LEGACY_BLOCK);
    out.pos = decodeLz4Block(b, p, p + size, view, out.pos);
    p += size;
  }
  if (p !== b.length) throw truncated('a legacy block size');
  return p;
}

function decodeFrame(b: Uint8Array, p: number, out: Output): number {
  if (b.length - p < 3) throw truncated('a frame descriptor');
  const descStart = p;
  const flg = b[p], bd = b[p + 1];
  if (flg >>> 6 !== 1) throw new ImageError('UNSUPPORTED', `the lz4 frame has version ${flg >>> 6}; only version 1 exists`);
  if (flg & 0x02 || bd & 0x8f) throw new ImageError('UNSUPPORTED', 'the lz4 frame descriptor sets reserved bits');
  if (flg & 0x01) throw new ImageError('UNSUPPORTED', 'the lz4 frame needs an external dictionary');
  const linked = !(flg & 0x20), blockSums = !!(flg & 0x10), contentSum = !!(flg & 0x04);
  const blockMax = BLOCK_MAX[(bd >>> 4) & 7];
  if (!blockMax) throw corrupt(`block size code ${(bd >>> 4) & 7} is invalid`);
  p += 2;
  let contentSize: number | undefined;
  if (flg & 0x08) {
    if (b.length - p < 8) throw truncated('a frame descriptor');
    contentSize = le32(b, p) + le32(b, p + 4) * 2 ** 32;
    p += 8;
  }
  if (b.length - p < 1) throw truncated('a frame descriptor');
  if (((xxh32(b, descStart, p) >>> 8) & 0xff) !== b[p]) throw new ImageError('BAD_CRC', 'the lz4 data is corrupt: a frame descriptor fails its checksum');
  p++;
  const frameStart = out.pos;
  if (contentSize !== undefined) out.reserve(contentSize);
  for (;;) {
    if (b.length - p < 4) throw truncated('a block size');
    const word = le32(b, p);
    p += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corrupt(`a block of ${size} bytes exceeds the frame's ${blockMax}-byte maximum`);
    if (b.length - p < size + (blockSums ? 4 : 0)) throw truncated('a block');
    if (blockSums && xxh32(b, p, p + size) !== le32(b, p + size)) throw new ImageError('CHECK_MISMATCH', 'the lz4 data is corrupt: a block fails its checksum');
    out.reserve(blockMax);
    if (word & 0x80000000) {
      out.buf.set(b.subarray(p, p + size), out.pos); // stored uncompressed
      out.pos += size;
    } else {
      const view = out.buf.subarray(0, out.pos + blockMax);
      out.pos = decodeLz4Block(b, p, p + size, view, out.pos, linked ? frameStart : out.pos);
    }
    p += size + (blockSums ? 4 : 0);
  }
  if (contentSize !== undefined && out.pos - frameStart !== contentSize) {
    throw corrupt(`a frame decodes to ${out.pos - frameStart} bytes but records ${contentSize}`);
  }
  if (contentSum) {
    if (b.length - p < 4) throw truncated('the content checksum');
    if (xxh32(out.buf, frameStart, out.pos) !== le32(b, p)) throw new ImageError('CHECK_MISMATCH', 'the lz4 data is corrupt: the decoded content fails its checksum');
    p += 4;
  }
  return p;
}
