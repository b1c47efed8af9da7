// Turns a decoded block into a JS function. One pass computes which instructions' flag results are
// ever read (the rest skip the lazy-flag stores); a second emits each instruction's source; the
// factory binds the core's typed arrays and the runtime helpers as closure constants.
import { FlowControl, Mnemonic as M, iced } from '../iced/iced.js';
import { OK, type Insn } from '../ir.js';
import type { Cpu } from '../cpu.js';
import { Emitter, UnsupportedInsn, type BlockMode } from './emitter.js';
import * as alu from './ops-alu.js';
import * as data from './ops-data.js';
import * as flow from './ops-flow.js';
import { system } from './ops-system.js';
import { isStringOp, stringOp } from './ops-string.js';
import { extended, groupHelpers, pureGroupCalls } from './ops-ext.js';
import { cacheRegisters } from './regcache.js';
import { emitAtomic, needsAtomic } from './atomic.js';
import './groups.js';
import * as rt from './runtime.js';
import * as helpers from './helpers.js';
import { parityTable } from '../state.js';

const ARITH = 0x3f; // iced RflagsBits: OF SF ZF AF CF PF

type Emit = (e: Emitter, i: Insn) => void;
const table = new Map<number, Emit>();
const on = (ms: number[], f: Emit) => { for (const m of ms) table.set(m, f); };

on([M.Add], (e, i) => alu.alu(e, i, 'add'));
on([M.Or], (e, i) => alu.alu(e, i, 'or'));
on([M.Adc], (e, i) => alu.alu(e, i, 'adc'));
on([M.Sbb], (e, i) => alu.alu(e, i, 'sbb'));
on([M.And], (e, i) => alu.alu(e, i, 'and'));
on([M.Sub], (e, i) => alu.alu(e, i, 'sub'));
on([M.Xor], (e, i) => alu.alu(e, i, 'xor'));
on([M.Cmp], (e, i) => alu.alu(e, i, 'cmp'));
on([M.Test], (e, i) => alu.alu(e, i, 'test'));
on([M.Inc], (e, i) => alu.incDec(e, i, true));
on([M.Dec], (e, i) => alu.incDec(e, i, false));
on([M.Neg], alu.neg);
on([M.Not], alu.not);
on([M.Rol, M.Ror, M.Rcl, M.Rcr, M.Shl, M.Sal, M.Shr, M.Sar], alu.shift);
on([M.Shld], (e, i) => alu.shiftDouble(e, i, true));
on([M.Shrd], (e, i) => alu.shiftDouble(e, i, false));
on([M.Mul], (e, i) => alu.mul(e, i, false));
on([M.Imul], (e, i) => alu.mul(e, i, true));
on([M.Div], (e, i) => alu.div(e, i, false));
on([M.Idiv], (e, i) => alu.div(e, i, true));
on([M.Bt], (e, i) => alu.bitTest(e, i, 0));
on([M.Bts], (e, i) => alu.bitTest(e, i, 1));
on([M.Btr], (e, i) => alu.bitTest(e, i, 2));
on([M.Btc], (e, i) => alu.bitTest(e, i, 3));
on([M.Bsf], (e, i) => alu.bitScan(e, i, 'bsf'));
on([M.Bsr], (e, i) => alu.bitScan(e, i, 'bsr'));

on([M.Mov], data.mov);
on([M.Movzx], (e, i) => data.movExtend(e, i, false));
on([M.Movsx, M.Movsxd], (e, i) => data.movExtend(e, i, true));
on([M.Lea], data.lea);
on([M.Xchg], data.xchg);
on([M.Xadd], data.xadd);
on([M.Cmpxchg], data.cmpxchg);
on([M.Cmovo, M.Cmovno, M.Cmovb, M.Cmovae, M.Cmove, M.Cmovne, M.Cmovbe, M.Cmova, M.Cmovs, M.Cmovns,
  M.Cmovp, M.Cmovnp, M.Cmovl, M.Cmovge, M.Cmovle, M.Cmovg], data.cmov);
on([M.Seto, M.Setno, M.Setb, M.Setae, M.Sete, M.Setne, M.Setbe, M.Seta, M.Sets, M.Setns,
  M.Setp, M.Setnp, M.Setl, M.Setge, M.Setle, M.Setg], data.setcc);
