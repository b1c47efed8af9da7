// Runtime helpers for the x87 arithmetic: the basic operations with register or memory operands
// and the one- and two-operand instructions on ST(0)/ST(1).
import type { Cpu } from '../../cpu.js';
import { add, div, mul, sqrt } from '../../fpu/arith.js';
import { fromF32, fromF64, fromI32 } from '../../fpu/convert.js';
import { C0, C1, C2, C3, DE, K, ZE, classify, type Fpu } from '../../fpu/ext.js';
import { prem, rndint, scale, xtract } from '../../fpu/misc.js';
import { Trig, f2xm1, fpatan, fyl2x, fyl2xp1, trig } from '../../fpu/trans.js';
import type { CpuState } from '../../state.js';
import { rd16, rd32, rd64 } from '../runtime.js';
import {
  F, F2, PRE, begin, blocked, ieMasked, isEmpty, pop, raiseFlags, setC1, setIp, setIpDp, stackFault,
  stopped, waitMf, writeF, writeIndefinite, writeReg,
} from './regs.js';

/** Operations numbered like the ModRM.reg field of D8/DC/DE: dst = dst op src. */
export const enum Op { Add = 0, Mul = 1, Sub = 4, Subr = 5, Div = 6, Divr = 7 }

function compute(f: Fpu, op: number, ase: number, ahi: number, alo: number, bse: number, bhi: number, blo: number): void {
  const p = f.precision;
  switch (op) {
    case Op.Add: add(f, ase, ahi, alo, bse, bhi, blo, false, p); break;
    case Op.Mul: mul(f, ase, ahi, alo, bse, bhi, blo, p); break;
    case Op.Sub: add(f, ase, ahi, alo, bse, bhi, blo, true, p); break;
    case Op.Subr: add(f, bse, bhi, blo, ase, ahi, alo, true, p); break;
    case Op.Div: div(f, ase, ahi, alo, bse, bhi, blo, p); break;
    default: div(f, bse, bhi, blo, ase, ahi, alo, p); break;
  }
}

/**
 * Stores F's result into physical register p unless an unmasked invalid/denormal/zero-divide
 * exception stops the instruction; then C1 and the flags, then the optional pop.
 */
function finish(s: CpuState, p: number, popAfter: boolean): void {
  if (blocked(s, PRE)) { stopped(s); return; }
  writeF(s, p);
  setC1(s, F.c1);
  raiseFlags(s, F.flags);
  if (popAfter) pop(s);
}

/** Masked stack underflow: the destination gets the indefinite (then the pop); unmasked: nothing. */
function underflow(s: CpuState, p: number, popAfter: boolean): void {
  stackFault(s, false);
  if (!ieMasked(s)) return;
  writeIndefinite(s, p);
  if (popAfter) pop(s);
}

/** FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR(P) ST(d), ST(src). */
export function arith(c: Cpu, ip: number, fop: number, op: number, d: number, src: number, popAfter: boolean): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const pd = (s.fpuTop + d) & 7, ps = (s.fpuTop + src) & 7;
  if (isEmpty(s, pd) || isEmpty(s, ps)) { underflow(s, pd, popAfter); return; }
  const f = begin(s);
  const r = s.fpr, e = s.fpe;
  compute(f, op, e[pd], r[2 * pd + 1], r[2 * pd], e[ps], r[2 * ps + 1], r[2 * ps]);
  finish(s, pd, popAfter);
}

/** Memory operand formats of the D8/DA/DC/DE memory forms. */
export const enum MemFmt { F32 = 0, I32 = 1, F64 = 2, I16 = 3 }

/** Reads and converts a memory operand into F (flags included); returns false never (faults throw). */
function loadOperand(c: Cpu, f: Fpu, fmt: number, ea: number): void {
  switch (fmt) {
    case MemFmt.F32: fromF32(f, rd32(c, ea), false); break;
    case MemFmt.I32: fromI32(f, rd32(c, ea)); break;
    case MemFmt.F64: { const lo = rd64(c, ea); fromF64(f, lo, c.r[36], false); break; }
    default: fromI32(f, (rd16(c, ea) << 16) >> 16); break;
  }
}

/** FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR and FIxxx with a memory operand: ST(0) = ST(0) op m. */
export function arithMem(c: Cpu, ip: number, fop: number, op: number, fmt: number, ea: number, seg: number): void {
  waitMf(c);
  const s = c.state;
  F2.flags = 0;
  loadOperand(c, F2, fmt, ea);
  setIpDp(c, ip, fop, ea, seg);
  const p = s.fpuTop;
  if (isEmpty(s, p)) { underflow(s, p, false); return; }
  const f = begin(s);
  const r = s.fpr;
  compute(f, op, s.fpe[p], r[2 * p + 1], r[2 * p], F2.se, F2.hi, F2.lo);
  memDenormal(f, F2.flags, s.fpe[p], r[2 * p + 1], r[2 * p]);
  finish(s, p, false);
}

/**
 * A denormal single/double memory operand is normal once widened, so the operation cannot see it:
 * its DE counts unless the other operand (ST(0)) is a NaN or unsupported, or the operation divided
 * by zero (the checks that come first).
 */
export function memDenormal(f: Fpu, loadFlags: number, se: number, hi: number, lo: number): void {
  if ((loadFlags & DE) === 0 || (f.flags & ZE) !== 0) return;
  const k = classify(se, hi, lo);
  if (k !== K.QNaN && k !== K.SNaN && k !== K.Unsupported) f.flags |= DE;
}

