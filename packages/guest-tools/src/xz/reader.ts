// Little helpers for the .xz headers: variable-length integers and CRC-guarded fields. Every read
// is bounds-checked so a short file reports TRUNCATED instead of decoding garbage.
import { ImageError } from '../errors.js';

export function truncated(what: string, format = 'xz'): ImageError {
  return new ImageError('TRUNCATED', `the ${format} data is truncated: it ends inside ${what}`);
}

export function corrupt(what: string, format = 'xz'): ImageError {
  return new ImageError('CORRUPT', `the ${format} data is corrupt: ${what}`);
}

export function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/**
 * Reads a multibyte integer (7 bits a byte, low bits first, at most 9 bytes) at b[pos] and
 * returns [value, next position]. Values that do not fit a JS number exactly are refused: no real
 * file has sizes near 2^53.
 */
export function readVli(b: Uint8Array, pos: number, end: number, what: string): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (pos >= end) throw truncated(what);
    const byte = b[pos++];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (!(byte & 0x80)) {
      // The format forbids padding a number with zero bytes (a unique encoding per value).
      if (byte === 0 && i > 0) throw corrupt(`${what} has a non-minimal integer encoding`);
      if (value > Number.MAX_SAFE_INTEGER) throw new ImageError('UNSUPPORTED', `the xz data has a ${what} of ${value} or more, beyond what this decoder handles`);
      return [value, pos];
    }
  }
  throw corrupt(`${what} is an integer longer than 9 bytes`);
}
