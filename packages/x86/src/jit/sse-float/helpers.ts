// Out-of-line helpers compiled blocks call as `ssef.<name>(c, ...)`. Each runs the lane
// functions over all lanes into a buffer, then applies the SIMD exception rules before anything
// is written: an unmasked pre-computation exception (IE, DE, ZE) in any lane sets only the
// pre-computation flags of all lanes; otherwise all flags are set; either way an unmasked one
// raises #XM (#UD when CR4.OSXMMEXCPT=0) with the destination untouched.
//
// Source operands arrive as (array, offset) of int32 words: the XMM file (st.xmm, 4·reg), the
// MMX registers (st.fpr, 2·reg) or `m`, where the emitted code put a memory operand it read.
import type { Cpu } from '../../cpu.js';
import { CR0, CR4 } from '../../arch.js';
import { F32, MXCSR_MASK, bits } from './fp.js';
import { lane, twoProductErr, twoSumTail } from './round.js';
import { ADD, DIV, MUL, RCP, SQRT, SUB, arith, sqrt } from './arith.js';
import { COMI_AUX, COMI_RES, cmpLane, relation } from './compare.js';
import { floatToFloat, floatToInt, intToFloat } from './convert.js';
import { rcp, rsqrt } from './approx.js';

/** Memory operands are read into here first (so a fault leaves every register unchanged). */
export const m = new Int32Array(4);
export const mF32 = new Float32Array(m.buffer);
export const mF64 = new Float64Array(m.buffer);

const res = new Int32Array(4);

function raiseXm(c: Cpu): never {
  return c.raise((c.state.cr4 & CR4.OSXMMEXCPT) !== 0 ? 19 : 6);
}

/** Applies the flags of all lanes; returns only if the results may be written. */
function commit(c: Cpu, flags: number): void {
  const st = c.state;
  const unmasked = ~(st.mxcsr >> 7) & 0x3f;
  if (flags & 7 & unmasked) {
    st.mxcsr |= flags & 7;
    raiseXm(c);
  }
  st.mxcsr |= flags;
  if (flags & unmasked) raiseXm(c);
}

function writeBack(x: Int32Array, at: number, words: number): void {
  for (let k = 0; k < words; k++) x[at + k] = res[k];
}

/** Element k of a lane source as (lo, hi): binary32/int32 lanes have no high word. */
function laneLo(fmt: number, src: Int32Array, off: number, k: number): number {
  return fmt === F32 ? src[off + k] : src[off + 2 * k];
}
function laneHi(fmt: number, src: Int32Array, off: number, k: number): number {
  return fmt === F32 ? 0 : src[off + 2 * k + 1];
}

/** ADD/SUB/MUL/DIV/MIN/MAX on the first n elements of xmm d with the source's. */
function ar(c: Cpu, op: number, fmt: number, n: number, d: number, src: Int32Array, off: number): void {
  const x = c.state.xmm, mx = c.state.mxcsr;
  lane.flags = 0;
  for (let k = 0; k < n; k++) {
    const a = laneLo(fmt, x, 4 * d, k), ah = laneHi(fmt, x, 4 * d, k);
    const v = arith(op, fmt, a, ah, laneLo(fmt, src, off, k), laneHi(fmt, src, off, k), mx);
    if (fmt === F32) res[k] = v;
    else { res[2 * k] = v; res[2 * k + 1] = bits.hi; }
  }
  if (lane.flags) commit(c, lane.flags);
  writeBack(x, 4 * d, fmt === F32 ? n : 2 * n);
}

/** SQRT, RCP and RSQRT of the first n source elements into xmm d. */
function un(c: Cpu, op: number, fmt: number, n: number, d: number, src: Int32Array, off: number): void {
  const x = c.state.xmm, mx = c.state.mxcsr;
  lane.flags = 0;
  for (let k = 0; k < n; k++) {
    const lo = laneLo(fmt, src, off, k);
    if (op !== SQRT) { res[k] = op === RCP ? rcp(lo) : rsqrt(lo); continue; }
    const v = sqrt(fmt, lo, laneHi(fmt, src, off, k), mx);
    if (fmt === F32) res[k] = v;
    else { res[2 * k] = v; res[2 * k + 1] = bits.hi; }
  }
  if (lane.flags) commit(c, lane.flags);
  writeBack(x, 4 * d, fmt === F32 ? n : 2 * n);
}

