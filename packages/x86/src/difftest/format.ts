// The case and outcome model shared by both runners, and the binary files that carry them to and
// from the native harness (native/harness.c reads and writes exactly these layouts; little-endian).
//
// Input:  "SVDTIN01" u32 ncases u32 nimages u32 nfp u32[3] | images (nimages × 64 KiB)
//         | FXSAVE pool (nfp × 512) | cases
//   case: u32 size, u16 codeLen, u16 codeOff, u16 image, u16 npatch, u32 fp (pool index or
//         INLINE_FP), u32 flags, u32 0 | u64 gpr[16], u64 rflags | [fx 512 if INLINE_FP]
//         | code | patches (u16 off, u16 len, bytes) | padding to 8
// Output: "SVDTOUT1" u32 ncases u16 sel[6] (ES CS SS DS FS GS) u8 compatOk u8[7] | records
//   record: u32 size, u32 status, u32 signo, u32 trapno, u64 err, u64 addr, u64 rip
//         | u64 gpr[16], u64 rflags | FXSAVE bytes 0-31 | u32 slotMask, u32 ndiff
//         | changed 16-byte FXSAVE slots (bit s: ST0-7 then XMM0-15) | ndiff × (u32 off, u32 0, u64 value)
// Data differences are 8-byte words of the data region that differ from the case's base image.

export const CODE_BASE = 0x10000000;
export const CODE_SIZE = 0x3000;
/** Case code lives in [CODE_BASE + CASE_AREA, CODE_BASE + CODE_SIZE); page 0 holds the native 64-bit trampoline. */
export const CASE_AREA = 0x1000;
export const DATA_BASE = 0x20000000;
export const DATA_SIZE = 0x10000;
export const INLINE_FP = 0xffffffff;
export const FLAG_COMPAT = 1;

export interface Patch {
  off: number;
  bytes: Uint8Array;
}

/** One test case: instruction bytes and the exact machine state they start from. */
export interface Case {
  code: Uint8Array;
  /** Offset of the code from CODE_BASE (at least CASE_AREA). */
  codeOff: number;
  /** Base data image (index into the run's images) and patches applied over it. */
  image: number;
  patches: Patch[];
  /** RAX..R15. */
  gpr: bigint[];
  rflags: number;
  /** FXSAVE image (x87, MXCSR, XMM), or an index into the run's pool of them. */
  fx: Uint8Array | number;
  /** Runs in 32-bit compatibility mode (CS 0x23). */
  compat?: boolean;
  // ---- bookkeeping (not sent to the harness) ----
  group: string;
  /** The instruction forms the case exercises (iced Code names), for coverage. */
  forms: string[];
  /** EFLAGS bits the SDM leaves undefined at the end of the case. */
  undefFlags: number;
  /** For multi-instruction cases: [address, flags undefined before the instruction there] (a fault stops there). */
  undefAt?: [number, number][];
  /** Results allowed to differ between CPU vendors (compared, but differences are only counted). */
  soft?: SoftSpec;
  /** Human-readable listing, for mismatch reports. */
  text: string;
}

export interface SoftSpec {
  /** XMM registers / ST slots / memory words whose values are implementation-specific (e.g. RCPPS, FSIN). */
  xmm?: number[];
  st?: boolean;
  /** x87 status-word bits that are undefined (C0-C3 after most arithmetic). */
  fswMask?: number;
  /** Data-region byte ranges [off, off+len) whose final contents are implementation-specific. */
  mem?: [number, number][];
  /** GPRs whose final value is undefined (e.g. 16-bit SHLD with a count above 16). */
  gpr?: number[];
  /** MXCSR flag bits that are implementation-specific. */
  mxcsrMask?: number;
  /** The whole outcome is vendor-specific (compared, counted, never failing). */
  all?: boolean;
}

/** What a case did: the final state (or the state at the signal), as Linux would show it to a process. */
export interface Outcome {
  /** 0 reached the end, 1 signal, 2 timeout, 3 unimplemented (Serval only), 4 unexpected exit (Serval only). */
  status: number;
  signo: number;
  trapno: number;
  err: number;
  addr: number;
  rip: number;
  gpr: bigint[];
  rflags: number;
  /** The full final FXSAVE image (FOP/FIP/FDP and MXCSR_MASK are not meaningful). */
  fx: Uint8Array;
  /** Changed data-region words: offset → value. */
  diff: Map<number, bigint>;
  /** For status 3/4: what Serval reported. */
  what?: string;
}

