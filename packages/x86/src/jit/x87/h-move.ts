// Runtime helpers for x87 data movement: loads (FLD, FILD, FBLD, constants), stores (FST, FIST,
// FBSTP), FXCH, FCMOVcc, FFREE, FINCSTP/FDECSTP.
import type { Cpu } from '../../cpu.js';
import { Access } from '../../mmu.js';
import { fromF32, fromF64, fromI32, fromI64, toF32, toF64, toInt } from '../../fpu/convert.js';
import { DE, IE, OE, UE } from '../../fpu/ext.js';
import { fromBcd, toBcd } from '../../fpu/bcd.js';
import { CONSTANTS, loadConstant } from '../../fpu/constants.js';
import type { CpuState } from '../../state.js';
import { TLB_MASK, rd16, rd32, rd64, wr16, wr32, wr64 } from '../runtime.js';
import {
  F, begin, blocked, ieMasked, isEmpty, pop, raiseFlags, setC1, setIp, setIpDp, stackFault,
  waitMf, writeF, writeIndefinite, writeReg,
} from './regs.js';

/** Bytes written by each store format. */
const STORE_SIZE = [4, 8, 10, 2, 4, 8, 10];

/**
 * The destination of a store is checked before the x87 decides anything: a store that an
 * unmasked exception suppresses still takes the #PF (measured). The TLB's write tag makes the
 * common case one compare.
 */
function probeStore(c: Cpu, ea: number, len: number): void {
  const vpn = Math.floor(ea / 4096);
  const off = ea - vpn * 4096;
  if (c.tagW[vpn & TLB_MASK] !== vpn) c.translate(ea, Access.Write, c.state.cpl === 3);
  if (off + len > 4096 && c.tagW[(vpn + 1) & TLB_MASK] !== vpn + 1) c.translate((vpn + 1) * 4096, Access.Write, c.state.cpl === 3);
}

/** Memory formats of loads and stores. */
export const enum Fmt { F32, F64, F80, I16, I32, I64, Bcd }

/**
 * A write of `len` bytes that crosses a page faults before any byte is written: the first page
 * is checked, then the second from its first byte (the address a #PF reports there).
 */
export function probeWrite(c: Cpu, ea: number, len: number): void {
  const off = ((ea % 4096) + 4096) % 4096;
  if (off + len <= 4096) return;
  const user = c.state.cpl === 3;
  c.translate(ea, Access.Write, user);
  c.translate(ea - off + 4096, Access.Write, user);
}

/**
 * Pushes F's value (or, for a stack overflow, the indefinite when masked). Returns false when an
 * unmasked overflow left the stack unchanged.
 */
function push(s: CpuState): void {
  const pn = (s.fpuTop + 7) & 7;
  if (!isEmpty(s, pn)) {
    stackFault(s, true);
    if (!ieMasked(s)) return;
    s.fpuTop = pn;
    writeIndefinite(s, pn);
    return;
  }
  // An SNaN stops the load when IE is unmasked; a denormal (DE) does not.
  if (blocked(s, IE)) { raiseFlags(s, F.flags); return; }
  s.fpuTop = pn;
  writeF(s, pn);
  setC1(s, 0);
  raiseFlags(s, F.flags);
}

/** FLD/FILD/FBLD from memory. */
export function load(c: Cpu, ip: number, fop: number, fmt: number, ea: number, seg: number): void {
  waitMf(c);
  const s = c.state;
  const f = begin(s);
  switch (fmt) {
    case Fmt.F32: fromF32(f, rd32(c, ea)); break;
    case Fmt.F64: { const lo = rd64(c, ea); fromF64(f, lo, c.r[36]); break; }
    case Fmt.F80: { const lo = rd64(c, ea), hi = c.r[36]; f.set(rd16(c, ea + 8), hi, lo); break; }
    case Fmt.I16: fromI32(f, (rd16(c, ea) << 16) >> 16); break;
    case Fmt.I32: fromI32(f, rd32(c, ea)); break;
    case Fmt.I64: { const lo = rd64(c, ea); fromI64(f, lo, c.r[36]); break; }
    default: { const lo = rd64(c, ea), hi = c.r[36]; fromBcd(f, lo, hi, rd16(c, ea + 8)); break; }
  }
  setIpDp(c, ip, fop, ea, seg);
  push(s);
}

/** FLD ST(i). */
export function loadReg(c: Cpu, ip: number, fop: number, i: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = (s.fpuTop + i) & 7;
  const f = begin(s);
  if (isEmpty(s, p)) {
    // The underflow is what gets reported, even when the push also lands on a full register.
    stackFault(s, false);
    if (!ieMasked(s)) return;
    s.fpuTop = (s.fpuTop + 7) & 7;
    writeIndefinite(s, s.fpuTop);
    return;
  }
  f.set(s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p]);
  push(s);
}

/** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (in the order of their opcodes E8-EE). */
export function loadConst(c: Cpu, ip: number, fop: number, which: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const f = begin(s);
  loadConstant(f, CONSTANTS[which]);
  push(s);
}

/**
 * FST/FSTP/FIST/FISTP/FBSTP to memory. Unmasked invalid, overflow or underflow store nothing and
 * leave the stack alone.
 */
