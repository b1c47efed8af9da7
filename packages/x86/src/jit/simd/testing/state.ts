// Test support: one test case (an instruction and the whole register/memory state it starts from),
// its result, random state generation and the field-by-field comparison of two results.
//
// x87/MMX/SSE state travels as an FXSAVE (64-bit) image: FCW at 0, FSW at 2, abridged tag at 4,
// MXCSR at 24, ST0-ST7 in 16-byte slots from 32 (ST(i), not physical registers), XMM0-15 from 160.

export const FX = 512;
/** The data window both sides map at the same address; a guard page (unmapped) follows it. */
export const WIN_ADDR = 0x301f00;
export const WIN = 256;
export const GUARD_ADDR = 0x302000;
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

export interface SimdCase {
  code: Uint8Array;
  text: string;
  gpr: BigUint64Array;
  rflags: number;
  fx: Uint8Array;
  mem: Uint8Array;
}

export interface SimdResult {
  gpr: BigUint64Array;
  rflags: number;
  fault?: { vector: number; errorCode: number; cr2: number };
  fx: Uint8Array;
  mem: Uint8Array;
  /** Set by the emulator when the run ended some other way (unimplemented, wrong exit). */
  other?: string;
}

/** Small deterministic PRNG (xorshift32) so failures reproduce from the printed seed. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed | 0) || 1; }
  u32(): number {
    let x = this.s;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.s = x;
    return x >>> 0;
  }
  below(n: number): number { return this.u32() % n; }
  pick<T>(xs: readonly T[]): T { return xs[this.below(xs.length)]; }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

const BYTE_EDGES = [0x00, 0xff, 0x80, 0x7f, 0x01, 0xfe, 0x81, 0x40];
const WORD_EDGES = [0x0000, 0xffff, 0x8000, 0x7fff, 0x0001, 0xfffe, 0x8001, 0x0080, 0x00ff, 0xff80, 0xff7f, 0x007f, 0x0100];
const DWORD_EDGES = [0, 0xffffffff, 0x80000000, 0x7fffffff, 1, 0xffff8000, 0x00007fff, 0x0000ffff, 0xffff0000, 0x80000001];

/** A value of `n` bytes biased towards the boundaries where saturation and sign handling differ. */
export function edgyBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  const dv = new DataView(b.buffer);
  switch (rng.below(7)) {
    case 0: return rng.bytes(n);
    case 1: case 2: return rng.bytes(n);
    case 3: for (let i = 0; i < n; i++) b[i] = rng.below(3) ? rng.pick(BYTE_EDGES) : rng.u32() & 0xff; return b;
    case 4: for (let i = 0; i + 2 <= n; i += 2) dv.setUint16(i, rng.below(3) ? rng.pick(WORD_EDGES) : rng.u32() & 0xffff, true); return b;
    case 5: for (let i = 0; i + 4 <= n; i += 4) dv.setUint32(i, rng.below(3) ? rng.pick(DWORD_EDGES) : rng.u32(), true); return b;
    default: b.fill(rng.pick([0, 0xff, 0x80, 0x7f])); return b;
  }
}

export interface StateOptions {
  /** x87 TOP before the instruction (random when absent). */
  top?: number;
  /** Abridged tag byte (1 = register not empty; random when absent). */
  tags?: number;
  fcw?: number;
  fsw?: number;
}

/** A random starting state: XMM, MM/ST, GPRs, flags and the data window. */
export function randomState(rng: Rng, code: Uint8Array, text: string, opts: StateOptions = {}): SimdCase {
  const fx = new Uint8Array(FX);
  const dv = new DataView(fx.buffer);
  const top = opts.top ?? rng.below(8);
  dv.setUint16(0, opts.fcw ?? 0x037f, true);
  dv.setUint16(2, ((opts.fsw ?? 0) & ~0x3800) | (top << 11), true);
  fx[4] = opts.tags ?? rng.u32() & 0xff;
  dv.setUint32(24, 0x1f80, true);
  for (let j = 0; j < 8; j++) {
    fx.set(edgyBytes(rng, 8), 32 + 16 * j);
    dv.setUint16(40 + 16 * j, rng.u32() & 0xffff, true);
  }
  for (let x = 0; x < 16; x++) fx.set(edgyBytes(rng, 16), 160 + 16 * x);
  const gpr = new BigUint64Array(16);
  for (let i = 0; i < 16; i++) {
    const v = edgyBytes(rng, 8);
    gpr[i] = new DataView(v.buffer).getBigUint64(0, true);
  }
  const mem = new Uint8Array(WIN);
  for (let o = 0; o < WIN; o += 16) mem.set(edgyBytes(rng, 16), o);
  return { code, text, gpr, rflags: rng.u32() & 0x8d5, fx, mem };
}

