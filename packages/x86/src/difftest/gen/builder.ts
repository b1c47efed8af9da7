// Builds one case: a random start state, instructions encoded at their final addresses, memory
// operands steered into (or just outside) the data region by choosing base/index register values,
// and patches that put interesting values where the operands point.
import { Register } from '../../iced/iced.js';
import { codeName, decodeForms, encodeForm, type EncOperand, type EncPrefixes } from '../../iced/forms.js';
import { CASE_AREA, CODE_BASE, DATA_BASE, DATA_SIZE, type Case, type Patch, type SoftSpec } from '../format.js';
import type { Rng } from './rng.js';
import { intValue, leN, regValue } from './values.js';

const R = Register as unknown as Record<string, number>;
const G8 = ['AL', 'CL', 'DL', 'BL', 'SPL', 'BPL', 'SIL', 'DIL'];
const G16 = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];
const G32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const G64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI'];
/** iced Register of general register `n` (0-15) at `size` bytes. */
export function gpr(size: number, n: number): number {
  const name = size === 1 ? (n < 8 ? G8[n] : `R${n}L`) : size === 2 ? (n < 8 ? G16[n] : `R${n}W`)
    : size === 4 ? (n < 8 ? G32[n] : `R${n}D`) : (n < 8 ? G64[n] : `R${n}`);
  return R[name];
}
export const HIGH8 = [R.AH, R.CH, R.DH, R.BH];
export const xmm = (n: number) => R[`XMM${n}`];
export const mm = (n: number) => R[`MM${n}`];
export const st = (n: number) => R[`ST${n}`];
export const RSP = 4;

/** Where a memory operand ends up, relative to DATA_BASE (may be negative or past the end: a fault). */
export interface MemPlan {
  op: EncOperand;
  off: number;
}

export interface MemOptions {
  /** Access size in bytes (for placement and patches). */
  size: number;
  /** Required alignment of the effective address (16 for MOVAPS...), honoured unless a misalignment is wanted. */
  align?: number;
  /** Probability of an address just outside the data region. */
  outside?: number;
  /** Registers that may not serve as base/index (their values are fixed elsewhere). */
  avoid?: Set<number>;
  /** Keep this much room after the address (for bit offsets, string runs...). */
  room?: number;
  /** Force a plain [base + disp] form with this base register. */
  base?: number;
  noRip?: boolean;
}

/**
 * What a generator draws from. Variants of one case share `s` (re-seeded identically, so they
 * produce the same code, which Serval compiles once) and differ in `v` (register, flag, memory
 * and FPU/SSE start values).
 */
export interface GenContext {
  s: Rng;
  v: Rng;
  images: number;
  pool: number;
}

export class CaseBuilder {
  readonly gpr: bigint[];
  rflags: number;
  fx: Uint8Array | number;
  image: number;
  readonly patches: Patch[] = [];
  readonly codeOff: number;
  private readonly parts: Uint8Array[] = [];
  private len = 0;
  /** Registers whose values a memory operand or the generator has fixed. */
  readonly fixed = new Set<number>();
  readonly forms: string[] = [];
  soft: SoftSpec = {};
  compat = false;

  /** Structural choices (the code bytes and layout) come from `rng`, start values from `val`. */
  readonly rng: Rng;
  readonly val: Rng;

  constructor(g: GenContext, codeOff?: number) {
    const rng = this.rng = g.s, val = this.val = g.v;
    this.gpr = Array.from({ length: 16 }, () => regValue(val));
    this.gpr[RSP] = BigInt(DATA_BASE + 0x8000 + (rng.bool(0.9) ? rng.range(-0x200, 0x200) * 8 : rng.range(-0x1000, 0x1000)));
    this.rflags = (val.u32() & 0x8d5) | (val.bool(0.1) ? 0x400 : 0) | 2;
    this.fx = val.int(g.pool);
    this.image = rng.int(g.images); // shared by the variants: the data region is copied only when it changes
    this.codeOff = codeOff ?? CASE_AREA + rng.int(0x1800);
  }

  get ip(): number {
    return CODE_BASE + this.codeOff + this.len;
  }

  /** Appends raw bytes. */
  raw(b: Uint8Array): void {
    this.parts.push(b);
    this.len += b.length;
  }

  /** Appends hand-encoded instruction bytes, recording the forms they decode to. */
  rawInsn(b: Uint8Array): void {
    for (const d of decodeForms(b, this.ip, this.compat ? 32 : 64)) this.forms.push(d.invalid ? '(bad)' : codeName(d.code));
    this.raw(b);
  }

  /** Encodes and appends one instruction of form `code`; returns its bytes. */
  insn(code: number, ops: EncOperand[], pfx?: EncPrefixes): Uint8Array {
    const b = encodeCached(code, ops, this.ip, this.compat ? 32 : 64, pfx);
    this.raw(b);
    this.forms.push(codeName(code));
    return b;
  }

