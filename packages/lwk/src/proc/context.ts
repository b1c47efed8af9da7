// The per-thread part of a core's state, saved when a thread leaves its core and restored when it
// returns. Everything else (GDTR, control registers but CR3) is the same for every user thread, set
// once when the LWK takes the core. Segment registers are per thread: a thread may run 32- or
// 16-bit code (a signal frame can return there) or hold an LDT selector.
import { type CpuState, SA } from '@serval/x86';

const FS = 4, GS = 5;
/** ES, CS, SS, DS, FS, GS and LDTR. */
const SEGS = 7;
const USER_DATA = SA.P | SA.S | SA.RW | SA.ACCESSED | SA.DB | SA.G | (3 << SA.DPL_SHIFT);
const USER_CODE64 = SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.L | SA.G | (3 << SA.DPL_SHIFT);

export class Context {
  readonly r = new Int32Array(36);
  rip = 0;
  fsBase = 0;
  gsBase = 0;
  readonly xmm = new Int32Array(64);
  mxcsr = 0x1f80;
  readonly fpr = new Int32Array(16);
  readonly fpe = new Uint16Array(8);
  fpuControl = 0x037f;
  fpuStatus = 0;
  fpuTop = 0;
  fpuTag = 0xffff;
  readonly segSel = new Int32Array(SEGS);
  readonly segBase = new Float64Array(SEGS);
  readonly segLimit = new Float64Array(SEGS);
  readonly segAttr = new Int32Array(SEGS);

  constructor() {
    this.flatSegments();
  }

  /**
   * What a program starts with, as Linux's exec leaves it: 64-bit user code, the flat user stack
   * segment, null DS, ES, FS and GS (64-bit code needs none), no LDT.
   */
  flatSegments(): void {
    for (let i = 0; i < 6; i++) {
      const code = i === 1, stack = i === 2;
      this.segSel[i] = code ? 0x33 : stack ? 0x2b : 0;
      this.segBase[i] = 0;
      this.segLimit[i] = code || stack ? 0xffffffff : 0;
      this.segAttr[i] = code ? USER_CODE64 : stack ? USER_DATA : 0;
    }
    this.segSel[6] = 0; this.segBase[6] = 0; this.segLimit[6] = 0; this.segAttr[6] = 0;
  }

  save(s: CpuState): void {
    this.r.set(s.r.subarray(0, 36));
    this.rip = s.rip;
    this.segSel.set(s.segSel.subarray(0, SEGS)); this.segBase.set(s.segBase.subarray(0, SEGS));
    this.segLimit.set(s.segLimit.subarray(0, SEGS)); this.segAttr.set(s.segAttr.subarray(0, SEGS));
    this.fsBase = s.segBase[FS];
    this.gsBase = s.segBase[GS];
    this.xmm.set(s.xmm);
    this.mxcsr = s.mxcsr;
    this.fpr.set(s.fpr);
    this.fpe.set(s.fpe);
    this.fpuControl = s.fpuControl; this.fpuStatus = s.fpuStatus; this.fpuTop = s.fpuTop; this.fpuTag = s.fpuTag;
  }

  load(s: CpuState): void {
    s.r.set(this.r);
    s.rip = this.rip;
    s.segSel.set(this.segSel); s.segBase.set(this.segBase); s.segLimit.set(this.segLimit); s.segAttr.set(this.segAttr);
    s.segBase[FS] = this.fsBase;
    s.segBase[GS] = this.gsBase;
    s.xmm.set(this.xmm);
    s.mxcsr = this.mxcsr;
    s.fpr.set(this.fpr);
    s.fpe.set(this.fpe);
    s.fpuControl = this.fpuControl; s.fpuStatus = this.fpuStatus; s.fpuTop = this.fpuTop; s.fpuTag = this.fpuTag;
  }

  copyFrom(o: Context): void {
    this.r.set(o.r); this.rip = o.rip; this.fsBase = o.fsBase; this.gsBase = o.gsBase;
    this.xmm.set(o.xmm); this.mxcsr = o.mxcsr; this.fpr.set(o.fpr); this.fpe.set(o.fpe);
    this.fpuControl = o.fpuControl; this.fpuStatus = o.fpuStatus; this.fpuTop = o.fpuTop; this.fpuTag = o.fpuTag;
    this.segSel.set(o.segSel); this.segBase.set(o.segBase); this.segLimit.set(o.segLimit); this.segAttr.set(o.segAttr);
  }

  get(i: number): number { return this.r[2 * i + 1] * 4294967296 + (this.r[2 * i] >>> 0); }
  set(i: number, v: number): void { this.r[2 * i] = v | 0; this.r[2 * i + 1] = Math.floor(v / 4294967296) | 0; }
}
