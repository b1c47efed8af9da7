// Runtime helpers for the x87 comparisons: FCOM/FUCOM/FICOM (condition codes), FCOMI/FUCOMI
// (RFLAGS), FTST and FXAM.
import type { Cpu } from '../../cpu.js';
import { fromF32, fromF64, fromI32 } from '../../fpu/convert.js';
import { C0, C1, C2, C3, DE, IE } from '../../fpu/ext.js';
import { CMP_UN, XAM_EMPTY, compare, examine } from '../../fpu/misc.js';
import { R } from '../../state.js';
import type { CpuState } from '../../state.js';
import { rd16, rd32, rd64 } from '../runtime.js';
import { memDenormal } from './h-arith.js';
import { F, F2, begin, blocked, ieMasked, isEmpty, pop, raiseFlags, setIp, setIpDp, stackFault, waitMf } from './regs.js';

const CC = C0 | C1 | C2 | C3;

function setCC(s: CpuState, code: number): void {
  s.fpuStatus = (s.fpuStatus & ~CC) | code;
}

/** Sets ZF/PF/CF from a comparison outcome (C3/C2/C0 pattern) and clears OF/SF/AF. */
function setEflags(c: Cpu, code: number): void {
  const zf = (code & C3) !== 0, pf = (code & C2) !== 0, cf = (code & C0) !== 0 ? 1 : 0;
  const r = c.r;
  // The lazy-flag encoding CpuState.setRflags uses: ZF from the result, PF as a delta from the
  // parity of the result's low byte (1 when the result is 0, 0 when it is 1).
  r[R.LF_RES] = zf ? 0 : 1;
  r[R.LF_RESH] = 0;
  r[R.LF_AUX] = cf | (((pf ? 1 : 0) ^ (zf ? 1 : 0)) << 2);
}

/** Pops `pops` times after a comparison that completed (or a masked fault). */
function pops(s: CpuState, n: number): void {
  for (let k = 0; k < n; k++) pop(s);
}

/** FCOM/FCOMP/FCOMPP/FUCOM/FUCOMP/FUCOMPP ST(i). */
export function com(c: Cpu, ip: number, fop: number, i: number, n: number, quiet: boolean): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = s.fpuTop, q = (p + i) & 7;
  if (isEmpty(s, p) || isEmpty(s, q)) { underflow(s, n); return; }
  const f = begin(s);
  const code = compare(f, s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p], s.fpe[q], s.fpr[2 * q + 1], s.fpr[2 * q], quiet);
  finishCom(s, code, n);
}

/** An empty operand: unordered (whether or not IE is masked), popping only when it is masked. */
function underflow(s: CpuState, n: number): void {
  stackFault(s, false);
  setCC(s, CMP_UN);
  if (ieMasked(s)) pops(s, n);
}

/**
 * An unmasked invalid operation reports "unordered", an unmasked denormal operand the comparison's
 * outcome; neither pops.
 */
function finishCom(s: CpuState, code: number, n: number): void {
  setCC(s, blocked(s, IE) ? CMP_UN : code);
  raiseFlags(s, F.flags);
  if (!blocked(s, IE | DE)) pops(s, n);
}

/** Memory formats of FCOM/FICOM: as the arithmetic's (m32fp, m32int, m64fp, m16int). */
export function comMem(c: Cpu, ip: number, fop: number, fmt: number, ea: number, seg: number, n: number): void {
  waitMf(c);
  const s = c.state;
  F2.flags = 0;
  switch (fmt) {
    case 0: fromF32(F2, rd32(c, ea), false); break;
    case 1: fromI32(F2, rd32(c, ea)); break;
    case 2: { const lo = rd64(c, ea); fromF64(F2, lo, c.r[36], false); break; }
    default: fromI32(F2, (rd16(c, ea) << 16) >> 16); break;
  }
  setIpDp(c, ip, fop, ea, seg);
  const p = s.fpuTop;
  if (isEmpty(s, p)) { underflow(s, n); return; }
  const f = begin(s);
  const code = compare(f, s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p], F2.se, F2.hi, F2.lo, false);
  memDenormal(f, F2.flags, s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p]);
  finishCom(s, code, n);
}

/** FCOMI/FCOMIP/FUCOMI/FUCOMIP ST(0), ST(i). */
export function comi(c: Cpu, ip: number, fop: number, i: number, n: number, quiet: boolean): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = s.fpuTop, q = (p + i) & 7;
  if (isEmpty(s, p) || isEmpty(s, q)) {
    stackFault(s, false);
    setEflags(c, CMP_UN);
    if (ieMasked(s)) pops(s, n);
    return;
  }
  const f = begin(s);
  const code = compare(f, s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p], s.fpe[q], s.fpr[2 * q + 1], s.fpr[2 * q], quiet);
  setEflags(c, blocked(s, IE) ? CMP_UN : code);
  raiseFlags(s, f.flags);
  if (!blocked(s, IE | DE)) pops(s, n);
}

/** FTST: ST(0) against +0.0. */
export function tst(c: Cpu, ip: number, fop: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = s.fpuTop;
  if (isEmpty(s, p)) { underflow(s, 0); return; }
  const f = begin(s);
  const code = compare(f, s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p], 0, 0, 0, false);
  finishCom(s, code, 0);
}

/** FXAM: classify ST(0) into C3/C2/C0, its sign into C1. */
export function xam(c: Cpu, ip: number, fop: number): void {
  waitMf(c);
  const s = c.state;
  setIp(c, ip, fop);
  const p = s.fpuTop;
  const se = s.fpe[p];
  const code = isEmpty(s, p) ? XAM_EMPTY | (se & 0x8000 ? C1 : 0) : examine(se, s.fpr[2 * p + 1], s.fpr[2 * p]);
  setCC(s, code);
}
