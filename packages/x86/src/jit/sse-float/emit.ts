// Emitters for the SSE/SSE2 floating-point instructions (legacy encodings; the VEX forms have
// their own mnemonics and are not claimed here). Each instruction checks SSE availability, reads
// a memory source into `ssef.m` (after the alignment check of 16-byte packed operands), and then
// either runs an inline fast path (emit-fast.ts) or calls a helper that applies MXCSR exactly.
import { Mnemonic as M } from '../../iced/iced.js';
import { OK, RC, type Insn } from '../../ir.js';
import { UnsupportedInsn, type Emitter } from '../emitter.js';
import { F32, F64 } from './fp.js';
import { ADD, DIV, MAX, MIN, MUL, RCP, RSQRT, SQRT, SUB } from './arith.js';
import { comiFlags, fastArith, fastCmp, fastComi, fastCvt } from './emit-fast.js';
import { source } from './operands.js';

type Handler = (e: Emitter, i: Insn) => void;
const table = new Map<number, Handler>();

function xmmDest(i: Insn): number {
  const d = i.ops[0];
  if (d.k !== OK.Reg || d.rc !== RC.Xmm) throw new UnsupportedInsn('SSE destination is not an XMM register');
  return d.reg;
}

/** Packed (n elements, 16-byte aligned memory) or scalar (n 1) binary arithmetic. */
function arith(m: number, op: number, fmt: number, n: number): void {
  table.set(m, (e, i) => {
    const d = xmmDest(i);
    const bytes = n === 1 ? (fmt === F32 ? 4 : 8) : 16;
    if (fastArith(e, i, op, fmt, n, d, bytes)) return;
    e.emit(`ssef.${op === SQRT || op === RCP || op === RSQRT ? 'un' : 'ar'}(c, ${op}, ${fmt}, ${n}, ${d}, ${source(e, i.ops[1], bytes, n > 1)});`);
  });
}
for (const [name, op] of [['Add', ADD], ['Sub', SUB], ['Mul', MUL], ['Div', DIV], ['Min', MIN], ['Max', MAX], ['Sqrt', SQRT]] as const) {
  const mn = M as unknown as Record<string, number>;
  arith(mn[`${name}ps`], op, F32, 4);
  arith(mn[`${name}ss`], op, F32, 1);
  arith(mn[`${name}pd`], op, F64, 2);
  arith(mn[`${name}sd`], op, F64, 1);
}
arith(M.Rcpps, RCP, F32, 4);
arith(M.Rcpss, RCP, F32, 1);
arith(M.Rsqrtps, RSQRT, F32, 4);
arith(M.Rsqrtss, RSQRT, F32, 1);

function compare(m: number, fmt: number, n: number): void {
  table.set(m, (e, i) => {
    const d = xmmDest(i);
    const pred = i.ops[2].lo & 7;
    const bytes = n === 1 ? (fmt === F32 ? 4 : 8) : 16;
    const args = source(e, i.ops[1], bytes, n > 1);
    if (!fastCmp(e, i, pred, fmt, n, d, args)) e.emit(`ssef.cmp(c, ${pred}, ${fmt}, ${n}, ${d}, ${args});`);
  });
}
compare(M.Cmpps, F32, 4);
compare(M.Cmpss, F32, 1);
compare(M.Cmppd, F64, 2);
compare(M.Cmpsd, F64, 1);

function comi(m: number, fmt: number, signaling: boolean): void {
  table.set(m, (e, i) => {
    const d = xmmDest(i);
    const bytes = fmt === F32 ? 4 : 8;
    if (fastComi(e, i, fmt, signaling, d, bytes)) return;
    const t = e.tmp('rel');
    e.emit(`const ${t} = ssef.comi(c, ${signaling}, ${fmt}, ${d}, ${source(e, i.ops[1], bytes, false)});`);
    comiFlags(e, t);
  });
}
comi(M.Comiss, F32, true);
comi(M.Ucomiss, F32, false);
comi(M.Comisd, F64, true);
comi(M.Ucomisd, F64, false);

// ---- conversions ----

/** Float-to-float: CVTPS2PD and CVTSS2SD read binary32, CVTPD2PS and CVTSD2SS binary64. */
function f2f(m: number, from: number, n: number, bytes: number, aligned: boolean): void {
  table.set(m, (e, i) => {
    const d = xmmDest(i);
    if (fastCvt(e, i, d)) return;
    e.emit(`ssef.f2f(c, ${from}, ${n}, ${d}, ${source(e, i.ops[1], bytes, aligned)});`);
  });
}
f2f(M.Cvtps2pd, F32, 2, 8, false);
f2f(M.Cvtss2sd, F32, 1, 4, false);
f2f(M.Cvtpd2ps, F64, 2, 16, true);
f2f(M.Cvtsd2ss, F64, 1, 8, false);

