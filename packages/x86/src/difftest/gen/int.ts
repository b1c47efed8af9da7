// The integer group: every legacy general-purpose form iced knows in 64-bit mode that a user-mode
// process can run deterministically, each instantiated many times with boundary-biased operands,
// plus the instruction-specific set-ups (division overflow, shift counts, CMPXCHG hits...).
import { Mnemonic as M } from '../../iced/iced.js';
import { CpuidFeature as F, listForms, type FormInfo } from '../../iced/forms.js';
import { allowedFeatures } from '../../features.js';
import { CpuidModel } from '../../cpuid.js';
import type { Case } from '../format.js';
import { CaseBuilder, RSP, type GenContext } from './builder.js';
import { pickOperands, regOf, setSlot, type Picked, type Slot } from './operands.js';
import type { Rng } from './rng.js';
import { leN } from './values.js';

/** The instruction-set features Serval advertises by default: the corpus uses exactly those. */
export const SERVAL_FEATURES: ReadonlySet<number> = allowedFeatures(CpuidModel.baseline());

/**
 * Hints in the NOP opcode space: every CPU runs them (as NOPs without the feature), so they belong
 * in the corpus whatever Serval advertises (known.ts: Serval currently raises #UD for them).
 */
const HINTS = new Set<number>([F.CET_IBT, F.CLDEMOTE, F.PREFETCHITI, F.PREFETCHWT1]);

/** Feature sets that make a form part of another group (x87, MMX, SSE...). */
const NOT_INT = new Set<number>([F.FPU, F.FPU287, F.FPU387, F.MMX, F.SSE, F.SSE2, F.FXSR]);

/**
 * Left out, with the reason: they need the kernel or the descriptor tables (segment loads, LAR/LSL,
 * far transfers, IRET, INT n, SYSCALL), read host-specific values (CPUID, RDTSC, RDPMC, SLDT/SMSW
 * under UMIP), or are string forms (gen/string.ts) and branches (gen/flow.ts has its own set-ups).
 */
const EXCLUDED = new Set<number>([
  M.Syscall, M.Sysenter, M.Sysexit, M.Cpuid, M.Rdtsc, M.Rdtscp, M.Rdpmc, M.Int, M.Into, M.Iret, M.Iretd,
  M.Iretq, M.Retf, M.Lar, M.Lsl, M.Verr, M.Verw, M.Sldt, M.Str, M.Smsw, M.Sgdt, M.Sidt, M.Lfs, M.Lgs, M.Lss,
  M.Lds, M.Les, M.Xbegin, M.Xend, M.Xabort, M.Xtest, M.Movsb, M.Movsw, M.Movsd, M.Movsq, M.Cmpsb, M.Cmpsw,
  M.Cmpsd, M.Cmpsq, M.Scasb, M.Scasw, M.Scasd, M.Scasq, M.Lodsb, M.Lodsw, M.Lodsd, M.Lodsq, M.Stosb,
  M.Stosw, M.Stosd, M.Stosq, M.Insb, M.Insw, M.Insd, M.Outsb, M.Outsw, M.Outsd, M.Jmpe, M.Rsm,
]);

const JCC = new Set<number>([M.Jo, M.Jno, M.Jb, M.Jae, M.Je, M.Jne, M.Jbe, M.Ja, M.Js, M.Jns, M.Jp, M.Jnp, M.Jl,
  M.Jge, M.Jle, M.Jg]);
const FLOW = new Set<number>([...JCC, M.Jmp, M.Call, M.Ret, M.Loop, M.Loope, M.Loopne, M.Jrcxz, M.Jecxz, M.Jcxz]);

export function isFlow(f: FormInfo): boolean {
  return FLOW.has(f.mnem);
}
export const isJcc = (f: FormInfo) => JCC.has(f.mnem);

const formCache = new Map<number, FormInfo[]>();

/**
 * The integer forms the single-instruction generator covers, in 64-bit mode or (32) in 32-bit
 * compatibility mode, where INTO, BOUND, ARPL, the BCD adjustments and PUSHA/POPA exist too.
 */