  /** An instruction's bytes at the current address, without appending them. */
  encodeHere(code: number, ops: EncOperand[], pfx?: EncPrefixes): Uint8Array {
    return encodeCached(code, ops, this.ip, this.compat ? 32 : 64, pfx);
  }

  /** Length of an instruction without appending it (for branches over later code). */
  sizeOf(code: number, ops: EncOperand[], pfx?: EncPrefixes): number {
    return this.encodeHere(code, ops, pfx).length;
  }

  setReg(n: number, v: bigint): void {
    this.gpr[n] = BigInt.asUintN(64, v);
    this.fixed.add(n);
  }

  patch(off: number, bytes: Uint8Array): void {
    const lo = Math.max(0, off), hi = Math.min(DATA_SIZE, off + bytes.length);
    if (hi > lo) this.patches.push({ off: lo, bytes: bytes.slice(lo - off, hi - off) });
  }

  /** Puts an integer of `size` bytes at data offset `off`. */
  patchInt(off: number, size: number, v: bigint): void {
    this.patch(off, leN(v, size));
  }

  /** A data offset for an access of `size` bytes, occasionally straddling an edge of the region. */
  pickOffset(o: MemOptions): number {
    const size = o.size, room = o.room ?? 0, rng = this.rng;
    if (rng.bool(o.outside ?? 0.03)) {
      return rng.bool() ? rng.range(-size - 4, -1) : DATA_SIZE - rng.range(0, size + 2);
    }
    const al = o.align && !rng.bool(0.1) ? o.align : 1;
    let off: number;
    switch (rng.int(5)) {
      case 0: off = rng.int(256); break; // near the start
      case 1: off = DATA_SIZE - room - size - rng.int(256); break; // near the end
      case 2: off = 4096 * rng.range(1, 15) - rng.int(size + 1); break; // across a page boundary
      default: off = room + rng.int(DATA_SIZE - 2 * room - size);
    }
    off = Math.max(room, Math.min(DATA_SIZE - room - size, off));
    return off - (((off % al) + al) % al);
  }

  /** A memory operand whose effective address is DATA_BASE + the chosen offset. */
  mem(o: MemOptions): MemPlan {
    const rng = this.rng;
    const off = this.pickOffset(o);
    const ea = BigInt(DATA_BASE + off);
    const avoid = o.avoid ?? new Set<number>();
    const free = (n: number) => !this.fixed.has(n) && !avoid.has(n) && n !== RSP;
    const pickReg = (): number => {
      for (let t = 0; t < 20; t++) { const n = rng.int(16); if (free(n)) return n; }
      return -1;
    };
    const kind = o.base !== undefined ? 1 : rng.weighted([o.noRip || this.compat ? 0 : 1, 5, 3, 1, 1]);
    if (kind === 0) return { op: { k: 'mem', base: R.RIP, index: 0, scale: 1, disp: Number(ea) }, off };
    const disp = rng.pick([0, 0, rng.range(-128, 127), rng.range(-0x8000, 0x8000)]);
    if (kind === 3 && !this.compat) { // absolute [disp32]
      return { op: { k: 'mem', base: 0, index: 0, scale: 1, disp: Number(ea) }, off };
    }
    const base = o.base ?? (kind === 4 && !avoid.has(RSP) ? RSP : pickReg());
    if (base < 0) return { op: { k: 'mem', base: 0, index: 0, scale: 1, disp: Number(ea) }, off };
    const w = this.compat ? 4 : 8;
    if (kind === 2) {
      const index = pickReg();
      if (index >= 0 && index !== base) {
        const scale = rng.pick([1, 2, 4, 8]);
        const iv = BigInt(rng.range(-64, 64));
        this.setReg(index, iv);
        this.setReg(base, ea - iv * BigInt(scale) - BigInt(disp));
        return { op: { k: 'mem', base: gpr(w, base), index: gpr(w, index), scale, disp }, off };
      }
    }
    if (o.base !== undefined && this.fixed.has(base)) {
      // A shared base register (sequences): reach the target through the displacement.
      const d = Number(ea - BigInt.asIntN(64, this.gpr[base]));
      return { op: { k: 'mem', base: gpr(w, base), index: 0, scale: 1, disp: d }, off };
    }
    if (base === RSP) {
      // [rsp + disp]: RSP keeps pointing into the region, the displacement reaches the target.
      const d = Number(ea - this.gpr[RSP]);
      this.fixed.add(RSP);
      return { op: { k: 'mem', base: gpr(w, RSP), index: 0, scale: 1, disp: d }, off };
    }
    this.setReg(base, ea - BigInt(disp));
    return { op: { k: 'mem', base: gpr(w, base), index: 0, scale: 1, disp }, off };
  }