export function store(c: Cpu, ip: number, fop: number, fmt: number, ea: number, seg: number, popAfter: boolean): void {
  waitMf(c);
  probeStore(c, ea, STORE_SIZE[fmt]);
  const s = c.state;
  const p = s.fpuTop;
  const f = begin(s);
  const empty = isEmpty(s, p);
  if (empty) {
    if (!ieMasked(s)) { setIpDp(c, ip, fop, ea, seg); stackFault(s, false); return; }
    f.set(0xffff, 0xc0000000, 0);
  }
  const se = f.se, hi = f.hi, lo = f.lo;
  const vse = empty ? se : s.fpe[p], vhi = empty ? hi : s.fpr[2 * p + 1], vlo = empty ? lo : s.fpr[2 * p];
  let wlo = 0, whi = 0, w16 = 0;
  switch (fmt) {
    case Fmt.F32: wlo = toF32(f, vse, vhi, vlo); break;
    case Fmt.F64: wlo = toF64(f, vse, vhi, vlo); whi = f.hi; break;
    case Fmt.F80: wlo = vlo; whi = vhi; w16 = vse; break;
    case Fmt.I16: wlo = toInt(f, vse, vhi, vlo, 16); break;
    case Fmt.I32: wlo = toInt(f, vse, vhi, vlo, 32); break;
    case Fmt.I64: wlo = toInt(f, vse, vhi, vlo, 64); whi = f.hi; break;
    default: wlo = toBcd(f, vse, vhi, vlo); whi = f.hi; w16 = f.se; break;
  }
  if (empty) { f.flags = 0; f.c1 = 0; }
  if (!blocked(s, IE | OE | UE)) {
    switch (fmt) {
      case Fmt.F32: case Fmt.I32: wr32(c, ea, wlo); break;
      case Fmt.I16: wr16(c, ea, wlo); break;
      case Fmt.F64: case Fmt.I64: wr64(c, ea, wlo, whi); break;
      default: probeWrite(c, ea, 10); wr64(c, ea, wlo, whi); wr16(c, ea + 8, w16); break;
    }
  }
  setIpDp(c, ip, fop, ea, seg);
  if (empty) { stackFault(s, false); if (popAfter) pop(s); return; }
  if (blocked(s, IE | OE | UE)) { setC1(s, 0); raiseFlags(s, f.flags & (IE | OE | UE)); return; }
  setC1(s, f.c1);
  raiseFlags(s, f.flags);
  if (popAfter) pop(s);
}

/**
 * FSTPNCE ST(i) (D9 D8+i, an alias of FSTP): an empty ST(0) raises no stack fault; it is just
 * popped, the destination untouched (measured).
 */
export function storeRegNce(c: Cpu, ip: number, fop: number, i: number): void {
  waitMf(c);
  const s = c.state;
  if (!isEmpty(s, s.fpuTop)) { storeReg(c, ip, fop, i, true); return; }
  setIp(c, ip, fop);
  setC1(s, 0);
  pop(s);
}

/** FST/FSTP ST(i). */
export function storeReg(c: Cpu, ip: number, fop: number, i: number, popAfter: boolean): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = s.fpuTop, pd = (p + i) & 7;
  if (isEmpty(s, p)) {
    stackFault(s, false);
    if (!ieMasked(s)) return;
    writeIndefinite(s, pd);
  } else {
    writeReg(s, pd, s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p]);
    setC1(s, 0);
  }
  if (popAfter) pop(s);
}

/** FXCH ST(i). An empty side is taken as the indefinite when invalid operations are masked. */
export function xch(c: Cpu, ip: number, fop: number, i: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = s.fpuTop, q = (p + i) & 7;
  const ep = isEmpty(s, p), eq = isEmpty(s, q);
  if (ep || eq) {
    stackFault(s, false);
    if (!ieMasked(s)) return;
    if (ep) writeIndefinite(s, p);
    if (eq) writeIndefinite(s, q);
  } else setC1(s, 0);
  const se = s.fpe[p], hi = s.fpr[2 * p + 1], lo = s.fpr[2 * p];
  writeReg(s, p, s.fpe[q], s.fpr[2 * q + 1], s.fpr[2 * q]);
  writeReg(s, q, se, hi, lo);
}

/** FCMOVcc ST(0), ST(i): `cond` evaluated by the caller on the lazy flags. */
export function cmov(c: Cpu, ip: number, fop: number, i: number, cond: boolean): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = s.fpuTop, q = (p + i) & 7;
  if (isEmpty(s, p) || isEmpty(s, q)) {
    stackFault(s, false);
    if (ieMasked(s)) writeIndefinite(s, p);
    return;
  }
  if (cond) writeReg(s, p, s.fpe[q], s.fpr[2 * q + 1], s.fpr[2 * q]);
}

/** FFREE ST(i) (and FFREEP, which also pops). */
export function free(c: Cpu, ip: number, fop: number, i: number, popAfter: boolean): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  s.fpuTag |= 3 << (2 * ((s.fpuTop + i) & 7));
  setC1(s, 0);
  if (popAfter) pop(s);
}

/** FINCSTP (+1) and FDECSTP (-1): move TOP, tags unchanged. */
export function incTop(c: Cpu, ip: number, fop: number, delta: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  s.fpuTop = (s.fpuTop + delta) & 7;
  setC1(s, 0);
}

/** FNOP: only the pointers change. */
export function nop(c: Cpu, ip: number, fop: number): void {
  waitMf(c);
  setIp(c, ip, fop);
}
