// Emitters for the x87 group: each instruction becomes (after the #NM check and, for waiting
// instructions, the pending-#MF check) one call into the `x87` helpers with its operands as
// constants, except a few control operations short enough to emit inline.
import { MemorySize as MS, Mnemonic as M } from '../../iced/iced.js';
import { OK, type Insn } from '../../ir.js';
import { condition, type Emitter } from '../emitter.js';
import { formOf, fopOf } from './fop.js';
import { Bin, MemFmt, Op, Push, Un } from './h-arith.js';
import { Fmt } from './h-move.js';

type Emit = (e: Emitter, i: Insn, ip: string, fop: number) => void;
const table = new Map<number, Emit>();
const on = (ms: number[], f: Emit) => { for (const m of ms) table.set(m, f); };

/** The ST(i) number of a register form's non-ST(0) operand (0 when there is none). */
function sti(i: Insn): number {
  const f = formOf(i.code);
  return f.sti >= 0 ? i.ops[f.sti].reg : i.ops.length === 1 && i.ops[0].k === OK.Reg ? i.ops[0].reg : 0;
}

function mem(i: Insn) {
  return i.ops.find((o) => o.k === OK.Mem);
}

/** `ea, seg` arguments for a memory operand. */
function addr(e: Emitter, i: Insn): string {
  const m = mem(i)!;
  return `${e.ea(m)}, ${m.seg}`;
}

const ARITH: [number, number, number][] = [
  [M.Fadd, Op.Add, 0], [M.Fmul, Op.Mul, 0], [M.Fsub, Op.Sub, 0], [M.Fsubr, Op.Subr, 0],
  [M.Fdiv, Op.Div, 0], [M.Fdivr, Op.Divr, 0],
  [M.Faddp, Op.Add, 1], [M.Fmulp, Op.Mul, 1], [M.Fsubp, Op.Sub, 1], [M.Fsubrp, Op.Subr, 1],
  [M.Fdivp, Op.Div, 1], [M.Fdivrp, Op.Divr, 1],
];
for (const [mn, op, p] of ARITH) {
  table.set(mn, (e, i, ip, fop) => {
    const m = mem(i);
    if (m) {
      const fmt = i.memSize === MS.Float32 ? MemFmt.F32 : MemFmt.F64;
      e.emit(`x87.arithMem(c, ${ip}, ${fop}, ${op}, ${fmt}, ${addr(e, i)});`);
      return;
    }
    e.emit(`x87.arith(c, ${ip}, ${fop}, ${op}, ${i.ops[0].reg}, ${i.ops[1].reg}, ${p ? 'true' : 'false'});`);
  });
}
for (const [mn, op] of [[M.Fiadd, Op.Add], [M.Fimul, Op.Mul], [M.Fisub, Op.Sub], [M.Fisubr, Op.Subr], [M.Fidiv, Op.Div], [M.Fidivr, Op.Divr]]) {
  table.set(mn, (e, i, ip, fop) => {
    const fmt = i.memSize === MS.Int16 ? MemFmt.I16 : MemFmt.I32;
    e.emit(`x87.arithMem(c, ${ip}, ${fop}, ${op}, ${fmt}, ${addr(e, i)});`);
  });
}

// ---- comparisons ----
const COMPARES: [number, number, boolean][] = [
  [M.Fcom, 0, false], [M.Fcomp, 1, false], [M.Fcompp, 2, false],
  [M.Fucom, 0, true], [M.Fucomp, 1, true], [M.Fucompp, 2, true],
];
for (const [mn, n, quiet] of COMPARES) {
  table.set(mn, (e, i, ip, fop) => {
    if (mem(i)) {
      const fmt = i.memSize === MS.Float32 ? MemFmt.F32 : MemFmt.F64;
      e.emit(`x87.comMem(c, ${ip}, ${fop}, ${fmt}, ${addr(e, i)}, ${n});`);
      return;
    }
    e.emit(`x87.com(c, ${ip}, ${fop}, ${n === 2 ? 1 : sti(i)}, ${n}, ${quiet});`);
  });
}
on([M.Ficom, M.Ficomp], (e, i, ip, fop) => {
  const fmt = i.memSize === MS.Int16 ? MemFmt.I16 : MemFmt.I32;
  e.emit(`x87.comMem(c, ${ip}, ${fop}, ${fmt}, ${addr(e, i)}, ${i.mnem === M.Ficomp ? 1 : 0});`);
});
for (const [mn, n, quiet] of [[M.Fcomi, 0, false], [M.Fcomip, 1, false], [M.Fucomi, 0, true], [M.Fucomip, 1, true]] as const) {
  table.set(mn, (e, i, ip, fop) => e.emit(`x87f.comi(c, ${ip}, ${fop}, ${sti(i)}, ${n}, ${quiet});`));
}
on([M.Ftst], (e, _i, ip, fop) => e.emit(`x87.tst(c, ${ip}, ${fop});`));
on([M.Fxam], (e, _i, ip, fop) => e.emit(`x87.xam(c, ${ip}, ${fop});`));