on([M.Push], data.push);
on([M.Pop], data.pop);
on([M.Leave], data.leave);
on([M.Cbw, M.Cwde, M.Cdqe], data.extendAcc);
on([M.Cwd, M.Cdq, M.Cqo], data.signToDx);
on([M.Bswap], data.bswap);

on([M.Jmp], flow.jmp);
on([M.Jo, M.Jno, M.Jb, M.Jae, M.Je, M.Jne, M.Jbe, M.Ja, M.Js, M.Jns, M.Jp, M.Jnp, M.Jl, M.Jge, M.Jle, M.Jg], flow.jcc);
on([M.Call], flow.call);
on([M.Ret], flow.ret);
on([M.Retf], flow.retFar);
on([M.Loop, M.Loope, M.Loopne], flow.loop);
on([M.Jrcxz, M.Jecxz, M.Jcxz], flow.jrcxz);
on([M.Int, M.Int3, M.Into, M.Int1], flow.softInt);
on([M.Iret, M.Iretd, M.Iretq], flow.iret);

/** Instructions after which the block must end although control flows on (they change state a block assumes fixed). */
const ENDS_BLOCK = new Set<number>([
  M.Hlt, M.Sti, M.Popf, M.Popfd, M.Popfq, M.Wrmsr, M.Invlpg, M.Lgdt, M.Lidt, M.Lmsw, M.Cpuid,
  M.Swapgs, M.In, M.Out, M.Vmcall, M.Syscall, M.Sysret, M.Sysretq, M.Ltr, M.Lldt, M.Clts,
  // Far-pointer loads change a segment, as MOV to one does.
  M.Lds, M.Les, M.Lfs, M.Lgs, M.Lss,
]);

export function endsBlock(i: Insn): boolean {
  if (i.invalid) return true;
  if (i.flow !== FlowControl.Next && i.flow !== FlowControl.XbeginXabortXend) return true;
  if (ENDS_BLOCK.has(i.mnem)) return true;
  if (i.rep && isStringOp(i)) return true;
  // MOV to a control or segment register changes the mode, paging or a segment base.
  if (i.mnem === M.Mov && i.ops[0].k === OK.Reg && (i.ops[0].rc === 2 || i.ops[0].rc === 3 || i.ops[0].rc === 4)) return true;
  if (i.mnem === M.Pop && i.ops[0].k === OK.Reg && i.ops[0].rc === 2) return true;
  return false;
}

const JCC = new Set<number>([M.Jo, M.Jno, M.Jb, M.Jae, M.Je, M.Jne, M.Jbe, M.Ja, M.Js, M.Jns, M.Jp, M.Jnp, M.Jl, M.Jge, M.Jle, M.Jg]);
/** Conditional jumps a block may run past before one ends it. */
export const MAX_SIDE_EXITS = 3;

/**
 * Whether decoding may go on past this conditional jump (a side exit), so that the fall-through
 * path runs in the same block: dispatching a block costs as much as several instructions. A jump
 * back to the block's start is a loop instead (see selfLoop), which ends the block.
 */
export function isSideExit(i: Insn, blockStart: number): boolean {
  if (!JCC.has(i.mnem)) return false;
  const t = i.ops[0];
  return t.k === OK.Branch && (t.size === 8 ? t.hi * 4294967296 + (t.lo >>> 0) : t.lo >>> 0) !== blockStart;
}

const SHIFTS = new Set<number>([M.Rol, M.Ror, M.Rcl, M.Rcr, M.Shl, M.Sal, M.Shr, M.Sar, M.Shld, M.Shrd]);

/** Flags an instruction is certain to overwrite (a shift by a runtime count of 0 writes none). */
function kills(i: Insn): number {
  if (SHIFTS.has(i.mnem)) {
    const c = i.ops[i.ops.length - 1];
    const mask = i.opSize === 8 ? 63 : 31;
    if (i.ops.length === 1) return i.fWritten & ARITH;
    if (c.k !== OK.Imm || (c.lo & mask) === 0) return 0;
  }
  return i.fWritten & ARITH;
}

/** For each instruction: are any of the arithmetic flags it writes read before being overwritten? */
export function flagLiveness(insns: Insn[]): boolean[] {
  const live: boolean[] = new Array(insns.length);
  let needed = ARITH; // conservatively live at block exit
  for (let k = insns.length - 1; k >= 0; k--) {
    const i = insns[k];
    live[k] = (i.fWritten & needed & ARITH) !== 0;
    needed = (needed & ~kills(i)) | (i.fRead & ARITH);
    // Anything that can leave the block mid-way (a fault, an exit) exposes the flags as they are:
    // an exception handler or a signal frame sees EFLAGS as of the faulting instruction.
    if (i.flow !== FlowControl.Next || mayFault(i)) needed = ARITH;
  }
  return live;
}

