// The LZ4 block format: sequences of (literal run, back-reference), each led by a token whose
// nibbles are the two lengths (15 meaning "more length bytes follow"). The last sequence is
// literals only.
import { ImageError } from '../errors.js';

const corrupt = (what: string) => new ImageError('CORRUPT', `the lz4 data is corrupt: ${what}`);

/**
 * Decodes the block in src[start, end) into out at outPos, where matches may reach back to
 * `windowStart` (earlier blocks of a linked frame). Returns the new output position; throws if
 * the output would pass out.length.
 */
export function decodeLz4Block(src: Uint8Array, start: number, end: number, out: Uint8Array, outPos: number, windowStart = outPos): number {
  let ip = start, op = outPos;
  const cap = out.length;
  for (;;) {
    if (ip >= end) throw corrupt('a block ends inside a sequence');
    const token = src[ip++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt('a block ends inside a literal length');
        b = src[ip++];
        lit += b;
      } while (b === 255);
    }
    if (lit > end - ip) throw corrupt('a literal run passes the end of its block');
    if (lit > cap - op) throw corrupt('a block decodes to more than its maximum size');
    if (lit > 16) out.set(src.subarray(ip, ip + lit), op);
    else for (let k = 0; k < lit; k++) out[op + k] = src[ip + k];
    ip += lit;
    op += lit;
    if (ip === end) return op; // the last sequence has no match
    if (end - ip < 2) throw corrupt('a block ends inside a match offset');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op - windowStart) throw corrupt(`a match reaches ${offset} bytes back with only ${op - windowStart} available`);
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt('a block ends inside a match length');
        b = src[ip++];
        len += b;
      } while (b === 255);
    }
    if (len > cap - op) throw corrupt('a block decodes to more than its maximum size');
    let s = op - offset;
    if (offset >= len && len > 32) {
      out.copyWithin(op, s, s + len);
      op += len;
    } else {
      // Overlapping (offset < length) repeats the last `offset` bytes: byte by byte.
      const stop = op + len;
      while (op < stop) out[op++] = out[s++];
    }
  }
}
