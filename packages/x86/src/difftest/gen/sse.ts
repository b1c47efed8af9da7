// The SSE, SSE2 and MMX groups: every legacy-encoded form with those features, from XMM/MMX
// registers and memory holding values of the instruction's element type (packed/scalar single,
// double, integers), every MXCSR rounding mode with FTZ/DAZ, sometimes unmasked exceptions (#XM),
// aligned operands that are sometimes misaligned (#GP).
import { Mnemonic as M } from '../../iced/iced.js';
import { CpuidFeature as F, listForms, type FormInfo } from '../../iced/forms.js';
import { DATA_BASE, type Case } from '../format.js';
import { CaseBuilder, RSP, type GenContext } from './builder.js';
import { pickOperands, type Slot } from './operands.js';
import type { Rng } from './rng.js';
import { f32Bits, f64Bits, intValue, le64, leN } from './values.js';
import { SERVAL_FEATURES } from './int.js';
import { makeFx } from './world.js';

export type SimdGroup = 'sse' | 'sse2' | 'mmx';

export function simdGroup(f: FormInfo): SimdGroup | undefined {
  if (!f.features.every((x) => SERVAL_FEATURES.has(x))) return undefined;
  if (f.features.includes(F.SSE2)) return 'sse2';
  if (f.features.includes(F.SSE)) return 'sse';
  if (f.features.includes(F.MMX)) return 'mmx';
  return undefined;
}

export function simdForms(group: SimdGroup): FormInfo[] {
  return listForms(64).filter((f) => simdGroup(f) === group);
}

type Lanes = 'f32' | 'f64' | 'int';

/** The element type an instruction works on, from its name (packed/scalar single, double, or integer). */
function lanesOf(f: FormInfo): Lanes {
  const n = f.name.toLowerCase();
  if (n.startsWith('cvt')) return /^cvtt?(ps|ss)/.test(n) ? 'f32' : /^cvtt?(pd|sd)/.test(n) ? 'f64' : 'int';
  if (/^p|^mov(d|q|dq2q|q2dq|nti|ntq|dqa|dqu|ntdq)_|^emms|^maskmov/.test(n)) return 'int';
  if (/(ps|ss)_/.test(n)) return 'f32';
  if (/(pd|sd)_/.test(n)) return 'f64';
  return 'int';
}

/** Forms whose 16-byte memory operand may be unaligned (everything else #GPs when it is). */
const UNALIGNED = /^(Movups|Movupd|Movdqu|Maskmov)/;

/** Approximations whose last bits Intel and AMD compute differently. */
const APPROX = new Set<number>([M.Rcpps, M.Rcpss, M.Rsqrtps, M.Rsqrtss]);

function fill(val: Rng, lanes: Lanes, size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let o = 0; o + 4 <= size || o < size; ) {
    if (lanes === 'f64' && o + 8 <= size) { b.set(le64(f64Bits(val)), o); o += 8; }
    else if (lanes === 'f32' && o + 4 <= size) { b.set(leN(BigInt(f32Bits(val)), 4), o); o += 4; }
    else { const n = Math.min(8, size - o); b.set(leN(intValue(val, n * 8), n), o); o += n; }
  }
  return b;
}

export function simdCase(g: GenContext, f: FormInfo, group: SimdGroup): Case | undefined {
  const b = new CaseBuilder(g);
  const lanes = lanesOf(f);
  b.fx = makeFx(b.val, { unmaskSse: 0.12, lanes: lanes === 'int' ? 'int' : lanes, emptyReg: 0.3 });
  try {
    if (f.mnem === M.Maskmovq || f.mnem === M.Maskmovdqu) return maskmov(b, f, group);
    const align = f.memBytes === 16 && !UNALIGNED.test(f.name) ? 16 : undefined;
    const p = pickOperands(b, f, { memRate: 0.35, align, avoid: new Set([RSP]), outside: 0.02 });
    for (const s of p.slots) if (s.k === 'mem') b.patch(s.off, memValue(b.val, f, s, lanes));
    b.insn(f.code, p.ops);
    const c = b.build(group);
    if (APPROX.has(f.mnem) && p.slots[0].k === 'xmm') c.soft = { xmm: [p.slots[0].n] };
    return c;
  } catch (e) {
    if (e instanceof Error && /operand kind/.test(e.message)) throw e;
    return undefined;
  }
}

function memValue(val: Rng, f: FormInfo, s: Slot & { k: 'mem' }, lanes: Lanes): Uint8Array {
  if (f.mnem === M.Ldmxcsr) {
    // Mostly valid values; a reserved bit set must raise #GP.
    const v = (0x1f80 & ~(val.int(64) << 7)) | val.int(64) | (val.int(4) << 13) | (val.bool(0.2) ? 0x8040 : 0);
    // (Not bit 17: AMD's misaligned-exception mask is valid there and reserved on Intel.)
    return leN(BigInt(val.bool(0.1) ? (v | (1 << val.pick([16, 18, 19, 20, 24, 30]))) >>> 0 : v), 4);
  }
  return fill(val, lanes, s.size);
}

/** MASKMOVQ/MASKMOVDQU store to [rDI]: their operand has no encoder shape, so the bytes are built here. */
function maskmov(b: CaseBuilder, f: FormInfo, group: SimdGroup): Case {
  const xmmForm = f.mnem === M.Maskmovdqu;
  const n = xmmForm ? 16 : 8;
  const r = b.rng.int(xmmForm ? 16 : 8), m = b.rng.int(xmmForm ? 16 : 8);
  const off = b.pickOffset({ size: n, outside: 0.05 });
  b.setReg(7, BigInt(DATA_BASE + off));
  const rex = (r >= 8 ? 4 : 0) | (m >= 8 ? 1 : 0);
  const bytes = [...(xmmForm ? [0x66] : []), ...(rex ? [0x40 | rex] : []), 0x0f, 0xf7, 0xc0 | ((r & 7) << 3) | (m & 7)];
  b.rawInsn(new Uint8Array(bytes));
  const c = b.build(group);
  // Whether a store with an all-zero mask (or a partly masked one) faults on an inaccessible
  // address is implementation-specific.
  if (off < 0 || off + n > 0x10000) c.soft = { all: true };
  return c;
}
