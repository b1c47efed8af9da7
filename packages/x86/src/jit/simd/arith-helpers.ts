// Out-of-line packed-integer arithmetic: the operations whose lanes need per-element work that
// does not fit a few SWAR expressions (saturation, multiplication, averages, signed minima,
// sums of differences, packs). Every helper is dest = op(dest, src) over `n` int32 lanes
// (4 for XMM, 2 for MMX); dest and src may be the same register.

type Bin = (d: Int32Array, di: number, s: Int32Array, si: number, n: number) => void;

const sb = (x: number) => (x << 24) >> 24;
const sw = (x: number) => (x << 16) >> 16;
const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** Applies f to each pair of unsigned bytes (f's result is truncated to 8 bits). */
function bytewise(f: (a: number, b: number) => number): Bin {
  return (d, di, s, si, n) => {
    for (let k = 0; k < n; k++) {
      const a = d[di + k], b = s[si + k];
      d[di + k] = (f(a & 255, b & 255) & 255) | ((f((a >>> 8) & 255, (b >>> 8) & 255) & 255) << 8) |
        ((f((a >>> 16) & 255, (b >>> 16) & 255) & 255) << 16) | (f(a >>> 24, b >>> 24) << 24);
    }
  };
}

/** Applies f to each pair of unsigned words (f's result is truncated to 16 bits). */
function wordwise(f: (a: number, b: number) => number): Bin {
  return (d, di, s, si, n) => {
    for (let k = 0; k < n; k++) {
      const a = d[di + k], b = s[si + k];
      d[di + k] = (f(a & 0xffff, b & 0xffff) & 0xffff) | (f(a >>> 16, b >>> 16) << 16);
    }
  };
}

export const paddsb = bytewise((a, b) => clamp(sb(a) + sb(b), -128, 127));
export const paddusb = bytewise((a, b) => Math.min(a + b, 255));
export const psubsb = bytewise((a, b) => clamp(sb(a) - sb(b), -128, 127));
export const psubusb = bytewise((a, b) => Math.max(a - b, 0));
export const paddsw = wordwise((a, b) => clamp(sw(a) + sw(b), -32768, 32767));
export const paddusw = wordwise((a, b) => Math.min(a + b, 65535));
export const psubsw = wordwise((a, b) => clamp(sw(a) - sw(b), -32768, 32767));
export const psubusw = wordwise((a, b) => Math.max(a - b, 0));

export const pavgb = bytewise((a, b) => (a + b + 1) >> 1);
export const pavgw = wordwise((a, b) => (a + b + 1) >> 1);
export const pminsw = wordwise((a, b) => (sw(a) < sw(b) ? a : b));
export const pmaxsw = wordwise((a, b) => (sw(a) > sw(b) ? a : b));
export const pcmpgtb = bytewise((a, b) => (sb(a) > sb(b) ? 255 : 0));
export const pcmpgtw = wordwise((a, b) => (sw(a) > sw(b) ? 0xffff : 0));

export const pmullw = wordwise((a, b) => Math.imul(a, b));
// Signed 16x16 products fit an int32; unsigned ones fit a double below 2^32.
export const pmulhw = wordwise((a, b) => (sw(a) * sw(b)) >> 16);
export const pmulhuw = wordwise((a, b) => (a * b) >>> 16);

export const pmaddwd: Bin = (d, di, s, si, n) => {
  for (let k = 0; k < n; k++) {
    const a = d[di + k], b = s[si + k];
    // Only 0x8000 * 0x8000 twice overflows: the sum 2^31 wraps to 0x80000000, as on hardware.
    d[di + k] = (sw(a) * sw(b) + (a >> 16) * (b >> 16)) | 0;
  }
};

/** Unsigned low dword of each qword times the other's, as a full 64-bit product. */
export const pmuludq: Bin = (d, di, s, si, n) => {
  for (let k = 0; k < n; k += 2) {
    const a = d[di + k] >>> 0, b = s[si + k] >>> 0;
    const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
    const lo = a0 * b0, m1 = a1 * b0, m2 = a0 * b1;
    const mid = (lo >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
    d[di + k] = (lo & 0xffff) | (mid << 16);
    d[di + k + 1] = a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16);
  }
};

/** Sum of absolute byte differences of each qword into its low word; the rest of the qword is zero. */
export const psadbw: Bin = (d, di, s, si, n) => {
  for (let k = 0; k < n; k += 2) {
    let sum = 0;
    for (let h = 0; h < 2; h++) {
      const a = d[di + k + h], b = s[si + k + h];
      for (let sh = 0; sh < 32; sh += 8) sum += Math.abs(((a >>> sh) & 255) - ((b >>> sh) & 255));
    }
    d[di + k] = sum;
    d[di + k + 1] = 0;
  }
};

// ---- packs: destination elements first, then source elements, narrowed with saturation ----

const W = new Int32Array(16);

/** Loads the 2n signed words of dest then of src into W (src may alias dest, so copy first). */
function words(d: Int32Array, di: number, s: Int32Array, si: number, n: number): void {
  for (let k = 0; k < n; k++) {
    const a = d[di + k], b = s[si + k];
    W[2 * k] = sw(a); W[2 * k + 1] = a >> 16;
    W[2 * n + 2 * k] = sw(b); W[2 * n + 2 * k + 1] = b >> 16;
  }
}

function packWordsToBytes(lo: number, hi: number): Bin {
  return (d, di, s, si, n) => {
    words(d, di, s, si, n);
    for (let k = 0; k < n; k++) {
      let v = 0;
      for (let j = 0; j < 4; j++) v |= (clamp(W[4 * k + j], lo, hi) & 255) << (8 * j);
      d[di + k] = v;
    }
  };
}

export const packsswb = packWordsToBytes(-128, 127);
export const packuswb = packWordsToBytes(0, 255);

export const packssdw: Bin = (d, di, s, si, n) => {
  for (let k = 0; k < n; k++) { W[k] = d[di + k]; W[n + k] = s[si + k]; }
  for (let k = 0; k < n; k++) {
    d[di + k] = (clamp(W[2 * k], -32768, 32767) & 0xffff) | (clamp(W[2 * k + 1], -32768, 32767) << 16);
  }
};
