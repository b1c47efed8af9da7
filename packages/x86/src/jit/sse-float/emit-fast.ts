// Inline fast paths for the instructions compiled code runs most (scalar and packed arithmetic,
// COMIS, the common conversions). They compute with JS doubles and keep a result only when it is
// certainly what the hardware gives with no flag to add: round-to-nearest, the precision
// exception masked and either PE already set (sticky, so inexactness needs no detection) or the
// result exact, all operands normal or zero (no DE, no DAZ effect) and a normal finite result (no
// OE/UE, no FTZ effect).
// Anything else falls through to the exact helper, so these paths are optimisations only.
import { Mnemonic as M } from '../../iced/iced.js';
import { OK, RC, type Insn } from '../../ir.js';
import type { Emitter } from '../emitter.js';
import { F32 } from './fp.js';
import { ADD, DIV, MAX, MIN, MUL, SQRT, SUB } from './arith.js';
import { source } from './operands.js';

const MIN64 = '2.2250738585072014e-308', MAX64 = '1.7976931348623157e+308';
const MIN32 = '1.1754943508222875e-38', MAX32 = '3.4028234663852886e+38';
/** MXCSR & 0x7020 === 0x1020: RC nearest, PM masked, PE set. */
const NEAREST_PE = '(st.mxcsr & 0x7020) === 0x1020';

const normalOrZero = (v: string, min: string) => `(Math.abs(${v}) >= ${min} || ${v} === 0)`;
const normalResult = (v: string, min: string, max: string) => `Math.abs(${v}) > ${min} && Math.abs(${v}) <= ${max}`;

/** ADD/SUB/MUL/DIV/SQRT/MIN/MAX, packed or scalar (n elements). Returns false if not handled. */
export function fastArith(e: Emitter, i: Insn, op: number, fmt: number, n: number, d: number, bytes: number): boolean {
  if (op > SQRT) return false;
  const f32 = fmt === F32;
  const min = f32 ? MIN32 : MIN64, max = f32 ? MAX32 : MAX64;
  const view = f32 ? 'st.xmmF32' : 'st.xmmF64';
  const per = f32 ? 4 : 2;
  const s = i.ops[1];
  const args = source(e, s, bytes, n > 1);
  const srcView = s.k === OK.Mem ? (f32 ? 'ssef.mF32' : 'ssef.mF64') : view;
  const srcBase = s.k === OK.Mem ? 0 : per * s.reg;
  const t = e.tmp('f');
  const conds: string[] = [];
  const stores: string[] = [];
  const decl: string[] = [];
  const exact: string[] = [];
  for (let k = 0; k < n; k++) {
    const a = `${t}a${k}`, b = `${t}b${k}`, x = `${t}x${k}`, v = `${t}v${k}`;
    decl.push(`${b} = ${srcView}[${srcBase + k}]`);
    if (op !== SQRT) decl.push(`${a} = ${view}[${per * d + k}]`);
    let expr: string;
    switch (op) {
      case ADD: expr = `${a} + ${b}`; break;
      case SUB: expr = `${a} - ${b}`; break;
      case MUL: expr = `${a} * ${b}`; break;
      case DIV: expr = `${a} / ${b}`; break;
      case SQRT: expr = `Math.sqrt(${b})`; break;
      case MIN: expr = `${a} < ${b} ? ${a} : ${b}`; break;
      default: expr = `${a} > ${b} ? ${a} : ${b}`;
    }
    if (op !== SQRT) conds.push(normalOrZero(a, min));
    conds.push(normalOrZero(b, min));
    if (op === MIN || op === MAX) decl.push(`${v} = ${expr}`);
    else {
      // x: the double result; v: rounded to the format. ssef.ex decides exactness when PE is clear.
      decl.push(`${x} = ${expr}`, `${v} = ${f32 ? `Math.fround(${x})` : x}`);
      conds.push(normalResult(v, min, max));
      exact.push(`ssef.ex(${op}, ${op === SQRT ? b : a}, ${b}, ${x}, ${v})`);
    }
    stores.push(`${view}[${per * d + k}] = ${v};`);
  }
  if (op !== MIN && op !== MAX) {
    // Round to nearest with PM masked, and either PE already set (sticky) or an exact result.
    conds.unshift('(st.mxcsr & 0x7000) === 0x1000');
    conds.push(`((st.mxcsr & 0x20) !== 0 || ${exact.join(' && ')})`);
  }
  e.emit(`const ${decl.join(', ')};`);
  const helper = op === SQRT ? 'un' : 'ar';
  e.emit(`if (${conds.join(' && ')}) { ${stores.join(' ')} } else ssef.${helper}(c, ${op}, ${fmt}, ${n}, ${d}, ${args});`);
  return true;
}