  /** A random register operand of `size` bytes that is not fixed (RSP only rarely). */
  reg(size: number, opts: { allowHigh?: boolean; allowRsp?: boolean; avoid?: Set<number> } = {}): { reg: number; n: number } {
    const rng = this.rng;
    if (size === 1 && opts.allowHigh && rng.bool(0.15)) { const n = rng.int(4); return { reg: HIGH8[n], n }; }
    for (let t = 0; t < 30; t++) {
      const n = rng.int(this.compat ? 8 : 16);
      if (n === RSP && !(opts.allowRsp && rng.bool(0.1))) continue;
      if (opts.avoid?.has(n)) continue;
      return { reg: gpr(size, n), n };
    }
    return { reg: gpr(size, 0), n: 0 };
  }

  /** An immediate (part of the code: a structural choice). */
  imm(bits: number): bigint {
    return intValue(this.rng, bits);
  }

  /** A start value. */
  value(bits: number): bigint {
    return intValue(this.val, bits);
  }

  /** Finishes the case: decodes its code for the listing and the flags left undefined. */
  build(group: string, extra: Partial<Case> = {}): Case {
    const code = new Uint8Array(this.len);
    let p = 0;
    for (const b of this.parts) { code.set(b, p); p += b.length; }
    const start = CODE_BASE + this.codeOff;
    const dec = decodeCached(code, start, this.compat ? 32 : 64);
    return {
      code, codeOff: this.codeOff, image: this.image, patches: this.patches, gpr: this.gpr, rflags: this.rflags,
      fx: this.fx, compat: this.compat || undefined, group, forms: this.forms, undefFlags: undefinedFlags(dec),
      undefAt: dec.length > 1 ? undefinedBefore(dec, start) : undefined,
      soft: Object.keys(this.soft).length ? this.soft : undefined,
      text: dec.map((d) => d.text).join('; '),
      ...extra,
    };
  }
}

// Variants of a case encode and decode the same instructions again: both are memoized.
const encodeMemo = new Map<string, Uint8Array | Error>();
const decodeMemo = new Map<string, ReturnType<typeof decodeForms>>();

function opKey(o: EncOperand): string {
  switch (o.k) {
    case 'reg': return `r${o.reg}`;
    case 'mem': return `m${o.base},${o.index},${o.scale},${o.disp},${o.dispSize ?? 0}`;
    case 'imm': return `i${o.v}`;
    default: return `b${o.target}`;
  }
}

function encodeCached(code: number, ops: EncOperand[], ip: number, bits: 16 | 32 | 64, pfx?: EncPrefixes): Uint8Array {
  const key = `${code}|${ip}|${bits}|${ops.map(opKey).join('|')}|${pfx ? `${+!!pfx.lock}${+!!pfx.rep}${+!!pfx.repne}${pfx.seg ?? ''}` : ''}`;
  let r = encodeMemo.get(key);
  if (r === undefined) {
    try { r = encodeForm(code, ops, ip, bits, pfx); } catch (e) { r = e instanceof Error ? e : new Error(String(e)); }
    if (encodeMemo.size > 20000) encodeMemo.clear();
    encodeMemo.set(key, r);
  }
  if (r instanceof Error) throw r;
  return r;
}

function decodeCached(code: Uint8Array, ip: number, bits: 16 | 32 | 64): ReturnType<typeof decodeForms> {
  const key = `${ip}|${bits}|${Buffer.from(code).toString('hex')}`;
  let r = decodeMemo.get(key);
  if (!r) {
    r = decodeForms(code, ip, bits);
    if (decodeMemo.size > 20000) decodeMemo.clear();
    decodeMemo.set(key, r);
  }
  return r;
}

// Shifts and rotates by a count that may be zero leave every flag alone, so they cannot be
// trusted to define flags an earlier instruction left undefined.
const MAYBE_NO_FLAGS = /^(rol|ror|rcl|rcr|shl|sal|shr|sar|shld|shrd) /;

/** The flags left undefined before each instruction of a straight-line run, by address. */
export function undefinedBefore(dec: ReturnType<typeof decodeForms>, start: number): [number, number][] {
  const out: [number, number][] = [];
  let ip = start;
  for (let k = 0; k < dec.length; k++) {
    out.push([ip, undefinedFlags(dec.slice(0, k))]);
    ip += dec[k].len;
  }
  return out;
}

/** The EFLAGS bits left undefined at the end of a straight-line run. */
export function undefinedFlags(dec: ReturnType<typeof decodeForms>): number {
  let u = 0;
  for (const d of dec) {
    const defined = d.flagsWritten & ~d.flagsUndefined;
    if (!MAYBE_NO_FLAGS.test(d.text)) u &= ~defined;
    u |= d.flagsUndefined;
    // RCL/RCR by a multiple of width + 1 rotate nothing and iced says no flag changes, but AMD
    // still writes OF (undefined for every count but 1).
    if (/^rc[lr] /.test(d.text) && !/,1$/.test(d.text)) u |= 0x800;
  }
  return u;
}