// ---- loads and stores ----
function memFmt(memSize: number): number {
  switch (memSize) {
    case MS.Float32: return Fmt.F32;
    case MS.Float64: return Fmt.F64;
    case MS.Float80: return Fmt.F80;
    case MS.Int16: return Fmt.I16;
    case MS.Int32: return Fmt.I32;
    case MS.Int64: return Fmt.I64;
    default: return Fmt.Bcd;
  }
}
on([M.Fld, M.Fild, M.Fbld], (e, i, ip, fop) => {
  if (mem(i)) e.emit(`x87.load(c, ${ip}, ${fop}, ${memFmt(i.memSize)}, ${addr(e, i)});`);
  else e.emit(`x87.loadReg(c, ${ip}, ${fop}, ${sti(i)});`);
});
const CONSTS = [M.Fld1, M.Fldl2t, M.Fldl2e, M.Fldpi, M.Fldlg2, M.Fldln2, M.Fldz];
CONSTS.forEach((mn, k) => table.set(mn, (e, _i, ip, fop) => e.emit(`x87.loadConst(c, ${ip}, ${fop}, ${k});`)));
on([M.Fst, M.Fstp, M.Fstpnce, M.Fist, M.Fistp, M.Fbstp], (e, i, ip, fop) => {
  const p = i.mnem !== M.Fst && i.mnem !== M.Fist;
  if (mem(i)) e.emit(`x87.store(c, ${ip}, ${fop}, ${memFmt(i.memSize)}, ${addr(e, i)}, ${p});`);
  else if (i.mnem === M.Fstpnce) e.emit(`x87.storeRegNce(c, ${ip}, ${fop}, ${sti(i)});`);
  else e.emit(`x87.storeReg(c, ${ip}, ${fop}, ${sti(i)}, ${p});`);
});
on([M.Fxch], (e, i, ip, fop) => e.emit(`x87.xch(c, ${ip}, ${fop}, ${sti(i)});`));
const FCMOV: [number, number][] = [
  [M.Fcmovb, 3], [M.Fcmove, 5], [M.Fcmovbe, 7], [M.Fcmovu, 11],
  [M.Fcmovnb, 4], [M.Fcmovne, 6], [M.Fcmovnbe, 8], [M.Fcmovnu, 12],
];
for (const [mn, cc] of FCMOV) {
  table.set(mn, (e, i, ip, fop) => e.emit(`x87.cmov(c, ${ip}, ${fop}, ${sti(i)}, ${condition(cc)});`));
}
on([M.Ffree, M.Ffreep], (e, i, ip, fop) => e.emit(`x87.free(c, ${ip}, ${fop}, ${sti(i)}, ${i.mnem === M.Ffreep});`));
on([M.Fincstp], (e, _i, ip, fop) => e.emit(`x87.incTop(c, ${ip}, ${fop}, 1);`));
on([M.Fdecstp], (e, _i, ip, fop) => e.emit(`x87.incTop(c, ${ip}, ${fop}, 7);`));
on([M.Fnop], (e, _i, ip, fop) => e.emit(`x87.nop(c, ${ip}, ${fop});`));
// The 8087/287 controls: nothing at all on a 387 and later (not even the pointers, measured).
on([M.Feni, M.Fneni, M.Fdisi, M.Fndisi, M.Fsetpm, M.Fnsetpm], () => { /* no operation */ });

