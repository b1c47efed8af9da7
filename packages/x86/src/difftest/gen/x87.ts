// The x87 group: every x87 form (and FXSAVE/FXRSTOR, FWAIT) from a random FPU state — registers
// holding zeros, infinities, NaNs, denormals and unnormals, empty slots (stack faults), every
// rounding and precision control, occasionally unmasked exceptions — and memory operands holding
// values of the operand's type. Short x87 sequences show pending exceptions raised (#MF) by the
// next waiting instruction.
import { Mnemonic as M } from '../../iced/iced.js';
import { CpuidFeature as F, listForms, type FormInfo } from '../../iced/forms.js';
import { DATA_BASE, type Case, type SoftSpec } from '../format.js';
import { CaseBuilder, RSP, type GenContext } from './builder.js';
import { pickOperands, type Slot } from './operands.js';
import type { Rng } from './rng.js';
import { f32Bits, f64Bits, f80Parts, intValue, le64, leN } from './values.js';
import { SERVAL_FEATURES } from './int.js';
import { makeFx } from './world.js';

const X87 = new Set<number>([F.FPU, F.FPU287, F.FPU387, F.FXSR]);

let forms: FormInfo[] | undefined;
export function x87Forms(): FormInfo[] {
  forms ??= listForms(64).filter((f) =>
    (f.mnem === M.Wait || f.features.some((x) => X87.has(x))) && f.features.every((x) => SERVAL_FEATURES.has(x)));
  return forms;
}

/**
 * Results the SDM leaves to the implementation: the transcendental instructions' last bits (Intel
 * and AMD differ), and C0/C2/C3 after everything but compares, FXAM, FPREM and state loads.
 */
const TRANSCENDENTAL = new Set<number>([M.Fsin, M.Fcos, M.Fsincos, M.Fptan, M.Fpatan, M.F2xm1, M.Fyl2x, M.Fyl2xp1]);
const DEFINES_C = new Set<number>([M.Fcom, M.Fcomp, M.Fcompp, M.Fucom, M.Fucomp, M.Fucompp, M.Ficom, M.Ficomp, M.Ftst,
  M.Fxam, M.Fprem, M.Fprem1, M.Fldenv, M.Frstor, M.Fxrstor, M.Fxrstor64, M.Fninit, M.Finit, M.Fnsave, M.Fsave,
  M.Fnstsw, M.Fstsw, M.Fnstenv, M.Fstenv, M.Fnstcw, M.Fstcw, M.Fldcw, M.Fxsave, M.Fxsave64, M.Wait, M.Fnop,
  M.Fnclex, M.Fclex]);

/**
 * Undocumented aliases of FSTP ST(i) (D9 D8+i, DF D0+i, DF D8+i). On this AMD part they pop an
 * empty ST(0) without a stack fault (no IE/SF, the destination untouched); nothing documents what
 * other parts do, so their results count as implementation-specific.
 */
const ALIASES = new Set(['Fstpnce_sti', 'Fstp_sti_DFD0', 'Fstp_sti_DFD8']);

function x87Fx(val: Rng): Uint8Array {
  return makeFx(val, { unmaskX87: 0.12, emptyReg: 0.2, unmaskSse: 0 });
}

/** A memory operand's start value, by the form's operand type. */
function memValue(val: Rng, f: FormInfo, size: number): Uint8Array {
  const n = f.name;
  if (/m32fp/.test(n)) return leN(BigInt(f32Bits(val)), 4);
  if (/m64fp/.test(n)) return le64(f64Bits(val));
  if (/m80fp/.test(n)) { const [m, e] = f80Parts(val); const b = new Uint8Array(10); b.set(le64(m)); b[8] = e & 0xff; b[9] = e >> 8; return b; }
  if (/m80bcd/.test(n)) return bcd(val);
  if (/m(16|32|64)int/.test(n)) return leN(intValue(val, size * 8), size);
  if (/Fldcw/.test(n)) return leN(BigInt((val.bool(0.8) ? 0x037f : val.u32()) & 0xffff) ^ BigInt(val.int(4) << 10), 2);
  if (/Fxrstor/.test(n)) { const fx = makeFx(val, { unmaskX87: 0.1 }); if (val.bool(0.1)) fx[26] |= 0x40; return fx; }
  if (/Fldenv|Frstor/.test(n)) return envImage(val, n, size);
  return val.bytes(size);
}

