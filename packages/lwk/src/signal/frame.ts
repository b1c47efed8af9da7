// The x86-64 rt_sigframe, laid out as Linux does so that handlers, sigreturn and programs that
// inspect their ucontext (the kernel's own selftests do) see exactly what they would on Linux:
//   [rsp]   pretcode (sa_restorer), then struct ucontext (uc_flags, uc_link, uc_stack,
//           uc_mcontext = struct sigcontext, uc_sigmask), then struct siginfo, and below it (at a
//           16-byte aligned address) the 512-byte FXSAVE image sigcontext.fpstate points to.
import type { CpuState } from '@serval/x86';
import type { SigInfo } from './signals.js';

export const UC_OFF = 8;                 // ucontext after pretcode
export const MCTX_OFF = UC_OFF + 40;     // uc_flags 8, uc_link 8, uc_stack 24
export const SIGMASK_OFF = MCTX_OFF + 256;
export const INFO_OFF = SIGMASK_OFF + 8; // 312
export const FRAME_SIZE = INFO_OFF + 128; // 440
export const FPSTATE_SIZE = 512;

/** sigcontext register order (offsets in 8-byte slots from uc_mcontext). */
const GREG_ORDER = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4]; // r8..r15 rdi rsi rbp rbx rdx rax rcx rsp
const RIP_SLOT = 16, EFLAGS_SLOT = 17, CSGSFS_SLOT = 18, ERR_SLOT = 19, TRAPNO_SLOT = 20, OLDMASK_SLOT = 21, CR2_SLOT = 22, FPSTATE_SLOT = 23;

function put64(dv: DataView, off: number, v: number | bigint): void {
  dv.setBigUint64(off, BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.round(v))), true);
}

/** The legacy FXSAVE layout of the x87/SSE state (no XSAVE is advertised, so no xstate header). */
export function fxsaveImage(s: CpuState): Uint8Array {
  const b = new Uint8Array(FPSTATE_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, s.fpuControl, true);
  dv.setUint16(2, (s.fpuStatus & ~0x3800) | ((s.fpuTop & 7) << 11), true);
  let abridged = 0;
  for (let i = 0; i < 8; i++) if (((s.fpuTag >> (2 * i)) & 3) !== 3) abridged |= 1 << i;
  b[4] = abridged;
  dv.setUint16(6, s.fpuOpcode, true);
  put64(dv, 8, s.fpuIp);
  put64(dv, 16, s.fpuDp);
  dv.setUint32(24, s.mxcsr >>> 0, true);
  dv.setUint32(28, 0xffbf, true);
  for (let i = 0; i < 8; i++) {
    // ST(i) in FXSAVE order: physical register (TOP + i) & 7.
    const p = (s.fpuTop + i) & 7;
    dv.setInt32(32 + i * 16, s.fpr[2 * p], true);
    dv.setInt32(36 + i * 16, s.fpr[2 * p + 1], true);
    dv.setUint16(40 + i * 16, s.fpe[p], true);
  }
  for (let i = 0; i < 64; i++) dv.setInt32(160 + i * 4, s.xmm[i], true);
  return b;
}

export function fxrstorImage(s: CpuState, b: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  s.fpuControl = dv.getUint16(0, true);
  const sw = dv.getUint16(2, true);
  s.fpuTop = (sw >> 11) & 7;
  s.fpuStatus = sw & ~0x3800;
  const abridged = b[4];
  let tag = 0;
  for (let i = 0; i < 8; i++) tag |= ((abridged >> i) & 1 ? 0 : 3) << (2 * i);
  s.fpuTag = tag;
  s.mxcsr = dv.getUint32(24, true) & 0xffff;
  for (let i = 0; i < 8; i++) {
    const p = (s.fpuTop + i) & 7;
    s.fpr[2 * p] = dv.getInt32(32 + i * 16, true);
    s.fpr[2 * p + 1] = dv.getInt32(36 + i * 16, true);
    s.fpe[p] = dv.getUint16(40 + i * 16, true);
  }
  for (let i = 0; i < 64; i++) s.xmm[i] = dv.getInt32(160 + i * 4, true);
}

export interface FrameInput {
  s: CpuState;
  info: SigInfo;
  mask: bigint;
  restorer: number;
  altStack: { sp: number; size: number; flags: number };
  trapno: number;
  err: number;
  cr2: number;
  /** The interrupted CS and SS, and uc_flags (segments.ts). */
  cs: number;
  ss: number;
  ucFlags: number;
}