// ---- ST(0)/ST(1) operations ----
const UNARY: [number, number][] = [
  [M.Fchs, Un.Chs], [M.Fabs, Un.Abs], [M.Fsqrt, Un.Sqrt], [M.Frndint, Un.Rndint], [M.F2xm1, Un.F2xm1],
  [M.Fsin, Un.Sin], [M.Fcos, Un.Cos],
];
for (const [mn, k] of UNARY) table.set(mn, (e, _i, ip, fop) => e.emit(`x87.unary(c, ${ip}, ${fop}, ${k});`));
const BINARY: [number, number][] = [
  [M.Fscale, Bin.Scale], [M.Fprem, Bin.Prem], [M.Fprem1, Bin.Prem1], [M.Fyl2x, Bin.Yl2x],
  [M.Fyl2xp1, Bin.Yl2xp1], [M.Fpatan, Bin.Patan],
];
for (const [mn, k] of BINARY) table.set(mn, (e, _i, ip, fop) => e.emit(`x87.binary(c, ${ip}, ${fop}, ${k});`));
for (const [mn, k] of [[M.Fxtract, Push.Xtract], [M.Fptan, Push.Ptan], [M.Fsincos, Push.Sincos]]) {
  table.set(mn, (e, _i, ip, fop) => e.emit(`x87.pushing(c, ${ip}, ${fop}, ${k});`));
}

// ---- control (no FIP/FOP update) ----
on([M.Fninit, M.Finit], (e) => e.emit('x87.init(c);'));
on([M.Fnclex, M.Fclex], (e) => e.emit('st.fpuStatus &= 0x7f00;'));
on([M.Fldcw], (e, i) => { const m = mem(i)!; e.emit(`x87.ldcw(c, rd16(c, ${e.ea(m)}));`); });
on([M.Fnstcw, M.Fstcw], (e, i) => { const m = mem(i)!; e.emit(`wr16(c, ${e.ea(m)}, st.fpuControl);`); });
on([M.Fnstsw, M.Fstsw], (e, i) => {
  const m = mem(i);
  if (m) e.emit(`wr16(c, ${e.ea(m)}, st.fpuStatus | (st.fpuTop << 11));`);
  else e.emit('r16[0] = st.fpuStatus | (st.fpuTop << 11);');
});
on([M.Fnstenv, M.Fstenv], (e, i) => e.emit(`x87.stenv(c, ${e.ea(mem(i)!)}, ${i.memSize === MS.FpuEnv28});`));
on([M.Fldenv], (e, i) => e.emit(`x87.ldenv(c, ${e.ea(mem(i)!)}, ${i.memSize === MS.FpuEnv28});`));
on([M.Fnsave, M.Fsave], (e, i) => e.emit(`x87.save(c, ${e.ea(mem(i)!)}, ${i.memSize === MS.FpuState108});`));
on([M.Frstor], (e, i) => e.emit(`x87.rstor(c, ${e.ea(mem(i)!)}, ${i.memSize === MS.FpuState108});`));
on([M.Wait], () => { /* only the checks */ });

const FXSR = new Set<number>([M.Fxsave, M.Fxsave64, M.Fxrstor, M.Fxrstor64]);
/** Encodings of other x87 generations (287XL, 386SL, Cyrix) and SSE3's FISTTP: #UD here. */
const UNDEFINED = new Set<number>([M.Frstpm, M.Fstdw, M.Fstsg, M.Fnstdw, M.Fnstsg, M.Ftstp, M.Frint2, M.Frichop, M.Frinear, M.Fisttp]);

export function emitX87(e: Emitter, i: Insn): boolean {
  if (UNDEFINED.has(i.mnem)) { e.fault(); e.emit('c.raise(6);'); return true; }
  if (FXSR.has(i.mnem)) {
    if (!e.requireFpu()) return true;
    e.fault();
    const save = i.mnem === M.Fxsave || i.mnem === M.Fxsave64;
    const wide = i.mnem === M.Fxsave64 || i.mnem === M.Fxrstor64;
    e.emit(`x87.${save ? 'fxsave' : 'fxrstor'}(c, ${e.ea(mem(i)!)}, ${wide});`);
    return true;
  }
  const f = table.get(i.mnem);
  if (!f) return false;
  const wait = i.mnem === M.Wait;
  if (!e.requireFpu(wait)) return true;
  // Waiting instructions check for a pending exception first: inside their helper, or here for
  // the ones emitted inline.
  if (!formOf(i.code).noWait && INLINE_WAITING.has(i.mnem)) { e.fault(); e.emit('x87.wait(c);'); }
  if (i.mnem !== M.Fninit && i.mnem !== M.Fnclex && i.mnem !== M.Fnstsw) e.fault();
  f(e, i, e.ip, wait ? 0 : fopOf(i));
  return true;
}

/** Waiting instructions emitted without a helper that makes the check. */
const INLINE_WAITING = new Set<number>([M.Wait, M.Finit, M.Fclex, M.Fstcw, M.Fstsw, M.Fstenv, M.Fsave]);