/** MMn is physical register n, i.e. slot (n - TOP) & 7 of an FXSAVE image. */
export function mmSlot(fx: Uint8Array, n: number): number {
  const top = (fx[3] >> 3) & 7;
  return 32 + 16 * ((n - top) & 7);
}

export function setMm(c: SimdCase, n: number, v: bigint): void {
  new DataView(c.fx.buffer).setBigUint64(mmSlot(c.fx, n), v, true);
}

export function setXmm(c: SimdCase, n: number, lo: bigint, hi: bigint): void {
  const dv = new DataView(c.fx.buffer);
  dv.setBigUint64(160 + 16 * n, lo, true);
  dv.setBigUint64(168 + 16 * n, hi, true);
}

const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const hex128 = (b: Uint8Array) => hexOf(b.slice().reverse());

/** Every architectural difference between two results, readably; empty when they agree. */
export function diffResults(want: SimdResult, got: SimdResult): string[] {
  const d: string[] = [];
  if (got.other) d.push(`emulator: ${got.other}`);
  const wf = want.fault, gf = got.fault;
  if (!!wf !== !!gf || (wf && gf && (wf.vector !== gf.vector || wf.errorCode !== gf.errorCode || wf.cr2 !== gf.cr2))) {
    const f = (x?: SimdResult['fault']) => x ? `vector ${x.vector} err ${x.errorCode.toString(16)} cr2 ${x.cr2.toString(16)}` : 'none';
    d.push(`fault: native ${f(wf)}, emulator ${f(gf)}`);
  }
  for (let i = 0; i < 16; i++) {
    if (i === 4) continue;
    if (want.gpr[i] !== got.gpr[i]) d.push(`${GPR_NAMES[i]}: native ${want.gpr[i].toString(16)}, emulator ${got.gpr[i].toString(16)}`);
  }
  if ((want.rflags & 0x8d5) !== (got.rflags & 0x8d5)) d.push(`flags: native ${(want.rflags & 0x8d5).toString(16)}, emulator ${(got.rflags & 0x8d5).toString(16)}`);
  const a = new DataView(want.fx.buffer, want.fx.byteOffset), b = new DataView(got.fx.buffer, got.fx.byteOffset);
  const field = (name: string, off: number, len: number) => {
    const x = want.fx.subarray(off, off + len), y = got.fx.subarray(off, off + len);
    if (!x.every((v, k) => v === y[k])) d.push(`${name}: native ${hex128(x)}, emulator ${hex128(y)}`);
  };
  if (a.getUint16(0, true) !== b.getUint16(0, true)) field('fcw', 0, 2);
  field('fsw', 2, 2);
  field('ftw (abridged)', 4, 1);
  field('mxcsr', 24, 4);
  for (let j = 0; j < 8; j++) field(`st${j}`, 32 + 16 * j, 10);
  for (let x = 0; x < 16; x++) field(`xmm${x}`, 160 + 16 * x, 16);
  for (let o = 0; o < WIN; o += 16) {
    const x = want.mem.subarray(o, o + 16), y = got.mem.subarray(o, o + 16);
    if (!x.every((v, k) => v === y[k])) d.push(`mem[${o}..${o + 15}]: native ${hexOf(x)}, emulator ${hexOf(y)}`);
  }
  return d;
}

/** The inputs a failing case started from, for the failure message. */
export function describeCase(c: SimdCase): string {
  const lines = [`${c.text}  (${hexOf(c.code)})`];
  const dv = new DataView(c.fx.buffer);
  lines.push(`  fcw ${dv.getUint16(0, true).toString(16)} fsw ${dv.getUint16(2, true).toString(16)} ftw ${c.fx[4].toString(16)}`);
  for (let n = 0; n < 8; n++) lines.push(`  mm${n} ${hex128(c.fx.subarray(mmSlot(c.fx, n), mmSlot(c.fx, n) + 10))}`);
  for (let x = 0; x < 16; x++) lines.push(`  xmm${x} ${hex128(c.fx.subarray(160 + 16 * x, 176 + 16 * x))}`);
  lines.push(`  ${GPR_NAMES.map((n, i) => `${n}=${c.gpr[i].toString(16)}`).join(' ')}`);
  return lines.join('\n');
}