export function intForms(bitness: 32 | 64 = 64): FormInfo[] {
  let forms = formCache.get(bitness);
  if (forms) return forms;
  forms = listForms(bitness).filter((f) =>
    f.features.every((x) => (SERVAL_FEATURES.has(x) || HINTS.has(x)) && !NOT_INT.has(x)) && !f.privileged && f.cpl3 && !f.io &&
    (!EXCLUDED.has(f.mnem) || (bitness === 32 && f.mnem === M.Into)) &&
    !isFlow(f) && !/^Mov_Sreg|^Pop[wdq]_(ES|SS|DS|FS|GS)$|^Popw_CS$/.test(f.name));
  formCache.set(bitness, forms);
  return forms;
}

/** CMPXCHG16B m128, which Serval implements but advertises only with CPUID.1:ECX.CX16 set. */
export function cx16Form(): FormInfo {
  return listForms(64).find((f) => f.mnem === M.Cmpxchg16b)!;
}

/** Privileged forms: at CPL 3 each must raise #GP (a sample per case; the values do not matter). */
export function privilegedForms(): FormInfo[] {
  const skip = /Sysexit|Rsm|Invlpga|Vm|Skinit|Stgi|Clgi|Encls|Enclv|Seam|Tdcall|Pconfig|Rmp|Psmash|Pvalidate|Wrmsrns|msrlist|Invlpgb|Tlbsync|Erets|Eretu|Lkgs|Hreset|Invept|Invvpid|Invpcid|Xsetbv|Loadiwkey|Wbnoinvd|Clac|Stac|Setssbsy|Clrssbsy|Wruss|Enqcmds|Ins|Outs/;
  return listForms(64).filter((f) => f.privileged && !skip.test(f.name) &&
    f.features.every((x) => SERVAL_FEATURES.has(x) || x === F.MSR));
}

const SHIFTS = new Set<number>([M.Rol, M.Ror, M.Rcl, M.Rcr, M.Shl, M.Sal, M.Shr, M.Sar]);
const COUNTS = [0n, 1n, 2n, 7n, 8n, 9n, 15n, 16n, 17n, 31n, 32n, 33n, 63n, 64n, 65n, 0xffn, 0x80n, 0x20n, 0x40n];

/** One case of single form `f` (undefined when the operands drawn cannot be encoded). */
export function intCase(g: GenContext, f: FormInfo, compat = false): Case | undefined {
  const b = new CaseBuilder(g);
  b.compat = compat;
  const rng = b.rng, val = b.val;
  const avoid = new Set<number>();
  let room = 0;
  let imm: ((i: number, bits: number) => bigint) | undefined;
  const lastIsCl = f.ops.length > 0 && f.ops[f.ops.length - 1] === 74; // OpCodeOperandKind.cl
  // Values that must be fixed before memory operands choose their base registers.
  if (lastIsCl || ((f.mnem === M.Shld || f.mnem === M.Shrd) && f.ops.length === 3 && f.ops[2] === 74)) {
    b.setReg(1, (val.u64() & ~0xffn) | val.pick(COUNTS)); avoid.add(1);
  }
  if (SHIFTS.has(f.mnem) || f.mnem === M.Shld || f.mnem === M.Shrd) imm = () => rng.pick(COUNTS);
  if (f.mnem === M.Bt || f.mnem === M.Bts || f.mnem === M.Btr || f.mnem === M.Btc) room = 300;
  if (f.mnem === M.Enter) {
    imm = (i) => i === 0 ? BigInt(rng.pick([0, 8, 16, 3, rng.int(256)])) : BigInt(rng.pick([0, 0, 1, 2, 3, 5, 31, 32]));
    b.setReg(5, BigInt(0x20004000 + val.int(0x4000))); avoid.add(5);
  }
  if (f.mnem === M.Leave) { b.setReg(5, b.gpr[RSP] + BigInt(val.range(-64, 256) * 8)); avoid.add(5); }
  if (f.mnem === M.Xlatb) { b.setReg(3, BigInt(0x20000000 + val.int(0xff00))); avoid.add(3); }
  if (f.mnem === M.Cmpxchg16b) { avoid.add(0); avoid.add(1); avoid.add(2); avoid.add(3); }
  if (f.mnem === M.Cmpxchg8b) { avoid.add(0); avoid.add(1); avoid.add(2); avoid.add(3); }
  if ((f.mnem === M.Div || f.mnem === M.Idiv) && rng.bool(0.8)) { avoid.add(0); avoid.add(2); }
  if (f.mnem === M.Popf || f.mnem === M.Popfq || f.mnem === M.Popfd) b.fixed.add(RSP);

  if (f.mnem === M.Xlatb) {
    // XLAT's implicit [rBX + AL] operand has no encoder shape: its bytes are fixed.
    b.raw(new Uint8Array(rng.bool(0.3) ? [0x48, 0xd7] : [0xd7]));
    b.forms.push(f.name);
    return b.build(compat ? 'integer32' : 'integer');
  }
  let picked: Picked;
  let lock = false;
  try {
    picked = pickOperands(b, f, {
      avoid, room, imm, align: f.mnem === M.Cmpxchg16b ? 16 : undefined,
    });
    lock = f.lock && picked.slots[0]?.k === 'mem' && rng.bool(0.3);
    // A few LOCK prefixes where they are illegal (#UD).
    if (!lock && rng.bool(0.01)) lock = true;
    setUp(b, f, picked.slots, val);
    b.insn(f.code, picked.ops, { lock });
  } catch (e) {
    if (e instanceof Error && /operand kind/.test(e.message)) throw e;
    if (process.env.DT_DEBUG) console.log(f.name, String(e));
    return undefined;
  }
  const c = b.build(compat ? 'integer32' : 'integer');
  softFor(f, picked.slots, c);
  return c;
}

