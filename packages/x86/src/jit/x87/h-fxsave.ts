// FXSAVE/FXRSTOR (and the REX.W forms FXSAVE64/FXRSTOR64): the 512-byte x87 + SSE state image.
// Layout: FCW, FSW, abridged tag (one bit per physical register: in use), FOP, FIP/FDP (64-bit,
// or 32-bit offsets with FCS/FDS selectors), MXCSR, MXCSR_MASK, ST(0)-ST(7) in 16-byte slots,
// XMM0-7 (XMM0-15 in 64-bit mode) from byte 160. Bytes past the XMM area are never written.
//
// FIP/FDP/FOP are always stored, as Intel CPUs do (the reference AMD CPU stores them only while an
// unmasked exception is pending, and zeros otherwise).
import type { Cpu } from '../../cpu.js';
import { rd32, wr32 } from '../runtime.js';
import { Access } from '../../mmu.js';
import { probeImage, setStatusWord, statusWord, updateEs, view } from './h-control.js';
import { isEmpty, tagOf } from './regs.js';

/**
 * Bits of MXCSR that FXRSTOR/LDMXCSR accept (others: #GP). The reference CPU reports 0x2FFFF; bit
 * 17 is AMD's misaligned-SSE mode, which this engine does not implement (the SSE group uses the
 * same mask).
 */
export const MXCSR_MASK = 0xffff;

const GP = 13;

function xmmEnd(c: Cpu): number {
  return c.state.is64 ? 416 : 288;
}

function checkAlign(c: Cpu, ea: number): void {
  if (ea % 16 !== 0) c.raise(GP, 0);
}

/** Writes buf[from, to) to ea + from. */
function writeRange(c: Cpu, ea: number, from: number, to: number): void {
  for (let k = from; k < to; k += 4) wr32(c, ea + k, view.getInt32(k, true));
}

export function fxsave(c: Cpu, ea: number, rexw: boolean): void {
  checkAlign(c, ea);
  const s = c.state;
  const sse = (s.cr4 & 0x200) !== 0;
  const end = sse ? xmmEnd(c) : 160;
  view.setUint16(0, s.fpuControl, true);
  view.setUint16(2, statusWord(s), true);
  let t = 0;
  for (let p = 0; p < 8; p++) if (!isEmpty(s, p)) t |= 1 << p;
  view.setUint16(4, t, true);
  view.setUint16(6, s.fpuOpcode & 0x7ff, true);
  if (rexw) {
    setU64(8, s.fpuIp);
    setU64(16, s.fpuDp);
  } else {
    view.setUint32(8, s.fpuIp >>> 0, true);
    view.setUint32(12, s.fpuCs & 0xffff, true);
    view.setUint32(16, s.fpuDp >>> 0, true);
    view.setUint32(20, s.fpuDs & 0xffff, true);
  }
  view.setUint32(24, s.mxcsr, true);
  view.setUint32(28, MXCSR_MASK, true);
  for (let i = 0; i < 8; i++) {
    const p = (s.fpuTop + i) & 7, at = 32 + 16 * i;
    view.setInt32(at, s.fpr[2 * p], true);
    view.setInt32(at + 4, s.fpr[2 * p + 1], true);
    view.setUint32(at + 8, s.fpe[p], true);
    view.setUint32(at + 12, 0, true);
  }
  for (let k = 160; k < end; k += 4) view.setInt32(k, s.xmm[(k - 160) >> 2], true);
  // The whole 512-byte area is probed from its last byte, also the part that is not written.
  probeImage(c, ea, 512, Access.Write);
  if (sse) writeRange(c, ea, 0, end);
  else { writeRange(c, ea, 0, 24); writeRange(c, ea, 32, 160); }
}

export function fxrstor(c: Cpu, ea: number, rexw: boolean): void {
  checkAlign(c, ea);
  const s = c.state;
  const sse = (s.cr4 & 0x200) !== 0;
  const end = sse ? xmmEnd(c) : 160;
  probeImage(c, ea, 512, Access.Read);
  for (let k = 0; k < end; k += 4) view.setInt32(k, rd32(c, ea + k), true);
  const mxcsr = view.getUint32(24, true);
  if (sse && (mxcsr & ~MXCSR_MASK) !== 0) c.raise(GP, 0);
  s.fpuControl = (view.getUint16(0, true) & 0x1f3f) | 0x40;
  setStatusWord(s, view.getUint16(2, true));
  const abridged = view.getUint8(4);
  s.fpuOpcode = view.getUint16(6, true) & 0x7ff;
  if (rexw) {
    // The 64-bit image has no selectors: FCS and FDS read as zero afterwards (measured).
    s.fpuIp = getU64(8);
    s.fpuDp = getU64(16);
    s.fpuCs = 0;
    s.fpuDs = 0;
  } else {
    s.fpuIp = view.getUint32(8, true);
    s.fpuCs = view.getUint16(12, true);
    s.fpuDp = view.getUint32(16, true);
    s.fpuDs = view.getUint16(20, true);
  }
  for (let i = 0; i < 8; i++) {
    const p = (s.fpuTop + i) & 7, at = 32 + 16 * i;
    s.fpr[2 * p] = view.getInt32(at, true);
    s.fpr[2 * p + 1] = view.getInt32(at + 4, true);
    s.fpe[p] = view.getUint16(at + 8, true);
  }
  let tag = 0;
  for (let p = 0; p < 8; p++) {
    tag |= ((abridged >> p) & 1 ? tagOf(s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p]) : 3) << (2 * p);
  }
  s.fpuTag = tag;
  updateEs(s);
  if (sse) {
    s.mxcsr = mxcsr;
    for (let k = 160; k < end; k += 4) s.xmm[(k - 160) >> 2] = view.getInt32(k, true);
  }
}

function setU64(at: number, v: number): void {
  view.setUint32(at, v >>> 0, true);
  view.setUint32(at + 4, Math.floor(v / 4294967296) >>> 0, true);
}

function getU64(at: number): number {
  const lo = view.getUint32(at, true), hi = view.getInt32(at + 4, true);
  return hi * 4294967296 + lo;
}