/** CMPxx with predicate `pred`: all-ones or zero per element. */
function cmp(c: Cpu, pred: number, fmt: number, n: number, d: number, src: Int32Array, off: number): void {
  const x = c.state.xmm, mx = c.state.mxcsr;
  lane.flags = 0;
  for (let k = 0; k < n; k++) {
    const v = cmpLane(pred, fmt, laneLo(fmt, x, 4 * d, k), laneHi(fmt, x, 4 * d, k),
      laneLo(fmt, src, off, k), laneHi(fmt, src, off, k), mx);
    if (fmt === F32) res[k] = v;
    else { res[2 * k] = v; res[2 * k + 1] = v; }
  }
  if (lane.flags) commit(c, lane.flags);
  writeBack(x, 4 * d, fmt === F32 ? n : 2 * n);
}

/**
 * COMISS/COMISD (signaling) and UCOMISS/UCOMISD: returns the relation of the low elements (LT,
 * EQ, GT, UN from compare.ts); the emitted code turns it into RFLAGS through `cres`/`caux`.
 */
function comi(c: Cpu, signaling: boolean, fmt: number, d: number, src: Int32Array, off: number): number {
  const x = c.state.xmm;
  lane.flags = 0;
  const rel = relation(fmt, x[4 * d], fmt === F32 ? 0 : x[4 * d + 1], src[off], fmt === F32 ? 0 : src[off + 1],
    c.state.mxcsr, signaling);
  if (lane.flags) commit(c, lane.flags);
  return rel;
}

// ---- conversions ----

/**
 * Float to float: CVTPS2PD (from F32, n 2), CVTPD2PS (from F64, n 2: the upper half of the
 * destination is zeroed), CVTSS2SD/CVTSD2SS (n 1: the rest of the destination is kept).
 */
function f2f(c: Cpu, from: number, n: number, d: number, src: Int32Array, off: number): void {
  const x = c.state.xmm, mx = c.state.mxcsr;
  lane.flags = 0;
  for (let k = 0; k < n; k++) {
    const v = floatToFloat(from, laneLo(from, src, off, k), laneHi(from, src, off, k), mx);
    if (from === F32) { res[2 * k] = v; res[2 * k + 1] = bits.hi; } else res[k] = v;
  }
  if (lane.flags) commit(c, lane.flags);
  if (from === F32) writeBack(x, 4 * d, 2 * n);
  else {
    writeBack(x, 4 * d, n);
    if (n === 2) { x[4 * d + 2] = 0; x[4 * d + 3] = 0; }
  }
}

/**
 * int32 elements to float: CVTDQ2PS (n 4), CVTPI2PS (n 2, upper half kept), CVTDQ2PD and
 * CVTPI2PD (to F64, n 2).
 */
function i2f(c: Cpu, to: number, n: number, d: number, src: Int32Array, off: number): void {
  const x = c.state.xmm, mx = c.state.mxcsr;
  lane.flags = 0;
  for (let k = 0; k < n; k++) {
    const v = src[off + k];
    const r = intToFloat(to, v, v >> 31, mx);
    if (to === F32) res[k] = r; else { res[2 * k] = r; res[2 * k + 1] = bits.hi; }
  }
  if (lane.flags) commit(c, lane.flags);
  writeBack(x, 4 * d, to === F32 ? n : 2 * n);
}

/** CVTSI2SS/CVTSI2SD: the integer (hi:lo; hi is the sign extension for 32-bit sources). */
function si2f(c: Cpu, to: number, d: number, lo: number, hi: number): void {
  lane.flags = 0;
  const r = intToFloat(to, lo, hi, c.state.mxcsr);
  if (lane.flags) commit(c, lane.flags);
  const x = c.state.xmm;
  x[4 * d] = r;
  if (to !== F32) x[4 * d + 1] = bits.hi;
}

/**
 * Float elements to int32: CVT(T)PS2DQ (n 4), CVT(T)PD2DQ (n 2, upper half zeroed) into xmm d;
 * CVT(T)PS2PI and CVT(T)PD2PI (n 2) into mm d when `toMm`.
 */
