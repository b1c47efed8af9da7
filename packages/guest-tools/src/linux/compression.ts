// The compressions a bzImage's payload may use (CONFIG_KERNEL_*), told apart by their magic the
// way the kernel's own decompressor picks one. Linux appends the decompressed size (32-bit, little
// endian) to every payload; for gzip those 4 bytes are gzip's own length trailer.
import * as zlib from 'node:zlib';
import { ImageError } from '../errors.js';
import { decodeGzip } from '../gzip/index.js';
import { decodeLz4 } from '../lz4/index.js';
import { decodeLzmaAlone, decodeXz } from '../xz/index.js';

export type Compression = 'gzip' | 'bzip2' | 'lzma' | 'xz' | 'lzo' | 'lz4' | 'zstd' | 'none' | 'unknown';

const MAGICS: [Compression, number[]][] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]], // "BZh"
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f]], // "\x89LZO"
  ['lz4', [0x02, 0x21, 0x4c, 0x18]], // the legacy frame `lz4 -l` writes
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['none', [0x7f, 0x45, 0x4c, 0x46]], // CONFIG_KERNEL_UNCOMPRESSED: the ELF itself
  ['lzma', [0x5d, 0x00, 0x00]], // lc=3 lp=0 pb=2, as `lzma -9` writes; only a heuristic
];

export function detectCompression(payload: Uint8Array): Compression {
  for (const [name, magic] of MAGICS) {
    if (payload.length >= magic.length && magic.every((m, i) => payload[i] === m)) return name;
  }
  return 'unknown';
}

type Zlib = typeof zlib & { zstdDecompressSync?: (b: Uint8Array) => Buffer };

/**
 * Decompresses a kernel payload and checks the result against the appended size. Throws an
 * UNSUPPORTED ImageError for compressions this package does not decode.
 */
export function decompressPayload(payload: Uint8Array, compression = detectCompression(payload)): Uint8Array {
  if (payload.length < 8) throw new ImageError('TRUNCATED', `the kernel payload is ${payload.length} bytes, too short to be compressed data`);
  const size = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(payload.length - 4, true);
  const body = payload.subarray(0, payload.length - 4);
  let out: Uint8Array;
  switch (compression) {
    case 'xz': out = decodeXz(body); break;
    case 'gzip': out = decodeGzip(payload); break;
    case 'lzma': out = decodeLzmaAlone(body, size); break;
    case 'lz4': out = decodeLz4(body, size); break;
    // Uncompressed kernels may or may not carry the size; either way the bytes are the vmlinux.
    case 'none': return size === body.length ? body : payload;
    case 'zstd': {
      const zstd = (zlib as Zlib).zstdDecompressSync;
      if (!zstd) throw unsupported('zstd', 'this Node has no zstd in node:zlib (Node 22.15 and later do)');
      try {
        const b = zstd(body);
        out = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (e) {
        throw new ImageError('CORRUPT', `the zstd data is corrupt: ${(e as Error).message}`, { cause: e });
      }
      break;
    }
    case 'bzip2': case 'lzo': throw unsupported(compression, 'there is no decoder for it here');
    default: throw new ImageError('UNKNOWN_COMPRESSION', `the kernel payload starts with ${hex(payload.subarray(0, 6))}, the magic of no compression Linux uses`);
  }
  if (out.length % 2 ** 32 !== size) {
    throw new ImageError('CORRUPT', `the kernel payload decompresses to ${out.length} bytes but records ${size}`);
  }
  return out;
}

function unsupported(name: string, why: string): ImageError {
  return new ImageError('UNSUPPORTED', `the kernel payload is ${name}-compressed and ${why}; use a kernel built with CONFIG_KERNEL_XZ, _GZIP, _LZMA or _LZ4 (Debian's are xz), or unpack it with the kernel's scripts/extract-vmlinux`);
}

function hex(b: Uint8Array): string {
  return [...b].map((v) => v.toString(16).padStart(2, '0')).join(' ');
}
