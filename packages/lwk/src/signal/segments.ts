// CS and SS across signal delivery and rt_sigreturn, as Linux 6.1 handles them on x86-64: the
// frame records the interrupted CS and SS (uc_flags says SS is there, and whether sigreturn must
// restore it strictly: only when the signal came from 64-bit code), the handler runs in 64-bit
// code with the old SS kept if it is still a usable data segment, and sigreturn returns wherever
// the frame says — 64-bit, 32-bit or 16-bit code, a GDT or LDT stack segment — after the checks
// IRET would make, a failed check becoming the signal Linux sends for a failed IRET.
import { type CpuState, SA, SEG, VEC } from '@serval/x86';
import type { Mm } from '../mm/mm.js';
import { type Gdt, USER_CS, USER_DS } from '../proc/ldt.js';

export const UC_SIGCONTEXT_SS = 2;
export const UC_STRICT_RESTORE_SS = 4;

const USER_DATA = SA.P | SA.S | SA.RW | SA.ACCESSED | SA.DB | SA.G | (3 << SA.DPL_SHIFT);
const USER_CODE64 = SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.L | SA.G | (3 << SA.DPL_SHIFT);

const attrOf = (hi: number): number => ((hi >>> 8) & 0x00ff) | ((hi >>> 8) & 0xf000);
const dplOf = (attr: number): number => (attr >> SA.DPL_SHIFT) & 3;

function load(s: CpuState, seg: number, sel: number, [lo, hi]: [number, number]): void {
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const l = (lo & 0xffff) | (hi & 0xf0000);
  s.setSegment(seg, sel, base, (hi & 0x800000) !== 0 ? l * 4096 + 0xfff : l, attrOf(hi) | SA.ACCESSED);
}

/**
 * Linux's force_valid_ss test: LAR accepts `sel` and it is a present DPL-3 read/write data segment
 * (expand-up or down). VERW would not do: it ignores the present bit.
 */
function usableSs(gdt: Gdt, mm: Mm, sel: number): [number, number] | undefined {
  if ((sel & 0xfffc) === 0) return undefined;
  const d = gdt.descriptor(mm, sel);
  if (!d) return undefined;
  const a = attrOf(d[1]);
  const ok = (a & (SA.P | SA.S)) === (SA.P | SA.S) && dplOf(a) === 3 && (a & 0xa) === SA.RW;
  return ok ? d : undefined;
}

/**
 * Signal delivery: the handler runs in 64-bit code; SS stays if it is usable (DOSEMU reads the
 * interrupted SS from the register), else becomes the flat user data segment. Returns what the
 * frame records: the interrupted selectors and uc_flags.
 */
export function enterHandler(s: CpuState, gdt: Gdt, mm: Mm): { cs: number; ss: number; ucFlags: number } {
  const cs = s.segSel[SEG.CS], ss = s.segSel[SEG.SS];
  const ucFlags = UC_SIGCONTEXT_SS | (cs === USER_CS ? UC_STRICT_RESTORE_SS : 0);
  s.setSegment(SEG.CS, USER_CS, 0, 0xffffffff, USER_CODE64);
  const keep = ss === USER_DS ? undefined : usableSs(gdt, mm, ss);
  if (keep) load(s, SEG.SS, ss, keep);
  else if (ss !== USER_DS || s.segAttr[SEG.SS] !== USER_DATA) s.setSegment(SEG.SS, USER_DS, 0, 0xffffffff, USER_DATA);
  return { cs, ss, ucFlags };
}

export interface IretFault { vector: number; err: number }

/**
 * rt_sigreturn's return to `cs`:`ss` (RPL forced to 3). Without UC_STRICT_RESTORE_SS a return to
 * 64-bit code with an unusable SS gets the flat one (old DOSEMU and CRIU rely on it). Then IRET's
 * checks: a failure leaves the selectors in CS and SS for the signal frame and returns the fault.
 * With an LDT SS Linux returns through the ESPFIX stack, where an IRET fault can only be reported
 * as #GP(0); that is what it reports, so that is what this reports too.
 */
export function returnTo(s: CpuState, gdt: Gdt, mm: Mm, csIn: number, ssIn: number, ucFlags: number): IretFault | undefined {
  const cs = csIn | 3;
  let ss = ssIn | 3;
  if (!(ucFlags & UC_STRICT_RESTORE_SS) && cs === USER_CS && !usableSs(gdt, mm, ss)) ss = USER_DS;
  const fail = (vector: number, sel: number): IretFault => {
    s.segSel[SEG.CS] = cs;
    s.segSel[SEG.SS] = ss;
    return (ss & 4) !== 0 ? { vector: VEC.GP, err: 0 } : { vector, err: sel & 0xfffc };
  };
  if ((cs & 0xfffc) === 0) return fail(VEC.GP, 0);
  const c = gdt.descriptor(mm, cs);
  if (!c) return fail(VEC.GP, cs);
  const ca = attrOf(c[1]);
  if ((ca & (SA.S | SA.CODE)) !== (SA.S | SA.CODE)) return fail(VEC.GP, cs);
  const conforming = (ca & SA.DC) !== 0;
  if (conforming ? dplOf(ca) > 3 : dplOf(ca) !== 3) return fail(VEC.GP, cs);
  if (!(ca & SA.P)) return fail(VEC.NP, cs);
  if ((ca & SA.L) && (ca & SA.DB)) return fail(VEC.GP, cs);
  if ((ss & 0xfffc) === 0) return fail(VEC.GP, 0);
  const d = gdt.descriptor(mm, ss);
  if (!d) return fail(VEC.GP, ss);
  const sa = attrOf(d[1]);
  if ((sa & (SA.S | SA.CODE | SA.RW)) !== (SA.S | SA.RW) || dplOf(sa) !== 3) return fail(VEC.GP, ss);
  if (!(sa & SA.P)) return fail(VEC.SS, ss);
  load(s, SEG.CS, cs, c);
  load(s, SEG.SS, ss, d);
  // Into 32- or 16-bit code only ESP survives (bits 31:16 of a 16-bit SS thanks to ESPFIX); bits
  // 63:32 come back zero, as they do on Intel CPUs (AMD leaks the ESPFIX stack's there).
  if (!(ca & SA.L)) s.set64(4, s.getBig(4) & 0xffffffffn);
  return undefined;
}