/** Instruction-specific start values. */
function setUp(b: CaseBuilder, f: FormInfo, s: Slot[], rng: Rng): void {
  const bits = (s[0]?.k === 'gpr' || s[0]?.k === 'mem') ? s[0].size * 8 : 64;
  switch (f.mnem) {
    case M.Div: case M.Idiv: {
      const w = BigInt(s[0].k === 'gpr' || s[0].k === 'mem' ? s[0].size * 8 : 64);
      const mask = (1n << w) - 1n;
      let d = b.value(Number(w));
      if (rng.bool(0.1)) d = 0n;
      setSlot(b, s[0], d);
      const ax = b.value(Number(w)), signed = f.mnem === M.Idiv;
      const sign = BigInt.asIntN(Number(w), ax) < 0n ? mask : 0n;
      // Mostly a dividend that fits (no #DE), sometimes an arbitrary high half.
      const dx = rng.bool(0.7) ? (signed ? sign : (rng.bool(0.5) ? 0n : (rng.u64() & mask) % (d || 1n))) : b.value(Number(w));
      if (w === 8n) { b.gpr[0] = (b.gpr[0] & ~0xffffn) | ((dx & 0xffn) << 8n) | (ax & 0xffn); }
      else { setLow(b, 0, w, ax); setLow(b, 2, w, dx); }
      if (signed && rng.bool(0.1)) { // INT_MIN / -1 overflows
        setSlot(b, s[0], mask);
        if (w === 8n) b.gpr[0] = (b.gpr[0] & ~0xffffn) | 0xff80n; else { setLow(b, 0, w, 1n << (w - 1n)); setLow(b, 2, w, mask); }
      }
      break;
    }
    case M.Cmpxchg:
      if (rng.bool(0.5)) {
        const v = s[0].k === 'gpr' ? regOf(b, s[0]) : b.value(bits);
        if (v !== undefined) { setSlot(b, s[0], v); setLow(b, 0, BigInt(bits), v); }
      }
      break;
    case M.Cmpxchg8b: case M.Cmpxchg16b: {
      const half = f.mnem === M.Cmpxchg8b ? 32n : 64n;
      const lo = b.value(Number(half)), hi = b.value(Number(half));
      if (rng.bool(0.5) && s[0].k === 'mem') b.patchInt(s[0].off, Number(half) / 4, (hi << half) | lo);
      setLow(b, 0, half, lo); setLow(b, 2, half, hi);
      break;
    }
    case M.Popf: case M.Popfq: case M.Popfd: {
      // Everything a user-mode POPF may try to change except TF and AC, which would trap later.
      const v = (rng.u32() & (0x8d5 | 0x400 | 0x4000 | 0x200000 | 0x3000 | 0x200 | 0x28 | 0x8000)) | 2;
      b.patch(Number(b.gpr[RSP] - 0x20000000n), leN(BigInt(v), 8));
      break;
    }
    case M.Bsf: case M.Bsr:
      // A zero source leaves the destination "undefined": AMD keeps it, Intel may not; make zero a
      // known, marked case and the rest non-zero.
      if (rng.bool(0.15)) setSlot(b, s[1], 0n);
      else if (s[1].k === 'mem' || (s[1].k === 'gpr' && !b.fixed.has(s[1].n))) setSlot(b, s[1], b.value(s[1].size * 8) | (1n << BigInt(rng.int(s[1].size * 8))));
      break;
    case M.Bound:
      // Bounds around the index half the time, so both outcomes (#BR or nothing) occur.
      if (s[1].k === 'mem' && s[0].k === 'gpr' && rng.bool(0.5)) {
        const w = s[0].size * 8, lo = BigInt.asIntN(w, b.value(w)), hi = lo + BigInt(rng.int(1000));
        const v = lo + BigInt(rng.int(Number(hi - lo) + 3)) - 1n;
        b.patchInt(s[1].off, s[0].size, lo); b.patchInt(s[1].off + s[0].size, s[0].size, hi);
        setSlot(b, s[0], BigInt.asUintN(w, v));
      }
      break;
    case M.Bt: case M.Bts: case M.Btr: case M.Btc:
      if (s[0].k === 'mem' && s[1].k === 'gpr') {
        const off = BigInt(rng.range(-2000, 2000));
        if (!b.fixed.has(s[1].n)) b.gpr[s[1].n] = BigInt.asUintN(64, off);
      }
      break;
  }
}

