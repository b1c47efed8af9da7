// RCPPS/RCPSS/RSQRTPS/RSQRTSS: table approximations with 12-bit results that match the reference
// CPU bit for bit (the architecture only bounds the relative error by 1.5·2^-12; Intel's tables
// differ, so another vendor's hardware gives other bits within the same bound). They raise no
// exceptions and ignore MXCSR: zero and denormal inputs give an infinity, results below the
// normal range are flushed to zero.
import { RCP, RSQRT_EVEN, RSQRT_ODD } from './approx-tables.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function unpack(t: { first: number; steps: string }): Uint16Array {
  const out = new Uint16Array(4096);
  let v = t.first;
  for (let i = 0; i < 4096; i++) {
    out[i] = v;
    const c = B64.indexOf(t.steps[i >> 1]);
    v -= (i & 1 ? c >> 3 : c) & 7;
  }
  return out;
}

const rcpTable = unpack(RCP);
const rsqrtTables = [unpack(RSQRT_EVEN), unpack(RSQRT_ODD)];

export function rcp(x: number): number {
  const exp = (x >>> 23) & 0xff, sign = x & 0x80000000;
  if (exp === 0) return sign | 0x7f800000;
  if (exp === 0xff) return (x & 0x7fffff) !== 0 ? x | 0x400000 : sign;
  const e = 253 - exp;
  if (e <= 0) return sign;
  return sign | (e << 23) | (rcpTable[(x >>> 11) & 0xfff] << 11);
}

export function rsqrt(x: number): number {
  const exp = (x >>> 23) & 0xff;
  if (exp === 0xff && (x & 0x7fffff) !== 0) return x | 0x400000;
  if (exp === 0) return (x & 0x80000000) | 0x7f800000;
  if ((x | 0) < 0) return 0xffc00000 | 0;
  if (exp === 0xff) return 0;
  const u = exp - 127;
  return ((126 - (u >> 1)) << 23) | (rsqrtTables[u & 1][(x >>> 11) & 0xfff] << 11);
}