/** One-operand instructions on ST(0). */
export const enum Un { Chs, Abs, Sqrt, Rndint, F2xm1, Sin, Cos }

export function unary(c: Cpu, ip: number, fop: number, kind: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = s.fpuTop;
  if (isEmpty(s, p)) {
    if (kind >= Un.Sin) s.fpuStatus &= ~C2;
    underflow(s, p, false);
    return;
  }
  const se = s.fpe[p], hi = s.fpr[2 * p + 1], lo = s.fpr[2 * p];
  if (kind === Un.Chs || kind === Un.Abs) {
    s.fpe[p] = kind === Un.Chs ? se ^ 0x8000 : se & 0x7fff;
    setC1(s, 0);
    return;
  }
  const f = begin(s);
  switch (kind) {
    case Un.Sqrt: sqrt(f, se, hi, lo, f.precision); break;
    case Un.Rndint: rndint(f, se, hi, lo); break;
    case Un.F2xm1: f2xm1(f, se, hi, lo); break;
    default: {
      if (!trig(f, F2, kind === Un.Sin ? Trig.Sin : Trig.Cos, se, hi, lo)) { outOfRange(s); return; }
      s.fpuStatus &= ~C2;
    }
  }
  finish(s, p, false);
}

/** |ST(0)| ≥ 2^63 for FSIN/FCOS/FPTAN/FSINCOS: C2 = 1 and nothing else changes. */
function outOfRange(s: CpuState): void {
  s.fpuStatus = (s.fpuStatus & ~C1) | C2;
}

/** Two-operand instructions on ST(0) and ST(1). */
export const enum Bin { Scale, Prem, Prem1, Yl2x, Yl2xp1, Patan }

export function binary(c: Cpu, ip: number, fop: number, kind: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p0 = s.fpuTop, p1 = (p0 + 1) & 7;
  const toSt1 = kind >= Bin.Yl2x;
  if (isEmpty(s, p0) || isEmpty(s, p1)) {
    if (kind === Bin.Prem || kind === Bin.Prem1) s.fpuStatus &= ~C2;
    underflow(s, toSt1 ? p1 : p0, toSt1);
    return;
  }
  const f = begin(s);
  const r = s.fpr, e = s.fpe;
  const ase = e[p0], ahi = r[2 * p0 + 1], alo = r[2 * p0];
  const bse = e[p1], bhi = r[2 * p1 + 1], blo = r[2 * p1];
  switch (kind) {
    case Bin.Scale: scale(f, ase, ahi, alo, bse, bhi, blo); break;
    case Bin.Prem: case Bin.Prem1: {
      // cc < 0: a special operand; C0 and C3 keep their values.
      const cc = prem(f, ase, ahi, alo, bse, bhi, blo, kind === Bin.Prem1);
      if (blocked(s, PRE)) { s.fpuStatus &= ~C2; stopped(s); return; }
      writeF(s, p0);
      s.fpuStatus = cc < 0 ? s.fpuStatus & ~(C1 | C2) : (s.fpuStatus & ~(C0 | C1 | C2 | C3)) | cc;
      raiseFlags(s, f.flags);
      return;
    }
    case Bin.Yl2x: fyl2x(f, ase, ahi, alo, bse, bhi, blo); break;
    case Bin.Yl2xp1: fyl2xp1(f, ase, ahi, alo, bse, bhi, blo); break;
    default: fpatan(f, ase, ahi, alo, bse, bhi, blo); break;
  }
  finish(s, toSt1 ? p1 : p0, toSt1);
}

/** Instructions that replace ST(0) and push a second result. */
export const enum Push { Xtract, Ptan, Sincos }

export function pushing(c: Cpu, ip: number, fop: number, kind: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p0 = s.fpuTop, pn = (p0 + 7) & 7;
  if (kind !== Push.Xtract && (isEmpty(s, p0) || !isEmpty(s, pn))) s.fpuStatus &= ~C2;
  if (isEmpty(s, p0)) {
    stackFault(s, false);
    if (!ieMasked(s)) return;
    writeIndefinite(s, p0);
    s.fpuTop = pn;
    writeIndefinite(s, pn);
    return;
  }
  if (!isEmpty(s, pn)) {
    stackFault(s, true);
    if (!ieMasked(s)) return;
    writeIndefinite(s, p0);
    s.fpuTop = pn;
    writeIndefinite(s, pn);
    return;
  }
  const f = begin(s);
  F2.cw = f.cw; F2.flags = 0; F2.c1 = 0;
  const se = s.fpe[p0], hi = s.fpr[2 * p0 + 1], lo = s.fpr[2 * p0];
  switch (kind) {
    case Push.Xtract:
      // F gets the exponent (stays in ST(1)), F2 the significand (pushed).
      xtract(f, F2, se, hi, lo);
      break;
    case Push.Ptan:
      if (!trig(f, F2, Trig.Tan, se, hi, lo)) { outOfRange(s); return; }
      break;
    default: {
      // F: sine (stays in ST(1)), F2: cosine (pushed).
      if (!trig(f, F2, Trig.SinCos, se, hi, lo)) { outOfRange(s); return; }
      break;
    }
  }
  if (blocked(s, PRE)) { stopped(s); return; }
  if (kind !== Push.Xtract) s.fpuStatus &= ~C2;
  writeF(s, p0);
  s.fpuTop = pn;
  writeReg(s, pn, F2.se, F2.hi, F2.lo);
  setC1(s, f.c1);
  raiseFlags(s, f.flags);
}