/** int32 elements to float; the MMX-register forms make the x87-to-MMX transition. */
function i2f(m: number, to: number, n: number, bytes: number, aligned: boolean): void {
  table.set(m, (e, i) => {
    const d = xmmDest(i);
    const s = i.ops[1];
    const fromMm = s.k === OK.Reg && s.rc === RC.Mmx;
    if (fromMm) e.emit('ssef.mf(c);');
    const src = source(e, s, bytes, aligned);
    if (fromMm) e.emit('ssef.mmx(c);');
    e.emit(`ssef.i2f(c, ${to}, ${n}, ${d}, ${src});`);
  });
}
i2f(M.Cvtdq2ps, F32, 4, 16, true);
i2f(M.Cvtdq2pd, F64, 2, 8, false);
i2f(M.Cvtpi2ps, F32, 2, 8, false);
i2f(M.Cvtpi2pd, F64, 2, 8, false);

/** Float elements to int32, into an XMM register or (always an MMX transition) an MMX register. */
function f2i(m: number, from: number, n: number, trunc: boolean, bytes: number): void {
  table.set(m, (e, i) => {
    const dst = i.ops[0];
    const toMm = dst.rc === RC.Mmx;
    if (toMm) e.emit('ssef.mf(c);');
    const src = source(e, i.ops[1], bytes, bytes === 16);
    if (toMm) e.emit('ssef.mmx(c);');
    e.emit(`ssef.f2i(c, ${from}, ${n}, ${trunc}, ${toMm}, ${dst.reg}, ${src});`);
  });
}
f2i(M.Cvtps2dq, F32, 4, false, 16);
f2i(M.Cvttps2dq, F32, 4, true, 16);
f2i(M.Cvtpd2dq, F64, 2, false, 16);
f2i(M.Cvttpd2dq, F64, 2, true, 16);
f2i(M.Cvtps2pi, F32, 2, false, 8);
f2i(M.Cvttps2pi, F32, 2, true, 8);
f2i(M.Cvtpd2pi, F64, 2, false, 16);
f2i(M.Cvttpd2pi, F64, 2, true, 16);

/** CVTSI2SS/CVTSI2SD from a 32- or 64-bit GPR or memory operand. */
function si2f(m: number, to: number): void {
  table.set(m, (e, i) => {
    const d = xmmDest(i);
    const s = i.ops[1];
    if (fastCvt(e, i, d)) return;
    if (s.size === 8) {
      const [lo, hi] = e.load64(s);
      e.emit(`ssef.si2f(c, ${to}, ${d}, ${lo}, ${hi});`);
    } else {
      const t = e.tmp('v');
      e.emit(`const ${t} = ${e.load(s)};`);
      e.emit(`ssef.si2f(c, ${to}, ${d}, ${t}, ${t} >> 31);`);
    }
  });
}
si2f(M.Cvtsi2ss, F32);
si2f(M.Cvtsi2sd, F64);

/** CVT(T)SS2SI / CVT(T)SD2SI into a 32- or 64-bit GPR. */
function f2si(m: number, from: number, trunc: boolean): void {
  table.set(m, (e, i) => {
    const dst = i.ops[0];
    if (dst.k !== OK.Reg || dst.rc !== RC.Gpr) throw new UnsupportedInsn('CVT*2SI destination is not a GPR');
    if (fastCvt(e, i, dst.reg)) return;
    const src = source(e, i.ops[1], from === F32 ? 4 : 8, false);
    const t = e.tmp('v');
    e.emit(`const ${t} = ssef.f2si(c, ${from}, ${trunc}, ${dst.size === 8}, ${src});`);
    e.emit(`r[${2 * dst.reg}] = ${t}; r[${2 * dst.reg + 1}] = ${dst.size === 8 ? 'ssef.bits.hi' : '0'};`);
  });
}
f2si(M.Cvtss2si, F32, false);
f2si(M.Cvttss2si, F32, true);
f2si(M.Cvtsd2si, F64, false);
f2si(M.Cvttsd2si, F64, true);

// ---- MXCSR ----

table.set(M.Ldmxcsr, (e, i) => {
  e.emit(`ssef.ldmxcsr(c, rd32(c, ${e.ea(i.ops[0])}));`);
});
table.set(M.Stmxcsr, (e, i) => {
  e.emit(`wr32(c, ${e.ea(i.ops[0])}, st.mxcsr);`);
});

export function emitSseFloat(e: Emitter, i: Insn): boolean {
  const h = table.get(i.mnem);
  if (!h) return false;
  // CMPSD and MOVSD share mnemonics with string instructions; those have no XMM operand.
  if (i.mnem === M.Cmpsd && (i.ops[0]?.rc !== RC.Xmm)) return false;
  e.fault();
  if (e.requireSse()) h(e, i);
  return true;
}
