// Test support: deterministic operand generators biased towards the values where floating-point
// hardware has rules to get right (zeros, denormals, the ends of the normal range, infinities,
// quiet and signaling NaNs, rounding ties), random MXCSR settings, and a case/result comparison.
import { assemble } from '../../../asm/index.js';
import type { NativeCase, NativeResult } from '../native/native.js';
import type { EmuResult } from './emu.js';

/** mulberry32: small, fast, good enough to spread test operands. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const u32 = (r: Rand) => (r() * 4294967296) >>> 0;

const SPECIAL32 = [0, 1, 0x7fffff, 0x400000, 0x800000, 0x800001, 0x3f800000, 0x3f800001, 0x3f7fffff, 0x7f7fffff,
  0x7f7ffffe, 0x7f800000, 0x7fc00000, 0x7fc12345, 0x7f800001, 0x7fa00000, 0x4b000000, 0x4effffff, 0x4f000000,
  0x5effffff, 0x5f000000, 0x3f000000, 0x3fc00000, 0x00ffffff, 0x34000000, 0x33800000];

/** A binary32 operand: specials, random bits, or a random mantissa with an exponent near an edge. */
export function f32(r: Rand): number {
  const sign = r() < 0.5 ? 0x80000000 : 0;
  const k = r();
  if (k < 0.25) return (SPECIAL32[int(r, SPECIAL32.length)] | sign) | 0;
  if (k < 0.45) return u32(r) | 0;
  const exps = [0, 1, 2, 20, 24, 25, 103, 104, 126, 127, 128, 150, 151, 157, 158, 190, 191, 230, 253, 254];
  const e = r() < 0.5 ? exps[int(r, exps.length)] : 100 + int(r, 55);
  const man = r() < 0.3 ? (u32(r) & 0x7fffff) & ~((1 << int(r, 23)) - 1) : u32(r) & 0x7fffff;
  return (sign | (e << 23) | man) | 0;
}

const SPECIAL64: [number, number][] = [[0, 0], [1, 0], [-1, 0xfffff], [0, 0x80000], [0, 0x100000], [1, 0x100000],
  [0, 0x3ff00000], [1, 0x3ff00000], [-1, 0x3fefffff], [-1, 0x7fefffff], [-2, 0x7fefffff], [0, 0x7ff00000],
  [0, 0x7ff80000], [0x12345678, 0x7ff80000], [1, 0x7ff00000], [0, 0x7ff40000], [0, 0x43300000], [0, 0x41e00000],
  [-1, 0x41dfffff], [0, 0x43e00000], [-1, 0x43dfffff], [0x400, 0x41e00000], [0, 0x3fe00000], [0, 0x3cb00000],
  [0xe0000000, 0x380fffff], [0, 0x36a00000], [0x20000000, 0x47efffff], [0xf0000000, 0x47efffff]];

/** A binary64 operand as [lo, hi]. */
export function f64(r: Rand): [number, number] {
  const sign = r() < 0.5 ? 0x80000000 : 0;
  const k = r();
  if (k < 0.25) { const [lo, hi] = SPECIAL64[int(r, SPECIAL64.length)]; return [lo | 0, (hi | sign) | 0]; }
  if (k < 0.45) return [u32(r) | 0, u32(r) | 0];
  // Exponents around the edges of binary64 and of binary32 (for conversions).
  const exps = [0, 1, 2, 52, 53, 54, 1022, 1023, 1024, 1054, 1055, 1086, 1087, 2045, 2046, 896, 897, 874, 873, 1150, 1151, 1152];
  const e = r() < 0.5 ? exps[int(r, exps.length)] : 900 + int(r, 250);
  let lo = u32(r), hi = u32(r) & 0xfffff;
  if (r() < 0.3) { const z = int(r, 52); if (z >= 32) { lo = 0; hi &= ~((1 << (z - 32)) - 1); } else lo &= ~((1 << z) - 1); }
  return [lo | 0, (sign | (e << 20) | hi) | 0];
}

/** Random MXCSR: any rounding mode, FTZ/DAZ, usually all masked, sometimes a random mask set. */
export function mxcsr(r: Rand, unmask = 0.1): number {
  let v = (int(r, 4) << 13) | (r() < 0.25 ? 0x8000 : 0) | (r() < 0.25 ? 0x40 : 0) | (r() < 0.3 ? 0x20 : 0);
  v |= r() < unmask ? (u32(r) & 0x1f80) : 0x1f80;
  return v;
}

const asmCache = new Map<string, Uint8Array>();
export function code(text: string): Uint8Array {
  let b = asmCache.get(text);
  if (!b) {
    b = assemble(text, { bitness: 64, origin: 0 }).bytes;
    asmCache.set(text, b);
  }
  return b;
}

/**
 * Moves a case written for xmm0 (destination) and xmm1 (source) to random registers among the
 * four the runner loads (sometimes the same one for both), mm0 to mm0/mm1 and eax/rax to
 * ecx/rcx, carrying the input values along, so emitters are checked for register numbering.
 */