/** Instructions that can fault before they complete: memory and stack accesses, division. */
function mayFault(i: Insn): boolean {
  if (i.stackInc !== 0 || i.mnem === M.Div || i.mnem === M.Idiv) return true;
  if (i.mnem === M.Lea || i.mnem === M.Nop) return false;
  for (const o of i.ops) if (o.k === OK.Mem) return true;
  return false;
}

const HELPER_NAMES = [
  'rd8', 'rd16', 'rd32', 'rd64', 'wr8', 'wr16', 'wr32', 'wr64',
  'auxAdd', 'auxSub', 'auxAdd64', 'auxSub64', 'mulu32',
  'shift32', 'shift64', 'shd32', 'shd64', 'mulAcc', 'mul128', 'imulN', 'imul64', 'divAcc', 'div128',
  'bitScan', 'canon', 'loadSeg', 'writeCr', 'readCr', 'writeDr', 'readDr',
] as const;
const HELPERS: Record<string, unknown> = { ...rt, ...helpers };
for (const n of HELPER_NAMES) if (typeof HELPERS[n] !== 'function') throw new Error(`jit helper ${n} is missing`);

/** Binds what the body uses, and only that: every byte of source costs compile time. */
function prologue(body: string): string {
  const called = new Set<string>();
  for (const m of body.matchAll(/\b([A-Za-z][\w]*)\(/g)) called.add(m[1]);
  const helpers = HELPER_NAMES.filter((n) => called.has(n));
  const groups = [...groupHelpers().keys()].filter((g) => body.includes(`${g}.`));
  return [
    'const r = c.r, r8 = c.r8, r16 = c.r16, st = c.state, sb = st.segBase, P = H.parity;',
    helpers.length ? `const { ${helpers.join(', ')} } = H;` : '',
    groups.length ? `const { ${groups.join(', ')} } = H.groups;` : '',
  ].join('\n');
}

let helperObject: unknown;
function helperObjectFor(): unknown {
  // Rebuilt when a group registers late (tests may load groups after the first compile).
  const groups = Object.fromEntries(groupHelpers());
  if (!helperObject || Object.keys((helperObject as { groups: object }).groups).length !== groupHelpers().size) {
    helperObject = { ...HELPERS, parity: parityTable, groups };
  }
  return helperObject;
}

export interface CompiledBlock {
  fn: () => void;
  source: string;
}

/** Emits one instruction; returns false when nothing implements it. */
function emitOne(e: Emitter, i: Insn, allowed: ReadonlySet<number>): boolean {
  if (i.invalid) { e.fault(); e.emit('c.raise(6);'); return true; }
  // VMCALL is how guests call the hypervisor, whatever the CPUID says about VMX.
  if (i.mnem !== M.Vmcall && !i.features.every((f) => allowed.has(f))) {
    // ENDBR and RDSSP sit in the reserved-NOP space (F3 0F 1E): without CET they execute as NOPs,
    // leaving RDSSP's destination alone (which is how software detects that CET is off).
    if (HINT_NOPS.has(i.mnem)) return true;
    // CLFLUSHOPT is CLFLUSH with a 66 prefix, which CPUs without it ignore.
    if (i.mnem === M.Clflushopt && allowed.has(iced.CpuidFeature.CLFSH)) return true;
    e.fault(); e.emit('c.raise(6);'); return true;
  }
  if (i.lock && !lockable(i)) { e.fault(); e.emit('c.raise(6);'); return true; }
  if (isStringOp(i)) { stringOp(e, i); return true; }
  const f = table.get(i.mnem);
  if (f) {
    if (e.parallel && needsAtomic(i)) emitAtomic(e, i, f); else f(e, i);
    return true;
  }
  if (system(e, i)) return true;
  return extended(e, i);
}

// Opcodes in the reserved-NOP spaces (0F 0D, 0F 18-1F, F3 0F 1E) that CPUs without the feature run as NOPs.
const HINT_NOPS = new Set<number>([M.Endbr32, M.Endbr64, M.Rdsspd, M.Rdsspq, M.Cldemote, M.Prefetchit0,
  M.Prefetchit1, M.Prefetchwt1]);

/** LOCK is legal only on read-modify-write forms with a memory destination. */
function lockable(i: Insn): boolean {
  if (i.ops.length === 0 || i.ops[0].k !== OK.Mem) return false;
  return LOCKABLE.has(i.mnem);
}
const LOCKABLE = new Set<number>([M.Add, M.Adc, M.And, M.Btc, M.Btr, M.Bts, M.Cmpxchg, M.Cmpxchg8b,
  M.Cmpxchg16b, M.Dec, M.Inc, M.Neg, M.Not, M.Or, M.Sbb, M.Sub, M.Xor, M.Xadd, M.Xchg]);

/** Whether the block's last instruction can jump back to its first (a loop that is one block). */
function branchesToItself(insns: Insn[]): boolean {
  const last = insns[insns.length - 1];
  const t = last.ops[0];
  return (last.flow === FlowControl.ConditionalBranch || last.flow === FlowControl.UnconditionalBranch) &&
    t !== undefined && t.k === OK.Branch && (t.size === 8 ? t.hi * 4294967296 + (t.lo >>> 0) : t.lo >>> 0) === insns[0].ip;
}

/**
 * A block that branches to itself runs as a JS loop until it leaves or the run's budget is spent,
 * instead of returning to the dispatcher every iteration. Each iteration accounts its instructions
 * (and `blockStart`, which fault handling uses) as if the dispatcher had run it.
 */
function selfLoop(body: string, insns: Insn[]): string {
  // The first calls return after one iteration: V8 then has type feedback for the loop's exit path
  // (and the register write-back) before it compiles the hot loop; without it, optimized code
  // deoptimizes on every exit. A host waiting for an interrupt window (an interrupt became pending
  // while IF was 0, and an STI just before this loop opened it) must see the window now, not at the
  // end of the budget: otherwise when the interrupt lands depends on whether the loop is warm.
  return `for (;;) {\n${body}\nif (st.rip !== ${insns[0].ip} || c.icount >= c.runEnd || c.intercepts.interruptWindow || warmup > 0) { warmup--; return; }\nc.blockStart = c.icount; c.icount += ${insns.length};\n}`;
}

export function compileBlock(cpu: Cpu, insns: Insn[], mode: BlockMode): CompiledBlock {
  const e = new Emitter(mode);
  e.blockLen = insns.length;
  e.parallel = cpu.parallel;
  const live = flagLiveness(insns);
  let lastWroteRip = false;
  for (let k = 0; k < insns.length; k++) {
    const i = insns[k];
    e.begin(i, k, live[k]);
    let ok = false;
    try {
      ok = emitOne(e, i, cpu.features);
    } catch (err) {
      if (!(err instanceof UnsupportedInsn)) throw err;
      ok = false;
    }
    if (!ok) {
      e.begin(i, k, live[k]);
      e.fault();
      e.emit(`c.unimplemented(${k});`);
    }
    lastWroteRip = e.wroteRip;
    e.end();
  }
  if (!lastWroteRip) e.emitRaw(`st.rip = ${e.next};`);
  // On a parallel core a loop that is one block also ends when another core shot down translations.
  const looped = branchesToItself(insns)
    ? selfLoop(cpu.parallel ? `${e.source()}\nif (atom.stale(c)) return;` : e.source(), insns) : e.source();
  const hit = factories.get(looped);
  if (hit) return { fn: hit.factory(cpu, helperObjectFor()), source: hit.source };
  const body = cacheRegisters(looped, pureGroupCalls());
  const source = `${prologue(body)}\nlet warmup = 2;\nreturn function block() {\n${body}\n};`;
  const factory = new Function('c', 'H', source) as (c: Cpu, h: unknown) => () => void;
  if (factories.size >= MAX_FACTORIES) factories.clear();
  factories.set(looped, { factory, source });
  return { fn: factory(cpu, helperObjectFor()), source };
}

/**
 * Block factories by their code before register caching. The same code is compiled again and again
 * — a page written and run anew, a program loaded by each exec, the same code on another core —
 * and a hit skips register caching, V8's parse and its bytecode (a Linux boot: a quarter of its
 * 51,000 compiles, an eighth of its time). The source holds everything the code depends on (mode,
 * addresses, the core's parallelism), and each block still gets its own closure.
 */
const factories = new Map<string, { factory: (c: Cpu, h: unknown) => () => void; source: string }>();
const MAX_FACTORIES = 20_000;