export interface Run {
  images: Uint8Array[];
  fpPool: Uint8Array[];
  cases: Case[];
  /** CPUID leaf 1 ECX bits Serval should advertise beyond its default (e.g. CX16), for extensions it implements but does not enable by default. */
  extraEcx1?: number;
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

export function caseSize(c: Case): number {
  let n = 24 + 136 + (typeof c.fx === 'number' ? 0 : 512) + c.code.length;
  for (const p of c.patches) n += 4 + p.bytes.length;
  return pad8(n);
}

export function encodeInput(run: Run): Uint8Array {
  let total = 32 + run.images.length * DATA_SIZE + run.fpPool.length * 512;
  for (const c of run.cases) total += caseSize(c);
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  buf.set(new TextEncoder().encode('SVDTIN01'), 0);
  dv.setUint32(8, run.cases.length, true);
  dv.setUint32(12, run.images.length, true);
  dv.setUint32(16, run.fpPool.length, true);
  let p = 32;
  for (const img of run.images) { buf.set(img, p); p += DATA_SIZE; }
  for (const fx of run.fpPool) { buf.set(fx, p); p += 512; }
  for (const c of run.cases) {
    const size = caseSize(c);
    if (c.codeOff < CASE_AREA || c.codeOff + c.code.length + 16 > CODE_SIZE) throw new Error(`case code at +${c.codeOff} does not fit`);
    dv.setUint32(p, size, true);
    dv.setUint16(p + 4, c.code.length, true);
    dv.setUint16(p + 6, c.codeOff, true);
    dv.setUint16(p + 8, c.image, true);
    dv.setUint16(p + 10, c.patches.length, true);
    dv.setUint32(p + 12, typeof c.fx === 'number' ? c.fx : INLINE_FP, true);
    dv.setUint32(p + 16, c.compat ? FLAG_COMPAT : 0, true);
    let q = p + 24;
    for (let i = 0; i < 16; i++) { dv.setBigUint64(q, BigInt.asUintN(64, c.gpr[i]), true); q += 8; }
    dv.setBigUint64(q, BigInt(c.rflags >>> 0), true); q += 8;
    if (typeof c.fx !== 'number') { buf.set(c.fx, q); q += 512; }
    buf.set(c.code, q); q += c.code.length;
    for (const pt of c.patches) {
      if (pt.off < 0 || pt.off + pt.bytes.length > DATA_SIZE) throw new Error(`patch at ${pt.off} outside the data region`);
      dv.setUint16(q, pt.off, true);
      dv.setUint16(q + 2, pt.bytes.length, true);
      buf.set(pt.bytes, q + 4);
      q += 4 + pt.bytes.length;
    }
    p += size;
  }
  return buf;
}

export interface NativeRun {
  /** Segment selectors the harness runs with (ES CS SS DS FS GS). */
  selectors: number[];
  /** The host can run 32-bit compatibility-mode code (else compat cases did not run). */
  compatOk: boolean;
  outcomes: Outcome[];
}

export function fxOf(run: Run, c: Case): Uint8Array {
  return typeof c.fx === 'number' ? run.fpPool[c.fx] : c.fx;
}

export function decodeOutput(buf: Uint8Array, run: Run): NativeRun {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (new TextDecoder().decode(buf.subarray(0, 8)) !== 'SVDTOUT1') throw new Error('difftest: bad harness output');
  const n = dv.getUint32(8, true);
  if (n !== run.cases.length) throw new Error(`difftest: harness ran ${n} of ${run.cases.length} cases`);
  const selectors = [0, 1, 2, 3, 4, 5].map((i) => dv.getUint16(12 + 2 * i, true));
  const compatOk = buf[24] === 1;
  const outcomes: Outcome[] = [];
  let p = 32;
  for (let k = 0; k < n; k++) {
    const size = dv.getUint32(p, true);
    const gpr: bigint[] = [];
    for (let i = 0; i < 16; i++) gpr.push(dv.getBigUint64(p + 40 + 8 * i, true));
    const fx = new Uint8Array(fxOf(run, run.cases[k]));
    fx.set(buf.subarray(p + 176, p + 208), 0);
    const mask = dv.getUint32(p + 208, true), ndiff = dv.getUint32(p + 212, true);
    let q = p + 216;
    for (let s = 0; s < 24; s++) {
      if (mask & (1 << s)) { fx.set(buf.subarray(q, q + 16), 32 + 16 * s); q += 16; }
    }
    const diff = new Map<number, bigint>();
    for (let d = 0; d < ndiff; d++) { diff.set(dv.getUint32(q, true), dv.getBigUint64(q + 8, true)); q += 16; }
    outcomes.push({
      status: dv.getUint32(p + 4, true), signo: dv.getUint32(p + 8, true), trapno: dv.getUint32(p + 12, true),
      err: Number(dv.getBigUint64(p + 16, true)), addr: Number(dv.getBigUint64(p + 24, true)),
      rip: Number(dv.getBigUint64(p + 32, true)), gpr, rflags: Number(dv.getBigUint64(p + 168, true)), fx, diff,
    });
    p += size;
  }
  return { selectors, compatOk, outcomes };
}
