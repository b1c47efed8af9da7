// Integrity checks of an .xz stream: the uncompressed data of every block is followed by one.
import { createHash } from 'node:crypto';
import { ImageError } from '../errors.js';
import { crc32, crc64 } from './crc.js';

export const CHECK = { NONE: 0, CRC32: 1, CRC64: 4, SHA256: 10 } as const;
const NAMES: Record<number, string> = { 0: 'none', 1: 'CRC32', 4: 'CRC64', 10: 'SHA-256' };

/** Bytes the check field takes; the format fixes it even for check types nobody defined yet. */
export function checkSize(type: number): number {
  return type === 0 ? 0 : 2 ** (Math.floor((type - 1) / 3) + 2);
}

export function checkName(type: number): string {
  return NAMES[type] ?? `type ${type}`;
}

export function assertSupportedCheck(type: number): void {
  if (!(type in NAMES)) {
    throw new ImageError('UNSUPPORTED', `the xz data uses integrity check ${type}, which this decoder does not know (none, CRC32, CRC64 and SHA-256 are supported)`);
  }
}

/** Verifies `stored` against data[start, end); `block` names the block in the error. */
export function verifyCheck(type: number, data: Uint8Array, start: number, end: number, stored: Uint8Array, block: number): void {
  let actual: Uint8Array;
  switch (type) {
    case CHECK.NONE: return;
    case CHECK.CRC32: {
      const c = crc32(data, start, end);
      actual = new Uint8Array([c, c >>> 8, c >>> 16, c >>> 24]);
      break;
    }
    case CHECK.CRC64: actual = crc64(data, start, end); break;
    case CHECK.SHA256: actual = createHash('sha256').update(data.subarray(start, end)).digest(); break;
    default: assertSupportedCheck(type); return;
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== stored[i]) {
      throw new ImageError('CHECK_MISMATCH', `the xz data is corrupt: block ${block} decodes to bytes whose ${checkName(type)} does not match the stored one`);
    }
  }
}
