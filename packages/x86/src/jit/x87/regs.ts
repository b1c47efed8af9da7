// The x87 register stack on CpuState (see state.ts): ST(i) is physical register (TOP + i) & 7,
// significands in st.fpr, sign/exponent in st.fpe, two tag bits per physical register in
// st.fpuTag (11 = empty). Also the status-word bookkeeping every instruction shares: pointers,
// exception flags, ES/B and the #MF check of waiting instructions.
import { CR0, SEG } from '../../arch.js';
import type { Cpu } from '../../cpu.js';
import { C1, DE, Fpu, IE, SF, ZE } from '../../fpu/ext.js';
import type { CpuState } from '../../state.js';

/** The environment every helper computes in (control word in, flags/C1/result out). */
export const F = new Fpu();
/** A second result (FXTRACT, FSINCOS). */
export const F2 = new Fpu();

/** Status-word bits. */
export const ES = 0x80, B = 0x8000, COND = 0x4700;
export const MF = 16;

/** The 2-bit tag a value gets: 00 valid, 01 zero, 10 special (NaN, infinity, denormal, unsupported). */
export function tagOf(se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  if (e === 0) return (hi | lo) === 0 ? 1 : 2;
  if (e === 0x7fff || (hi & 0x80000000) === 0) return 2;
  return 0;
}

export function isEmpty(s: CpuState, p: number): boolean {
  return ((s.fpuTag >> (2 * p)) & 3) === 3;
}

/** Physical register of ST(i). */
export function phys(s: CpuState, i: number): number {
  return (s.fpuTop + i) & 7;
}

/** Writes a value to a physical register and tags it. */
export function writeReg(s: CpuState, p: number, se: number, hi: number, lo: number): void {
  s.fpe[p] = se;
  s.fpr[2 * p] = lo;
  s.fpr[2 * p + 1] = hi;
  s.fpuTag = (s.fpuTag & ~(3 << (2 * p))) | (tagOf(se, hi, lo) << (2 * p));
}

/** Writes F's result to a physical register. */
export function writeF(s: CpuState, p: number): void {
  writeReg(s, p, F.se, F.hi, F.lo);
}

export function writeIndefinite(s: CpuState, p: number): void {
  writeReg(s, p, 0xffff, 0xc0000000, 0);
}

export function pop(s: CpuState): void {
  s.fpuTag |= 3 << (2 * s.fpuTop);
  s.fpuTop = (s.fpuTop + 1) & 7;
}

/** Sets C1 (and clears nothing else of the condition codes). */
export function setC1(s: CpuState, c1: number): void {
  s.fpuStatus = (s.fpuStatus & ~C1) | (c1 ? C1 : 0);
}

/**
 * Records exceptions: sticky flags into the status word, and ES/B when any is unmasked (a pending
 * #MF for the next waiting instruction).
 */
export function raiseFlags(s: CpuState, flags: number): void {
  if (flags === 0) return;
  s.fpuStatus |= flags;
  if ((flags & ~s.fpuControl & 0x3f) !== 0) s.fpuStatus |= ES | B;
}

/** Whether any of `which` is among F's flags with its mask clear (the operation must not complete). */
export function blocked(s: CpuState, which: number): boolean {
  return (F.flags & which & ~s.fpuControl) !== 0;
}

/** The exceptions detected before computing: all an instruction stopped by one of them reports. */
export const PRE = IE | DE | ZE;

/** Records an instruction stopped by an unmasked pre-computation exception: its flags, C1 = 0. */
export function stopped(s: CpuState): void {
  setC1(s, 0);
  raiseFlags(s, F.flags & (PRE | SF));
}

/** Stack underflow (an empty source) or overflow (pushing onto a full register): IE and SF. */
export function stackFault(s: CpuState, overflow: boolean): void {
  setC1(s, overflow ? 1 : 0);
  raiseFlags(s, IE | SF);
}

/** Whether invalid-operation exceptions are masked (a stack fault then delivers the indefinite). */
export function ieMasked(s: CpuState): boolean {
  return (s.fpuControl & IE) !== 0;
}

/** Resets F for an operation under the current control word. */
export function begin(s: CpuState): Fpu {
  F.cw = s.fpuControl;
  F.flags = 0;
  F.c1 = 0;
  return F;
}

/** Updates the last-instruction pointer and opcode (every non-control instruction does). */
export function setIp(c: Cpu, ip: number, fop: number): void {
  const s = c.state;
  s.fpuIp = ip;
  s.fpuCs = s.segSel[SEG.CS];
  s.fpuOpcode = fop;
}

/** Updates the instruction pointer and the operand pointer (offset within `seg`) from a linear address. */
export function setIpDp(c: Cpu, ip: number, fop: number, ea: number, seg: number): void {
  const s = c.state;
  s.fpuIp = ip;
  s.fpuCs = s.segSel[SEG.CS];
  s.fpuOpcode = fop;
  const base = s.segBase[seg];
  s.fpuDp = base === 0 ? ea : s.is64 ? ea - base : (ea - base) >>> 0;
  s.fpuDs = s.segSel[seg];
}

/** A waiting instruction with an unmasked exception pending: #MF when CR0.NE (else it is ignored). */
export function pendingMf(c: Cpu): void {
  if ((c.state.cr0 & CR0.NE) !== 0) c.raise(MF);
}

/**
 * The check every waiting instruction makes first, before touching memory or state. The helpers
 * of waiting instructions call it themselves (one call per instruction from compiled code).
 */
export function waitMf(c: Cpu): void {
  if ((c.state.fpuStatus & ES) !== 0) pendingMf(c);
}
