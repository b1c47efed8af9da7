// The architectural state of one core, kept in typed arrays so that compiled blocks reach it
// through a few constant indices. 64-bit registers are pairs of int32 halves (no BigInt on the hot
// path); addresses travel as JS numbers, which hold every canonical 48-bit address exactly.
import { FL, FL_ARITH, SEG } from './arch.js';

/** Indices into `CpuState.r` beyond the 16 register pairs. */
export const R = {
  /** Lazy flags: low 32 bits of the last result, sign-extended from its operand size. */
  LF_RES: 32,
  /** Lazy flags: high 32 bits of a 64-bit result, or the sign of a narrower one. */
  LF_RESH: 33,
  /** Lazy flags: CF (bit 0), PF delta (bit 2), AF (bit 4), SF delta (bit 7), OF (bit 11). */
  LF_AUX: 34,
  /** EFLAGS bits other than the six arithmetic ones. */
  FLAGS: 35,
  /** Scratch: the high half of a 64-bit value returned by a helper. */
  TMP_HI: 36,
  TMP2: 37,
  SIZE: 40,
} as const;

export const AUX = { CF: 1, PD: 4, AF: 16, SD: 128, OF: 2048 } as const;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, p = 1;
  while (b) { p ^= b & 1; b >>= 1; }
  PARITY[i] = p;
}
/** PF for a byte: 1 when the number of set bits is even. */
export const parityTable: Uint8Array = PARITY;

/** Segment-register slots 0-5 are ES..GS; these two hold LDTR and TR. */
export const SEG_LDTR = 6;
export const SEG_TR = 7;

/** Descriptor attribute bits as stored in `segAttr` (the 12 bits of a descriptor's type byte and flags nibble). */
export const SA = {
  TYPE_MASK: 0xf, ACCESSED: 1, RW: 2, DC: 4, CODE: 8, S: 0x10, DPL_SHIFT: 5, P: 0x80,
  AVL: 0x1000, L: 0x2000, DB: 0x4000, G: 0x8000,
} as const;

export class CpuState {
  readonly r = new Int32Array(R.SIZE);
  readonly r8 = new Uint8Array(this.r.buffer);
  readonly r16 = new Uint16Array(this.r.buffer);
  rip = 0;

  readonly segSel = new Int32Array(8);
  readonly segBase = new Float64Array(8);
  readonly segLimit = new Float64Array(8);
  readonly segAttr = new Int32Array(8);

  gdtrBase = 0; gdtrLimit = 0;
  idtrBase = 0; idtrLimit = 0;

  cr0 = 0x60000010; cr2 = 0; cr3 = 0; cr4 = 0; cr8 = 0;
  efer = 0;
  readonly dr = new Float64Array(8);

  /** 16 XMM registers, four 32-bit lanes each; the other views alias the same bytes. */
  readonly xmm = new Int32Array(64);
  readonly xmm8 = new Uint8Array(this.xmm.buffer);
  readonly xmm16 = new Uint16Array(this.xmm.buffer);
  readonly xmmF32 = new Float32Array(this.xmm.buffer);
  readonly xmmF64 = new Float64Array(this.xmm.buffer);
  mxcsr = 0x1f80;

  /**
   * x87 physical registers R0-R7 (not ST(i): ST(i) is R[(TOP + i) & 7]). Each is an 80-bit
   * extended value: a 64-bit significand as int32 halves in `fpr` ([2i] low, [2i+1] high, explicit
   * integer bit = bit 63) and sign<<15 | biased exponent in `fpe`. MMX registers MM0-MM7 alias the
   * significands of R0-R7.
   */
  readonly fpr = new Int32Array(16);
  readonly fpe = new Uint16Array(8);
  fpuControl = 0x037f;
  /** Status word without TOP (bits 11-13 are kept in `fpuTop`). */
  fpuStatus = 0;
  fpuTop = 0;
  /** Full 16-bit tag word, two bits per physical register: 00 valid, 01 zero, 10 special, 11 empty. */
  fpuTag = 0xffff;
  /** Last instruction and operand pointers and opcode (FSTENV/FXSAVE report them). */
  fpuIp = 0; fpuCs = 0; fpuDp = 0; fpuDs = 0; fpuOpcode = 0;

  // MSRs the core implements itself; the rest go to the host (an exit) or read as zero.
  star = [0, 0] as [number, number];
  lstar = 0; cstar = 0; sfmask = 0;
  kernelGsBase = 0;
  tscAux = 0;
  pat = [0x00070406, 0x00070406] as [number, number];
  apicBase = 0xfee00900;
  miscEnable = 1;
  sysenterCs = 0; sysenterEsp = 0; sysenterEip = 0;

  /** Interrupts are inhibited until after the next instruction (STI, MOV SS). */
  intShadow = false;
  halted = false;

  constructor() {
    this.r[R.FLAGS] = FL.FIXED1;
    this.setRflags(FL.FIXED1);
  }

  // ---- general-purpose registers (host-side accessors; compiled code indexes `r` directly) ----

