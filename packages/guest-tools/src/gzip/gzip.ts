// gzip (RFC 1952) over Node's zlib: we parse the member header and trailer ourselves so that
// errors say what is wrong, members can be concatenated, and bytes after the last member (a
// kernel's appended size, archive padding) are tolerated the way `gzip -d` tolerates them.
import * as zlib from 'node:zlib';
import { ImageError } from '../errors.js';
import { crc32 } from '../xz/crc.js';

const FLAG = { HCRC: 0x02, EXTRA: 0x04, NAME: 0x08, COMMENT: 0x10, RESERVED: 0xe0 } as const;
const truncated = (what: string) => new ImageError('TRUNCATED', `the gzip data is truncated: it ends inside ${what}`);

export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Decompresses every gzip member in `b`, verifying each one's CRC32 and length. */
export function decodeGzip(b: Uint8Array): Uint8Array {
  if (!isGzip(b)) throw new ImageError('NOT_GZIP', 'the data is not gzip (no 1f 8b magic)');
  const parts: Uint8Array[] = [];
  let p = 0;
  while (p < b.length && isGzip(b.subarray(p))) {
    const [data, next] = member(b, p);
    parts.push(data);
    p = next;
  }
  return parts.length === 1 ? parts[0] : new Uint8Array(Buffer.concat(parts));
}

function member(b: Uint8Array, start: number): [Uint8Array, number] {
  if (b.length - start < 10) throw truncated('a member header');
  if (b[start + 2] !== 8) throw new ImageError('UNSUPPORTED', `the gzip data uses compression method ${b[start + 2]}; only deflate (8) exists`);
  const flags = b[start + 3];
  if (flags & FLAG.RESERVED) throw new ImageError('UNSUPPORTED', 'the gzip header sets reserved flags');
  let p = start + 10;
  if (flags & FLAG.EXTRA) {
    if (b.length - p < 2) throw truncated('a member header');
    p += 2 + (b[p] | (b[p + 1] << 8));
  }
  for (const f of [FLAG.NAME, FLAG.COMMENT]) {
    if (!(flags & f)) continue;
    while (p < b.length && b[p] !== 0) p++;
    p++;
  }
  if (flags & FLAG.HCRC) p += 2;
  if (p > b.length) throw truncated('a member header');
  let data: Uint8Array, used: number;
  try {
    const r = zlib.inflateRawSync(b.subarray(p), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    data = new Uint8Array(r.buffer.buffer, r.buffer.byteOffset, r.buffer.byteLength);
    used = r.engine.bytesWritten;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'Z_BUF_ERROR') throw truncated('the deflate data');
    throw new ImageError('CORRUPT', `the gzip data is corrupt: ${(e as Error).message}`, { cause: e });
  }
  p += used;
  if (b.length - p < 8) throw truncated('a member trailer');
  const dv = new DataView(b.buffer, b.byteOffset + p, 8);
  if (dv.getUint32(0, true) !== crc32(data)) throw new ImageError('CHECK_MISMATCH', 'the gzip data is corrupt: a member fails its CRC32');
  if (dv.getUint32(4, true) !== data.length % 2 ** 32) throw new ImageError('CORRUPT', 'the gzip data is corrupt: a member\'s recorded length differs from its data');
  return [data, p + 8];
}
