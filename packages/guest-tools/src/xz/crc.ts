// The CRCs the .xz format uses: CRC32 (IEEE 802.3, for headers and the CRC32 check) and CRC64
// (ECMA-182, the default check of `xz`). Both are the reflected, table-driven forms.
import * as zlib from 'node:zlib';

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

// Node's native CRC32 (zlib.crc32, Node >= 20.15) is much faster than a JS loop on the megabytes
// of a kernel; older Nodes fall back to the table.
const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  if (nativeCrc32) return nativeCrc32(data.subarray(start, end), 0) >>> 0;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// CRC64 is 64 bits wide but JS bit operations are 32-bit: keep the register and the table as
// high and low halves, which avoids BigInt on a loop that runs once per output byte.
const CRC64_LO = new Uint32Array(256);
const CRC64_HI = new Uint32Array(256);
(() => {
  const polyLo = 0xd7870f42, polyHi = 0xc96c5795;
  for (let n = 0; n < 256; n++) {
    let lo = n, hi = 0;
    for (let k = 0; k < 8; k++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) { lo = (lo ^ polyLo) >>> 0; hi = (hi ^ polyHi) >>> 0; }
    }
    CRC64_LO[n] = lo;
    CRC64_HI[n] = hi;
  }
})();

/** CRC64 of data[start, end) as 8 little-endian bytes (the order .xz stores it in). */
export function crc64(data: Uint8Array, start = 0, end = data.length): Uint8Array {
  let lo = 0xffffffff | 0, hi = 0xffffffff | 0;
  for (let i = start; i < end; i++) {
    const t = (lo ^ data[i]) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ CRC64_LO[t];
    hi = (hi >>> 8) ^ CRC64_HI[t];
  }
  const out = new Uint8Array(8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, ~lo >>> 0, true);
  dv.setUint32(4, ~hi >>> 0, true);
  return out;
}