  /** A 64-bit register as a number: exact while the value's magnitude is below 2^53. */
  get64(i: number): number {
    return this.r[2 * i + 1] * 4294967296 + (this.r[2 * i] >>> 0);
  }
  /** A 64-bit register as an unsigned bigint (host side only). */
  getBig(i: number): bigint {
    return (BigInt(this.r[2 * i + 1] >>> 0) << 32n) | BigInt(this.r[2 * i] >>> 0);
  }
  get32(i: number): number {
    return this.r[2 * i] >>> 0;
  }
  set64(i: number, v: number | bigint): void {
    if (typeof v === 'bigint') {
      const u = BigInt.asUintN(64, v);
      this.r[2 * i] = Number(u & 0xffffffffn) | 0;
      this.r[2 * i + 1] = Number(u >> 32n) | 0;
    } else {
      this.r[2 * i] = v | 0;
      this.r[2 * i + 1] = Math.floor(v / 4294967296) | 0;
    }
  }
  /** Writes a 32-bit register the way a 64-bit-mode instruction does: zero-extending. */
  set32(i: number, v: number): void {
    this.r[2 * i] = v | 0;
    this.r[2 * i + 1] = 0;
  }

  // ---- flags ----

  getRflags(): number {
    const r = this.r;
    const res = r[R.LF_RES], resh = r[R.LF_RESH], aux = r[R.LF_AUX];
    const cf = aux & 1;
    const pf = (PARITY[res & 0xff] ^ (aux >> 2)) & 1;
    const af = (aux >> 4) & 1;
    const zf = (res | resh) === 0 ? 1 : 0;
    const sf = ((resh >>> 31) ^ (aux >> 7)) & 1;
    const of = (aux >> 11) & 1;
    return ((r[R.FLAGS] & ~FL_ARITH) | cf | (pf << 2) | (af << 4) | (zf << 6) | (sf << 7) | (of << 11)) >>> 0;
  }

  setRflags(v: number): void {
    const r = this.r;
    r[R.FLAGS] = (v & ~FL_ARITH) | FL.FIXED1;
    const zf = (v >> 6) & 1;
    const res = zf ? 0 : 1;
    r[R.LF_RES] = res;
    r[R.LF_RESH] = 0;
    const pf = (v >> 2) & 1;
    r[R.LF_AUX] = (v & FL.CF) | ((pf ^ PARITY[res]) << 2) | (v & FL.AF) | (v & FL.SF) | (v & FL.OF);
  }

  // ---- segments ----

  /** Loads a segment register the way real mode does: base = selector × 16, 64 KiB limit. */
  loadRealModeSegment(seg: number, selector: number): void {
    this.segSel[seg] = selector & 0xffff;
    this.segBase[seg] = (selector & 0xffff) * 16;
    this.segLimit[seg] = 0xffff;
    this.segAttr[seg] = SA.P | SA.S | SA.RW | SA.ACCESSED | (seg === SEG.CS ? SA.CODE : 0);
  }

  /** Sets a flat segment with explicit attributes (loaders and hosts building an initial state). */
  setSegment(seg: number, selector: number, base: number, limit: number, attr: number): void {
    this.segSel[seg] = selector;
    this.segBase[seg] = base;
    this.segLimit[seg] = limit;
    this.segAttr[seg] = attr;
  }

  get cpl(): number {
    return this.segSel[SEG.CS] & 3;
  }

  /** True in 64-bit mode (long mode active and CS.L set). */
  get is64(): boolean {
    return (this.efer & 0x400) !== 0 && (this.segAttr[SEG.CS] & SA.L) !== 0;
  }

  /** The code size the decoder needs: 16, 32 or 64. */
  get bitness(): 16 | 32 | 64 {
    if (this.is64) return 64;
    if ((this.cr0 & 1) === 0) return 16;
    return (this.segAttr[SEG.CS] & SA.DB) !== 0 ? 32 : 16;
  }

  /** Resets to the state after power-on (real mode at F000:FFF0, like hardware). */
  reset(): void {
    this.r.fill(0);
    this.r[R.FLAGS] = FL.FIXED1;
    this.setRflags(FL.FIXED1);
    for (let s = 0; s < 6; s++) this.loadRealModeSegment(s, 0);
    this.segSel[SEG.CS] = 0xf000;
    this.segBase[SEG.CS] = 0xffff0000;
    this.rip = 0xfff0;
    this.segAttr[SEG_LDTR] = 0x82; this.segLimit[SEG_LDTR] = 0xffff;
    this.segAttr[SEG_TR] = 0x8b; this.segLimit[SEG_TR] = 0xffff;
    this.segBase[SEG_LDTR] = 0; this.segBase[SEG_TR] = 0;
    this.gdtrBase = 0; this.gdtrLimit = 0xffff;
    this.idtrBase = 0; this.idtrLimit = 0xffff;
    this.cr0 = 0x60000010; this.cr2 = 0; this.cr3 = 0; this.cr4 = 0; this.cr8 = 0; this.efer = 0;
    this.xmm.fill(0);
    this.mxcsr = 0x1f80;
    this.fpr.fill(0);
    this.fpe.fill(0);
    this.fpuControl = 0x0040;
    this.fpuStatus = 0; this.fpuTop = 0; this.fpuTag = 0x5555;
    this.fpuIp = 0; this.fpuCs = 0; this.fpuDp = 0; this.fpuDs = 0; this.fpuOpcode = 0;
    this.intShadow = false;
    this.halted = false;
  }
}