export function shuffleRegs(r: Rand, c: NativeCase): NativeCase {
  const text = c.text;
  if (!text) throw new Error('shuffleRegs needs the case text');
  const a = int(r, 4), b = r() < 0.2 ? a : (a + 1 + int(r, 3)) & 3;
  const xmm = new Int32Array(16);
  const rest = [2, 3];
  for (let k = 0; k < 4; k++) {
    const from = k === a ? 0 : k === b ? 1 : rest.shift()!;
    xmm.set(c.xmm.subarray(4 * from, 4 * from + 4), 4 * k);
  }
  const mmSwap = r() < 0.5, gprSwap = r() < 0.5;
  const out = text.replace(/\b(xmm[01]|mm0|eax|rax)\b/g, (m) => {
    if (m === 'xmm0') return `xmm${a}`;
    if (m === 'xmm1') return `xmm${b}`;
    if (m === 'mm0') return mmSwap ? 'mm1' : 'mm0';
    if (m === 'eax') return gprSwap ? 'ecx' : 'eax';
    return gprSwap ? 'rcx' : 'rax';
  });
  const mm = c.mm && mmSwap ? Int32Array.from([c.mm[2], c.mm[3], c.mm[0], c.mm[1]]) : c.mm;
  return {
    ...c, text: out, code: code(out), xmm, mm,
    rax: gprSwap ? c.rcx : c.rax, rcx: gprSwap ? c.rax : c.rcx,
  };
}

const hex = (v: number) => (v >>> 0).toString(16).padStart(8, '0');
const xmmText = (x: Int32Array, k: number) => `${hex(x[4 * k + 3])}_${hex(x[4 * k + 2])}_${hex(x[4 * k + 1])}_${hex(x[4 * k])}`;

export interface Compare {
  flags?: boolean;
  gpr?: boolean;
  mmx?: boolean;
  mem?: boolean;
}

/** Differences between the native and emulated outcome of one case ('' when identical). */
export function diff(c: NativeCase, n: NativeResult, e: EmuResult, what: Compare = {}): string {
  const out: string[] = [];
  if (n.signal !== e.signal) out.push(`signal ${n.signal} vs ${e.signal} (vector ${e.vector})`);
  if (n.mxcsr !== e.mxcsr) out.push(`mxcsr ${hex(n.mxcsr)} vs ${hex(e.mxcsr)}`);
  for (let k = 0; k < 4; k++) {
    if (xmmText(n.xmm, k) !== xmmText(e.xmm, k)) out.push(`xmm${k} ${xmmText(n.xmm, k)} vs ${xmmText(e.xmm, k)}`);
  }
  if (what.flags && (n.rflags & 0x8d5) !== (e.rflags & 0x8d5)) out.push(`rflags ${hex(n.rflags & 0x8d5)} vs ${hex(e.rflags & 0x8d5)}`);
  if (what.gpr && (n.rax !== e.rax || n.rcx !== e.rcx)) out.push(`rax/rcx ${n.rax.toString(16)}/${n.rcx.toString(16)} vs ${e.rax.toString(16)}/${e.rcx.toString(16)}`);
  if (what.mmx) {
    for (let k = 0; k < 4; k++) if (n.mm[k] !== e.mm[k]) out.push(`mm word ${k} ${hex(n.mm[k])} vs ${hex(e.mm[k])}`);
    if (n.fsw !== e.fsw || n.ftw !== e.ftw) out.push(`fsw/ftw ${n.fsw.toString(16)}/${n.ftw.toString(16)} vs ${e.fsw.toString(16)}/${e.ftw.toString(16)}`);
    if (n.mmExp[0] !== e.mmExp[0]) out.push(`mm0 exponent ${n.mmExp[0].toString(16)} vs ${e.mmExp[0].toString(16)}`);
  }
  if (what.mem && Buffer.compare(Buffer.from(n.mem), Buffer.from(e.mem)) !== 0) out.push('memory differs');
  if (!out.length) return '';
  const ins = [0, 1, 2, 3].map((k) => `xmm${k}=${xmmText(c.xmm, k)}`).join(' ');
  return `${c.text ?? Buffer.from(c.code).toString('hex')} mxcsr=${hex(c.mxcsr)} ${ins} rax=${(c.rax ?? 0n).toString(16)}: ${out.join('; ')}`;
}

/** Fills 16 bytes (4 words) of operand lanes in `fmt` (0 binary32, 1 binary64). */
export function lanes(r: Rand, fmt: number, out: Int32Array, at: number): void {
  if (fmt === 0) for (let k = 0; k < 4; k++) out[at + k] = f32(r);
  else for (let k = 0; k < 2; k++) { const [lo, hi] = f64(r); out[at + 2 * k] = lo; out[at + 2 * k + 1] = hi; }
}

/** Makes the second operand's lanes sometimes close to the first's (cancellation, quotients near 1). */
export function relate(r: Rand, fmt: number, x: Int32Array, a: number, b: number): void {
  const n = fmt === 0 ? 4 : 2, w = fmt === 0 ? 1 : 2;
  for (let k = 0; k < n; k++) {
    if (r() >= 0.25) continue;
    const hiWord = a + w * k + w - 1;
    x[b + w * k] = x[a + w * k] ^ (r() < 0.5 ? 1 << int(r, 8) : 0);
    if (w === 2) x[b + w * k + 1] = x[hiWord] ^ (r() < 0.3 ? 0x80000000 : 0);
    else if (r() < 0.3) x[b + w * k] ^= 0x80000000;
  }
}

/** Words of xmm `k` as little-endian bytes. */
export function bytesOf(x: Int32Array, k: number): Uint8Array {
  return new Uint8Array(x.buffer.slice(16 * k, 16 * k + 16));
}

/** SSEF_SCALE multiplies case counts and SSEF_SEED shifts seeds, for longer runs by hand. */
export const SCALE = Number(process.env.SSEF_SCALE ?? 1);
export const seed = (n: number) => n + 1000 * Number(process.env.SSEF_SEED ?? 0);
export const count = (n: number) => Math.max(1, Math.round(n * SCALE));