/** Builds the frame bytes for a frame starting at `frameVa` with the FP image at `fpVa`. */
export function buildFrame(f: FrameInput, frameVa: number, fpVa: number): Uint8Array {
  const b = new Uint8Array(FRAME_SIZE);
  const dv = new DataView(b.buffer);
  const s = f.s;
  put64(dv, 0, f.restorer);
  put64(dv, UC_OFF, f.ucFlags); // no UC_FP_XSTATE without XSAVE
  put64(dv, UC_OFF + 8, 0);
  put64(dv, UC_OFF + 16, f.altStack.sp);
  dv.setInt32(UC_OFF + 24, f.altStack.flags, true);
  put64(dv, UC_OFF + 32, f.altStack.size);
  GREG_ORDER.forEach((reg, slot) => put64(dv, MCTX_OFF + slot * 8, s.getBig(reg)));
  put64(dv, MCTX_OFF + RIP_SLOT * 8, s.rip);
  put64(dv, MCTX_OFF + EFLAGS_SLOT * 8, s.getRflags());
  // cs, gs, fs, ss (16 bits each); Linux leaves gs and fs 0 in a 64-bit frame.
  dv.setUint16(MCTX_OFF + CSGSFS_SLOT * 8, f.cs, true);
  dv.setUint16(MCTX_OFF + CSGSFS_SLOT * 8 + 6, f.ss, true);
  put64(dv, MCTX_OFF + ERR_SLOT * 8, f.err);
  put64(dv, MCTX_OFF + TRAPNO_SLOT * 8, f.trapno);
  put64(dv, MCTX_OFF + OLDMASK_SLOT * 8, f.mask & 0xffffffffn);
  put64(dv, MCTX_OFF + CR2_SLOT * 8, f.cr2);
  put64(dv, MCTX_OFF + FPSTATE_SLOT * 8, fpVa);
  put64(dv, SIGMASK_OFF, f.mask);
  b.set(siginfoBytes(f.info), INFO_OFF);
  void frameVa;
  return b;
}

/** struct siginfo (128 bytes) as Linux lays it out for the signal's origin. */
export function siginfoBytes(info: SigInfo): Uint8Array {
  const b = info.raw ? info.raw.slice(0, 128) : new Uint8Array(128);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, info.signo, true);
  if (info.raw) return b;
  dv.setInt32(8, info.code, true);
  if (info.addr !== undefined) put64(dv, 16, info.addr);
  else {
    dv.setInt32(16, info.pid ?? 0, true);
    dv.setInt32(20, info.uid ?? 0, true);
    if (info.status !== undefined) dv.setInt32(24, info.status, true);
  }
  return b;
}

/**
 * Restores registers from a frame's ucontext (rt_sigreturn); returns the saved signal mask, and
 * the CS, SS and uc_flags the caller returns through (segments.ts).
 */
export function restoreFrame(s: CpuState, b: Uint8Array): { mask: bigint; fpVa: number; cs: number; ss: number; ucFlags: number } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  GREG_ORDER.forEach((reg, slot) => s.set64(reg, dv.getBigUint64(MCTX_OFF + slot * 8, true)));
  s.rip = Number(BigInt.asIntN(64, dv.getBigUint64(MCTX_OFF + RIP_SLOT * 8, true)));
  const old = s.getRflags();
  // User-changeable flags only (Linux's FIX_EFLAGS: AC, OF, DF, TF, SF, ZF, AF, PF, CF, RF); IF stays set.
  const mask = 0x50dd5;
  s.setRflags(((old & ~mask) | (Number(dv.getBigUint64(MCTX_OFF + EFLAGS_SLOT * 8, true) & 0xffffffffn) & mask)) >>> 0);
  return {
    mask: dv.getBigUint64(SIGMASK_OFF, true), fpVa: Number(dv.getBigUint64(MCTX_OFF + FPSTATE_SLOT * 8, true)),
    cs: dv.getUint16(MCTX_OFF + CSGSFS_SLOT * 8, true), ss: dv.getUint16(MCTX_OFF + CSGSFS_SLOT * 8 + 6, true),
    ucFlags: Number(dv.getBigUint64(UC_OFF, true) & 0xffffffffn),
  };
}