function setLow(b: CaseBuilder, n: number, bits: bigint, v: bigint): void {
  const mask = (1n << bits) - 1n;
  b.gpr[n] = bits === 32n ? v & mask : (b.gpr[n] & ~mask) | (v & mask);
}

/** Results the SDM leaves undefined for this instance, which vendors fill differently. */
function softFor(f: FormInfo, s: Slot[], c: Case): void {
  if ((f.mnem === M.Shld || f.mnem === M.Shrd) && (s[0].k === 'gpr' || s[0].k === 'mem') && s[0].size === 2) {
    const count = s[2].k === 'imm' ? s[2].v : c.gpr[1] & 0xffn;
    if ((count & 31n) > 16n) {
      c.soft = { ...c.soft, gpr: s[0].k === 'gpr' ? [s[0].n] : undefined, mem: s[0].k === 'mem' ? [[s[0].off, 2]] : undefined };
      c.undefFlags |= 0x8d5;
    }
  }
  if (f.mnem === M.Bswap && s[0].k === 'gpr' && s[0].size === 2) c.soft = { gpr: [s[0].n] };
  if ((f.mnem === M.Bsf || f.mnem === M.Bsr) && s[0].k === 'gpr') {
    const src = s[1].k === 'gpr' ? c.gpr[s[1].n] & ((1n << BigInt(s[1].size * 8)) - 1n) : undefined;
    const zeroPatch = s[1].k === 'mem' && c.patches.some((p) => p.off === (s[1] as { off: number }).off && p.bytes.every((x) => x === 0));
    if (src === 0n || zeroPatch) c.soft = { gpr: [s[0].n] };
  }
  // PUSH of a segment register with a 32/64-bit operand: Intel writes only the low 16 bits of the
  // slot, AMD the whole zero-extended selector.
  if (f.mnem === M.Push && /_(ES|CS|SS|DS|FS|GS)$/.test(f.name) && !/^Pushw/.test(f.name)) {
    const size = /^Pushd/.test(f.name) ? 4 : 8;
    const at = Number(BigInt.asUintN(32, c.gpr[RSP]) - 0x20000000n) - size;
    c.soft = { mem: [[at + 2, size - 2]] };
  }
  // 0F 0D with a register operand: AMD's PREFETCH group requires memory (#UD), Intel's is a NOP.
  if (/^Reservednop_.*_0F0D$/.test(f.name) && s[0].k === 'gpr') c.soft = { all: true };
  // RCL/RCR by a count that is a multiple of width + 1 rotate nothing, but AMD still writes OF
  // (undefined for counts other than 1).
  if ((f.mnem === M.Rcl || f.mnem === M.Rcr) && s.length > 1) {
    const count = s[1].k === 'imm' ? s[1].v : c.gpr[1] & 0xffn;
    if ((count & 31n) > 1n) c.undefFlags |= 0x800;
  }
}
