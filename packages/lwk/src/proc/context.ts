// The per-thread part of a core's state, saved when a thread leaves its core and restored when it
// returns. Everything else (segment descriptors, control registers but CR3) is the same for every
// user thread, set once when the LWK takes the core.
import type { CpuState } from '@serval/x86';

const FS = 4, GS = 5;

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

  save(s: CpuState): void {
    this.r.set(s.r.subarray(0, 36));
    this.rip = s.rip;
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
  }

  get(i: number): number { return this.r[2 * i + 1] * 4294967296 + (this.r[2 * i] >>> 0); }
  set(i: number, v: number): void { this.r[2 * i] = v | 0; this.r[2 * i + 1] = Math.floor(v / 4294967296) | 0; }
}