function bcd(val: Rng): Uint8Array {
  const b = new Uint8Array(10);
  for (let k = 0; k < 9; k++) b[k] = (val.int(10) << 4) | val.int(10);
  if (val.bool(0.05)) b[val.int(9)] = val.u32() & 0xff; // invalid digits: undefined result
  b[9] = val.bool() ? 0x80 : 0;
  return b;
}

/** An FLDENV/FRSTOR image: control, status and tag words, pointers, and (FRSTOR) the registers. */
function envImage(val: Rng, name: string, size: number): Uint8Array {
  const b = val.bytes(size);
  const small = /14|94/.test(name);
  const w = small ? 2 : 4;
  const put = (i: number, v: number) => { b[i * w] = v & 0xff; b[i * w + 1] = (v >> 8) & 0xff; if (!small) { b[i * w + 2] = 0; b[i * w + 3] = 0; } };
  put(0, 0x0340 | (val.bool(0.8) ? 0x3f : val.int(64)) | (val.int(4) << 10));
  put(1, val.bool(0.7) ? (val.int(8) << 11) | (val.int(16) << 8 & 0x4700) : val.u32() & 0xffff);
  put(2, val.bool(0.5) ? 0xffff : val.u32() & 0xffff);
  const env = small ? 14 : 28;
  for (let k = 0; k + 10 <= size - env; k += 10) {
    const [m, e] = f80Parts(val);
    b.set(le64(m), env + k); b[env + k + 8] = e & 0xff; b[env + k + 9] = e >> 8;
  }
  return b;
}

/** Where an instruction stores the last-instruction/operand pointers (implementation-specific). */
function pointerFields(f: FormInfo, off: number): [number, number][] | undefined {
  if (/Fnstenv|Fstenv|Fnsave|Fsave/.test(f.name)) return /14|94/.test(f.name) ? [[off + 6, 8]] : [[off + 12, 16]];
  // FXSAVE: FOP, FIP, FDP, and MXCSR_MASK (0xffff on Intel, 0x2ffff on AMD with MM).
  if (/Fxsave/.test(f.name)) return [[off + 6, 18], [off + 28, 4]];
  return undefined;
}

export function x87Case(g: GenContext, f: FormInfo, seqLen = 1): Case | undefined {
  const b = new CaseBuilder(g);
  b.fx = x87Fx(b.val);
  const soft: SoftSpec = {};
  try {
    const base = seqLen > 1 ? 13 : undefined;
    if (base !== undefined) b.setReg(base, BigInt(DATA_BASE + 0x1000 + b.rng.int(0xd000)));
    const pool = seqLen > 1 ? x87Forms().filter((x) => !/Fxsave|Fxrstor|Frstor|Fnsave|Fsave|Fldenv/.test(x.name) && !ALIASES.has(x.name)) : [f];
    for (let k = 0; k < seqLen; k++) {
      const form = k === 0 ? f : b.rng.pick(pool);
      const align = /Fxsave|Fxrstor/.test(form.name) ? 16 : undefined;
      const p = pickOperands(b, form, { memRate: 0.5, align, memBase: base, avoid: new Set([RSP, ...(base !== undefined ? [base] : [])]), outside: 0.02 });
      for (const s of p.slots) setMem(b, form, s);
      const mem = p.slots.find((s) => s.k === 'mem');
      const fields = mem && mem.k === 'mem' ? pointerFields(form, mem.off) : undefined;
      if (fields) soft.mem = [...(soft.mem ?? []), ...fields];
      if (TRANSCENDENTAL.has(form.mnem) || ALIASES.has(form.name)) soft.all = true;
      if (!DEFINES_C.has(form.mnem)) soft.fswMask = 0x4500;
      if (/m80bcd/.test(form.name) && form.mnem === M.Fbld) soft.st = true; // invalid BCD digits load as undefined
      b.insn(form.code, p.ops);
      if (seqLen > 1 && b.rng.bool(0.2)) b.rawInsn(new Uint8Array([0x9b])); // FWAIT: report a pending exception here
    }
  } catch (e) {
    if (e instanceof Error && /operand kind/.test(e.message)) throw e;
    if (process.env.DT_DEBUG) console.log(f.name, String(e));
    return undefined;
  }
  const c = b.build('x87');
  c.soft = Object.keys(soft).length ? soft : undefined;
  return c;
}

function setMem(b: CaseBuilder, f: FormInfo, s: Slot): void {
  if (s.k !== 'mem') return;
  b.patch(s.off, memValue(b.val, f, s.size));
}
