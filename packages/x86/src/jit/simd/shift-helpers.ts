// Out-of-line packed shifts by a count from a register or memory: a 64-bit unsigned count (lo, hi
// as int32 halves); any count at or beyond the element width saturates. Kinds as SK in shifts.ts.

export function shift(d: Int32Array, di: number, n: number, kind: number, lo: number, hi: number): void {
  // Every count of 64 or more behaves like 64 for every element width.
  const c = hi !== 0 || lo >>> 0 > 64 ? 64 : lo >>> 0;
  switch (kind) {
    case 0: case 1: case 2: {
      const k = kind === 2 ? Math.min(c, 15) : c;
      for (let j = 0; j < n; j++) {
        const v = d[di + j];
        if (kind === 2) d[di + j] = (((v << 16) >> (16 + k)) & 0xffff) | ((v >> k) & -65536);
        else if (k > 15) d[di + j] = 0;
        else if (kind === 0) d[di + j] = (v << k) & (((0xffff << k) & 0xffff) * 0x10001);
        else d[di + j] = (v >>> k) & ((0xffff >>> k) * 0x10001);
      }
      return;
    }
    case 3: case 4: case 5:
      for (let j = 0; j < n; j++) {
        const v = d[di + j];
        if (kind === 5) d[di + j] = v >> Math.min(c, 31);
        else if (c > 31) d[di + j] = 0;
        else d[di + j] = kind === 3 ? v << c : v >>> c;
      }
      return;
    default:
      for (let j = 0; j < n; j += 2) {
        const l = d[di + j], h = d[di + j + 1];
        let rl = 0, rh = 0;
        if (c === 0) { rl = l; rh = h; }
        else if (c < 32) {
          if (kind === 6) { rl = l << c; rh = (h << c) | (l >>> (32 - c)); }
          else { rl = (l >>> c) | (h << (32 - c)); rh = h >>> c; }
        } else if (c < 64) {
          if (kind === 6) rh = l << (c - 32);
          else rl = h >>> (c - 32);
        }
        d[di + j] = rl; d[di + j + 1] = rh;
      }
  }
}
