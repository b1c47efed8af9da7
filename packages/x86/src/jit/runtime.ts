// Functions that compiled blocks call. The memory accessors are small on purpose: the TLB hit path
// is a tag compare and a DataView access, which V8 inlines into the block; everything else (page
// walks, page-crossing accesses, MMIO, faults) is in the Cpu's slow paths.
import type { Cpu } from '../cpu.js';
import { R } from '../state.js';

export const TLB_BITS = 11;
export const TLB_SIZE = 1 << TLB_BITS;
export const TLB_MASK = TLB_SIZE - 1;
const INV_PAGE = 1 / 4096;

export function rd8(c: Cpu, ea: number): number {
  const vpn = Math.floor(ea * INV_PAGE);
  const i = vpn & TLB_MASK;
  if (c.tagR[i] === vpn) return c.u8[c.tphys[i] + (ea & 4095)];
  return c.readSlow(ea, 1);
}

export function rd16(c: Cpu, ea: number): number {
  const vpn = Math.floor(ea * INV_PAGE);
  const i = vpn & TLB_MASK;
  const off = ea & 4095;
  if (c.tagR[i] === vpn && off <= 4094) return c.dv.getUint16(c.tphys[i] + off, true);
  return c.readSlow(ea, 2);
}

export function rd32(c: Cpu, ea: number): number {
  const vpn = Math.floor(ea * INV_PAGE);
  const i = vpn & TLB_MASK;
  const off = ea & 4095;
  if (c.tagR[i] === vpn && off <= 4092) return c.dv.getInt32(c.tphys[i] + off, true);
  return c.readSlow(ea, 4);
}

/** Returns the low half; the high half is left in r[TMP_HI]. */
export function rd64(c: Cpu, ea: number): number {
  const vpn = Math.floor(ea * INV_PAGE);
  const i = vpn & TLB_MASK;
  const off = ea & 4095;
  if (c.tagR[i] === vpn && off <= 4088) {
    const pa = c.tphys[i] + off;
    c.r[R.TMP_HI] = c.dv.getInt32(pa + 4, true);
    return c.dv.getInt32(pa, true);
  }
  return c.readSlow(ea, 8);
}

export function wr8(c: Cpu, ea: number, v: number): void {
  const vpn = Math.floor(ea * INV_PAGE);
  const i = vpn & TLB_MASK;
  if (c.tagW[i] === vpn) { c.u8[c.tphys[i] + (ea & 4095)] = v; return; }
  c.writeSlow(ea, 1, v, 0);
}

export function wr16(c: Cpu, ea: number, v: number): void {
  const vpn = Math.floor(ea * INV_PAGE);
  const i = vpn & TLB_MASK;
  const off = ea & 4095;
  if (c.tagW[i] === vpn && off <= 4094) { c.dv.setUint16(c.tphys[i] + off, v, true); return; }
  c.writeSlow(ea, 2, v, 0);
}

export function wr32(c: Cpu, ea: number, v: number): void {
  const vpn = Math.floor(ea * INV_PAGE);
  const i = vpn & TLB_MASK;
  const off = ea & 4095;
  if (c.tagW[i] === vpn && off <= 4092) { c.dv.setInt32(c.tphys[i] + off, v, true); return; }
  c.writeSlow(ea, 4, v, 0);
}

export function wr64(c: Cpu, ea: number, lo: number, hi: number): void {
  const vpn = Math.floor(ea * INV_PAGE);
  const i = vpn & TLB_MASK;
  const off = ea & 4095;
  if (c.tagW[i] === vpn && off <= 4088) {
    const pa = c.tphys[i] + off;
    c.dv.setInt32(pa, lo, true);
    c.dv.setInt32(pa + 4, hi, true);
    return;
  }
  c.writeSlow(ea, 8, lo, hi);
}

// ---- lazy flags: aux words (CF bit 0, AF bit 4, OF bit 11) from carry/borrow vectors ----

/** Flags of a + b (+ carry) = r, for an operand whose sign bit is bit `sh`. */
export function auxAdd(a: number, b: number, r: number, sh: number): number {
  const c = (a & b) | ((a | b) & ~r);
  return ((c >>> sh) & 1) | ((c << 1) & 16) | ((((c ^ (c << 1)) >>> sh) & 1) << 11);
}

/** Flags of a - b (- borrow) = r. */
export function auxSub(a: number, b: number, r: number, sh: number): number {
  const c = (~a & b) | ((~a | b) & r);
  return ((c >>> sh) & 1) | ((c << 1) & 16) | ((((c ^ (c << 1)) >>> sh) & 1) << 11);
}

export function auxAdd64(al: number, bl: number, rl: number, ah: number, bh: number, rh: number): number {
  const cl = (al & bl) | ((al | bl) & ~rl);
  const ch = (ah & bh) | ((ah | bh) & ~rh);
  return (ch >>> 31) | ((cl << 1) & 16) | (((ch ^ (ch << 1)) >>> 31) << 11);
}

export function auxSub64(al: number, bl: number, rl: number, ah: number, bh: number, rh: number): number {
  const cl = (~al & bl) | ((~al | bl) & rl);
  const ch = (~ah & bh) | ((~ah | bh) & rh);
  return (ch >>> 31) | ((cl << 1) & 16) | (((ch ^ (ch << 1)) >>> 31) << 11);
}

/** Unsigned 32×32 → 64 multiply: returns the low half, leaves the high half in r[TMP_HI]. */
export function mulu32(c: Cpu, a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  c.r[R.TMP_HI] = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return ((p00 & 0xffff) | (mid << 16)) | 0;
}
