// The `simd` instruction group: every SSE/SSE2/MMX instruction that does not interpret
// floating-point values (moves, logic, shuffles, unpacks, packed integer arithmetic, shifts, EMMS).
//
// Availability, as hardware checks it before anything else: forms with an XMM operand are SSE
// (#UD when CR0.EM or !CR4.OSFXSR, #NM when CR0.TS); forms with only MMX operands (including the
// SSE additions such as PSHUFW, PMINUB mm) are MMX (#UD when CR0.EM, #NM when CR0.TS). Whatever
// touches an MM register then takes a pending unmasked x87 exception (#MF) and, once it has
// completed, puts the x87 unit in MMX state: TOP = 0, every tag valid (EMMS: every tag empty), and
// each MM register it wrote gets sign/exponent all ones. A fault leaves the x87 state as it was,
// except for MASKMOVQ, which the reference CPU switches to MMX state before its store faults.
import { Code as C } from '../../iced/iced.js';
import { OK, RC, type Insn } from '../../ir.js';
import type { Emitter } from '../emitter.js';
import { registerGroup } from '../ops-ext.js';
import { Ops, on, table } from './operands.js';
import * as arith from './arith-helpers.js';
import * as misc from './helpers.js';
import { shift } from './shift-helpers.js';
import './moves.js';
import './logic-shuffle.js';
import './packed-int.js';
import './shifts.js';

on([C.Emms], () => { /* the state change is the dispatcher's */ });

/** General-register instructions that live in the SSE2 opcode space but need no SIMD unit. */
const NO_UNIT = new Set<number>([C.Movnti_m32_r32, C.Movnti_m64_r64]);

function emit(e: Emitter, i: Insn): boolean {
  const h = table.get(i.code);
  if (!h) return false;
  let xmm = false, mmx = i.code === C.Emms;
  for (const op of i.ops) {
    if (op.k !== OK.Reg) continue;
    if (op.rc === RC.Xmm) xmm = true;
    else if (op.rc === RC.Mmx) mmx = true;
  }
  if (!NO_UNIT.has(i.code)) {
    if (xmm ? !e.requireSse() : !e.requireMmx()) return true;
  }
  if (mmx) {
    e.fault();
    // Pending: an exception flag whose mask is clear (what sets FSW.ES). With CR0.NE clear,
    // hardware signals FERR# to an interrupt controller instead, which is not modelled: the
    // instruction proceeds.
    e.emit('if ((st.fpuStatus & ~st.fpuControl & 0x3f) !== 0 && (st.cr0 & 32) !== 0) throw simd.MF;');
  }
  // Instructions share one scope in a block: the locals need block-unique names.
  const o = new Ops(e, i);
  if (xmm) { o.X = e.tmp('X'); e.emit(`const ${o.X} = st.xmm;`); }
  if (mmx) { o.F = e.tmp('F'); e.emit(`const ${o.F} = st.fpr;`); }
  const early = mmx && i.code === C.Maskmovq_rDI_mm_mm;
  if (early) e.emit('st.fpuTop = 0; st.fpuTag = 0;');
  h(o, i);
  if (mmx && !early) e.emit(`st.fpuTop = 0; st.fpuTag = ${i.code === C.Emms ? '0xffff' : '0'};`);
  return true;
}

// No helper touches the general registers or flags.
registerGroup('simd', emit, { ...arith, ...misc, shift }, { pure: true });