const CMP_JS = ['===', '<', '<=', '', '!==', '<', '<=', ''];

/**
 * CMPxx: normal-or-zero operands (no NaN, so no IE; no denormal, so no DE) compare inline.
 * `args` are the helper arguments after the source was read.
 */
export function fastCmp(e: Emitter, i: Insn, pred: number, fmt: number, n: number, d: number, args: string): boolean {
  const f32 = fmt === F32;
  const min = f32 ? MIN32 : MIN64;
  const view = f32 ? 'st.xmmF32' : 'st.xmmF64';
  const per = f32 ? 4 : 2;
  const s = i.ops[1];
  const srcView = s.k === OK.Mem ? (f32 ? 'ssef.mF32' : 'ssef.mF64') : view;
  const srcBase = s.k === OK.Mem ? 0 : per * s.reg;
  const t = e.tmp('q');
  const decl: string[] = [], conds: string[] = [], stores: string[] = [];
  for (let k = 0; k < n; k++) {
    const a = `${t}a${k}`, b = `${t}b${k}`;
    decl.push(`${a} = ${view}[${per * d + k}]`, `${b} = ${srcView}[${srcBase + k}]`);
    conds.push(normalOrZero(a, min), normalOrZero(b, min));
    // Ordered operands: UNORD is false, ORD true, the N* predicates negate.
    const v = pred === 3 ? '0' : pred === 7 ? '-1' : `${pred >= 5 ? '!' : ''}(${a} ${CMP_JS[pred]} ${b}) ? -1 : 0`;
    const w = 4 * d + (f32 ? k : 2 * k);
    stores.push(f32 ? `st.xmm[${w}] = ${v};` : `st.xmm[${w}] = st.xmm[${w + 1}] = ${v};`);
  }
  e.emit(`const ${decl.join(', ')};`);
  e.emit(`if (${conds.join(' && ')}) { ${stores.join(' ')} } else ssef.cmp(c, ${pred}, ${fmt}, ${n}, ${d}, ${args});`);
  return true;
}

/** COMIS/UCOMIS: ordered normal-or-zero operands set the flags inline. */
export function fastComi(e: Emitter, i: Insn, fmt: number, signaling: boolean, d: number, bytes: number): boolean {
  const f32 = fmt === F32;
  const min = f32 ? MIN32 : MIN64;
  const view = f32 ? 'st.xmmF32' : 'st.xmmF64';
  const s = i.ops[1];
  const args = source(e, s, bytes, false);
  const b = s.k === OK.Mem ? (f32 ? 'ssef.mF32[0]' : 'ssef.mF64[0]') : `${view}[${(f32 ? 4 : 2) * s.reg}]`;
  const t = e.tmp('c');
  e.emit(`const ${t}a = ${view}[${(f32 ? 4 : 2) * d}], ${t}b = ${b};`);
  e.emit(`const ${t} = ${normalOrZero(`${t}a`, min)} && ${normalOrZero(`${t}b`, min)} ` +
    `? (${t}a < ${t}b ? 0 : ${t}a === ${t}b ? 1 : 2) : ssef.comi(c, ${signaling}, ${fmt}, ${d}, ${args});`);
  comiFlags(e, t);
  return true;
}

/** RFLAGS from a COMIS relation (LT 0, EQ 1, GT 2, UN 3), unless no later instruction reads them. */
export function comiFlags(e: Emitter, rel: string): void {
  if (e.flagsLive) e.emit(`r[32] = ssef.cres[${rel}]; r[33] = 0; r[34] = ssef.caux[${rel}];`);
}

