// Test support: building and reading 512-byte FXSAVE64 images (the runner's state in and out).
import type { X80 } from './values.js';

export interface FxState {
  fcw: number;
  /** Status word including TOP. */
  fsw: number;
  /** Abridged tag: bit i set when physical register i is in use. */
  ftw: number;
  fop?: number;
  fip?: number;
  fdp?: number;
  mxcsr?: number;
  /** ST(0)..ST(7) in stack order (as FXSAVE lays them out). */
  st: X80[];
}

export function fxImage(s: FxState): Uint8Array {
  const b = new Uint8Array(512);
  const v = new DataView(b.buffer);
  v.setUint16(0, s.fcw, true);
  v.setUint16(2, s.fsw, true);
  b[4] = s.ftw;
  v.setUint16(6, s.fop ?? 0, true);
  v.setBigUint64(8, BigInt(s.fip ?? 0), true);
  v.setBigUint64(16, BigInt(s.fdp ?? 0), true);
  v.setUint32(24, s.mxcsr ?? 0x1f80, true);
  v.setUint32(28, 0xffff, true);
  for (let i = 0; i < 8; i++) {
    const x = s.st[i] ?? { se: 0, hi: 0, lo: 0 };
    v.setUint32(32 + 16 * i, x.lo, true);
    v.setUint32(36 + 16 * i, x.hi, true);
    v.setUint16(40 + 16 * i, x.se, true);
  }
  return b;
}

export function readFx(b: Uint8Array): FxState {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const st: X80[] = [];
  for (let i = 0; i < 8; i++) st.push({ lo: v.getUint32(32 + 16 * i, true), hi: v.getUint32(36 + 16 * i, true), se: v.getUint16(40 + 16 * i, true) });
  return {
    fcw: v.getUint16(0, true), fsw: v.getUint16(2, true), ftw: b[4], fop: v.getUint16(6, true),
    fip: Number(v.getBigUint64(8, true)), fdp: Number(v.getBigUint64(16, true)), mxcsr: v.getUint32(24, true), st,
  };
}

export function stReg(b: Uint8Array, i: number): X80 {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { lo: v.getUint32(32 + 16 * i, true), hi: v.getUint32(36 + 16 * i, true), se: v.getUint16(40 + 16 * i, true) };
}

/** Abridged tag bits for a stack of `depth` registers below TOP (physical registers TOP..TOP+depth-1). */
export function tagsFor(top: number, depth: number): number {
  let t = 0;
  for (let i = 0; i < depth; i++) t |= 1 << ((top + i) & 7);
  return t;
}