function f2i(c: Cpu, from: number, n: number, trunc: boolean, toMm: boolean, d: number, src: Int32Array, off: number): void {
  const mx = c.state.mxcsr;
  lane.flags = 0;
  for (let k = 0; k < n; k++) {
    res[k] = floatToInt(from, laneLo(from, src, off, k), laneHi(from, src, off, k), mx, trunc, false);
  }
  if (lane.flags) commit(c, lane.flags);
  if (toMm) { writeMm(c, d, res[0], res[1]); return; }
  const x = c.state.xmm;
  writeBack(x, 4 * d, n);
  if (n === 2) { x[4 * d + 2] = 0; x[4 * d + 3] = 0; }
}

/**
 * CVT(T)SS2SI / CVT(T)SD2SI: returns the low word of the integer (64-bit when `wide`) and leaves
 * the high word in `bits.hi`; the emitted code writes the GPR.
 */
function f2si(c: Cpu, from: number, trunc: boolean, wide: boolean, src: Int32Array, off: number): number {
  lane.flags = 0;
  const lo = floatToInt(from, src[off], from === F32 ? 0 : src[off + 1], c.state.mxcsr, trunc, wide);
  if (lane.flags) commit(c, lane.flags);
  return lo;
}

// ---- faults and MXCSR ----

/** #GP(0): a misaligned 16-byte operand of a legacy-SSE packed form. */
function gp(c: Cpu): never {
  return c.raise(13, 0);
}

/** LDMXCSR: reserved bits (outside MXCSR_MASK) are #GP(0); unmasked flags do not fault here. */
function ldmxcsr(c: Cpu, v: number): void {
  if ((v & ~MXCSR_MASK) !== 0) c.raise(13, 0);
  c.state.mxcsr = v >>> 0;
}

// ---- MMX operands ----

/**
 * MMX-register forms deliver a pending x87 exception first: #MF for an exception flag whose mask
 * is clear (what sets FSW.ES), when CR0.NE is set; otherwise hardware signals FERR# to an
 * interrupt controller, which is not modelled, and the instruction proceeds.
 */
function mf(c: Cpu): void {
  const st = c.state;
  if ((st.fpuStatus & ~st.fpuControl & 0x3f) !== 0 && (st.cr0 & CR0.NE) !== 0) c.raise(16);
}

/**
 * The x87-to-MMX transition, after the memory operand is read but before the computation: TOP=0
 * and every register tagged valid, even if the instruction then raises #XM.
 */
function mmx(c: Cpu): void {
  c.state.fpuTop = 0;
  c.state.fpuTag = 0;
}

/** Writing an MMX register also sets the exponent field of the x87 register it aliases to all ones. */
function writeMm(c: Cpu, n: number, lo: number, hi: number): void {
  const st = c.state;
  st.fpr[2 * n] = lo;
  st.fpr[2 * n + 1] = hi;
  st.fpe[n] = 0xffff;
}

/** Magnitudes at which Dekker's product of the operands neither overflows nor underflows. */
const inRange = (v: number) => Math.abs(v) > 1e-280 && Math.abs(v) < 1e280;

/**
 * For the inline fast paths before PE is set: is x = a op b (x a double, v it rounded to the
 * format, b alone for SQRT) exact? Operands are normal; magnitudes where the error-free products
 * could overflow or underflow answer false (the helper then decides).
 */
function ex(op: number, a: number, b: number, x: number, v: number): boolean {
  if (v !== x) return false;
  switch (op) {
    case ADD: return twoSumTail(a, b, x) === 0;
    case SUB: return twoSumTail(a, -b, x) === 0;
    default: {
      if (!(inRange(x) && inRange(a) && inRange(b))) return false;
      if (op === MUL) return twoProductErr(a, b, x) === 0;
      const m = op === DIV ? b : x; // x·b = a (DIV), x·x = b (SQRT)
      const p = x * m;
      return p === (op === DIV ? a : b) && twoProductErr(x, m, p) === 0;
    }
  }
}

/** Lazy-flag words per COMIS relation (indexed by LT, EQ, GT, UN). */
const cres = Int32Array.from(COMI_RES), caux = Int32Array.from(COMI_AUX);

/**
 * No helper reads or writes guest general registers or flags (results that go there are
 * returned to the emitted code), so the group registers as pure for the register cache.
 */
export const helpers = { m, mF32, mF64, bits, cres, caux, ar, un, cmp, comi, f2f, i2f, si2f, f2i, f2si, mf, mmx, ex, gp, ldmxcsr };