/**
 * Conversions with an easy exact case: int32 → double, float ↔ double, truncation to int.
 * `d` is the destination register (XMM or GPR). Returns false for the forms left to helpers.
 */
export function fastCvt(e: Emitter, i: Insn, d: number): boolean {
  const s = i.ops[1];
  switch (i.mnem) {
    case M.Cvtsi2sd: case M.Cvtsi2ss: {
      if (s.size === 8 || (s.k === OK.Reg && s.rc !== RC.Gpr)) return false;
      const t = e.tmp('v');
      e.emit(`const ${t} = ${e.load(s)};`);
      if (i.mnem === M.Cvtsi2sd) { e.emit(`st.xmmF64[${2 * d}] = ${t};`); return true; }
      e.emit(`if (Math.fround(${t}) === ${t}) st.xmmF32[${4 * d}] = ${t}; else ssef.si2f(c, 0, ${d}, ${t}, ${t} >> 31);`);
      return true;
    }
    case M.Cvtss2sd: {
      const args = source(e, s, 4, false);
      const a = e.tmp('v');
      e.emit(`const ${a} = ${s.k === OK.Mem ? 'ssef.mF32[0]' : `st.xmmF32[${4 * s.reg}]`};`);
      e.emit(`if (${normalOrZero(a, MIN32)}) st.xmmF64[${2 * d}] = ${a}; else ssef.f2f(c, 0, 1, ${d}, ${args});`);
      return true;
    }
    case M.Cvtsd2ss: {
      const args = source(e, s, 8, false);
      const a = e.tmp('v'), v = e.tmp('w');
      e.emit(`const ${a} = ${s.k === OK.Mem ? 'ssef.mF64[0]' : `st.xmmF64[${2 * s.reg}]`}, ${v} = Math.fround(${a});`);
      e.emit(`if (${normalResult(v, MIN32, MAX32)} && (${v} === ${a} || ${NEAREST_PE})) st.xmmF32[${4 * d}] = ${v}; ` +
        `else ssef.f2f(c, 1, 1, ${d}, ${args});`);
      return true;
    }
    case M.Cvttsd2si: case M.Cvttss2si: {
      const f32 = i.mnem === M.Cvttss2si;
      const wide = i.ops[0].size === 8;
      const args = source(e, s, f32 ? 4 : 8, false);
      const a = e.tmp('v'), t = e.tmp('t');
      const view = f32 ? 'st.xmmF32' : 'st.xmmF64';
      e.emit(`const ${a} = ${s.k === OK.Mem ? (f32 ? 'ssef.mF32[0]' : 'ssef.mF64[0]') : `${view}[${(f32 ? 4 : 2) * s.reg}]`}, ${t} = Math.trunc(${a});`);
      // Inexact truncations need PE already set and no DAZ (a denormal would truncate exactly).
      const ok = e.tmp('ok'), lo = e.tmp('lo');
      const exact = `(${t} === ${a} || (st.mxcsr & 0x1060) === 0x1020)`;
      const range = wide ? `${t} > -9007199254740992 && ${t} < 9007199254740992` : `${t} > -2147483649 && ${t} < 2147483648`;
      e.emit(`const ${ok} = ${range} && ${exact};`);
      const call = `ssef.f2si(c, ${f32 ? 0 : 1}, true, ${wide}, ${args})`;
      if (wide) {
        const h = e.tmp('h');
        e.emit(`const ${h} = Math.floor(${t} / 4294967296), ${lo} = ${ok} ? (${t} - ${h} * 4294967296) | 0 : ${call};`);
        e.emit(`r[${2 * d}] = ${lo}; r[${2 * d + 1}] = ${ok} ? ${h} | 0 : ssef.bits.hi;`);
      } else {
        e.emit(`const ${lo} = ${ok} ? ${t} | 0 : ${call};`);
        e.emit(`r[${2 * d}] = ${lo}; r[${2 * d + 1}] = 0;`);
      }
      return true;
    }
    default: return false;
  }
}
