// FXSAVE images ↔ Serval's x87/SSE state. The image stores ST(0)-ST(7) in stack order and an
// abridged tag (one bit per physical register); Serval keeps physical registers R0-R7 and the
// full two-bit tag word, so loading derives each tag from the register's contents as FXRSTOR does.
import type { CpuState } from '../state.js';

/** The full tag of a non-empty register: 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unsupported). */
export function tagOf(exp: number, lo: number, hi: number): number {
  const e = exp & 0x7fff;
  if (e === 0x7fff) return 2;
  if (e === 0) return (lo | hi) === 0 ? 1 : 2;
  return (hi & 0x80000000) === 0 ? 2 : 0;
}

export function loadFx(s: CpuState, fx: Uint8Array): void {
  const dv = new DataView(fx.buffer, fx.byteOffset, 512);
  s.fpuControl = dv.getUint16(0, true);
  const fsw = dv.getUint16(2, true);
  s.fpuTop = (fsw >> 11) & 7;
  s.fpuStatus = fsw & ~0x3800;
  const ftw = fx[4];
  let tag = 0;
  for (let i = 0; i < 8; i++) {
    const p = (s.fpuTop + i) & 7;
    const o = 32 + 16 * i;
    const lo = dv.getInt32(o, true), hi = dv.getInt32(o + 4, true), ex = dv.getUint16(o + 8, true);
    s.fpr[2 * p] = lo; s.fpr[2 * p + 1] = hi; s.fpe[p] = ex;
  }
  for (let p = 0; p < 8; p++) {
    const t = (ftw >> p) & 1 ? tagOf(s.fpe[p], s.fpr[2 * p], s.fpr[2 * p + 1]) : 3;
    tag |= t << (2 * p);
  }
  s.fpuTag = tag;
  s.fpuOpcode = dv.getUint16(6, true);
  // The native side loads this image with FXRSTOR64, which zeroes FCS and FDS too.
  s.fpuIp = 0; s.fpuDp = 0; s.fpuCs = 0; s.fpuDs = 0;
  s.mxcsr = dv.getUint32(24, true);
  s.xmm8.set(fx.subarray(160, 416));
}

/** The FXSAVE image of Serval's state (FOP/FIP/FDP and MXCSR_MASK left zero: they are not compared). */
export function saveFx(s: CpuState): Uint8Array {
  const fx = new Uint8Array(512);
  const dv = new DataView(fx.buffer);
  dv.setUint16(0, s.fpuControl, true);
  dv.setUint16(2, (s.fpuStatus & ~0x3800) | ((s.fpuTop & 7) << 11), true);
  let ftw = 0;
  for (let p = 0; p < 8; p++) if (((s.fpuTag >> (2 * p)) & 3) !== 3) ftw |= 1 << p;
  fx[4] = ftw;
  dv.setUint32(24, s.mxcsr >>> 0, true);
  for (let i = 0; i < 8; i++) {
    const p = (s.fpuTop + i) & 7;
    const o = 32 + 16 * i;
    dv.setInt32(o, s.fpr[2 * p], true);
    dv.setInt32(o + 4, s.fpr[2 * p + 1], true);
    dv.setUint16(o + 8, s.fpe[p], true);
  }
  fx.set(s.xmm8.subarray(0, 256), 160);
  return fx;
}
