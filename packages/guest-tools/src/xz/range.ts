// The LZMA range decoder's state between chunks: arithmetic decoding of bits against adaptive
// 11-bit probabilities. The bit decoding itself is inlined in lzma.ts's loop (for speed).
import { corrupt } from './reader.js';

/** Probabilities are 11-bit fixed point; 1024 means "0 and 1 equally likely". */
export const PROB_INIT = 1024;
/** Below this the range is renormalised: shifted left a byte, and a byte of input shifted in. */
export const TOP = 0x1000000;

export class RangeDecoder {
  range = 0;
  code = 0;
  pos = 0;
  buf: Uint8Array = new Uint8Array(0);

  /** Starts decoding at buf[pos]: a zero byte, then the first 32 bits of the code. */
  init(buf: Uint8Array, pos: number, end: number): void {
    if (end - pos < 5) throw corrupt('the data is too short to hold the range coder start', 'LZMA');
    if (buf[pos] !== 0) throw corrupt('the data does not start with the zero byte the range coder begins with', 'LZMA');
    this.buf = buf;
    this.code = ((buf[pos + 1] << 24) | (buf[pos + 2] << 16) | (buf[pos + 3] << 8) | buf[pos + 4]) >>> 0;
    this.range = 0xffffffff;
    this.pos = pos + 5;
    if (this.code === this.range) throw corrupt('the data starts with an impossible range coder value', 'LZMA');
  }

  /** A correctly ended chunk leaves the code at zero (the encoder flushed exactly its state). */
  get finished(): boolean {
    return this.code === 0;
  }
}
