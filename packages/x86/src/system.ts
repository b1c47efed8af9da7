// Privileged and mode-changing semantics: segment loads, interrupt and exception delivery (real,
// protected and long mode), IRET, far transfers, SYSCALL/SYSRET, control registers.
import { CR0, CR4, EFER, FL, SEG, VEC } from './arch.js';
import { MAXPHYADDR } from './mmu.js';
import { Fault } from './signals.js';
import { type CpuState, SA, SEG_LDTR, SEG_TR } from './state.js';
import type { Cpu } from './cpu.js';

const P32 = 4294967296;

/** Descriptor attributes in `segAttr` layout from the high dword of a descriptor. */
export function attrOf(hi: number): number {
  return ((hi >>> 8) & 0x00ff) | ((hi >>> 8) & 0xf000);
}
function baseOf(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}
function limitOf(lo: number, hi: number): number {
  const l = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) !== 0 ? l * 4096 + 0xfff : l;
}

/** Reads the 8-byte descriptor for `sel`; #GP(sel) when it lies beyond the table limit. */
function descriptor(c: Cpu, sel: number): [number, number, number] {
  const s = c.state;
  const ldt = (sel & 4) !== 0;
  const base = ldt ? s.segBase[SEG_LDTR] : s.gdtrBase;
  const limit = ldt ? s.segLimit[SEG_LDTR] : s.gdtrLimit;
  const off = sel & 0xfff8;
  if (off + 7 > limit) throw new Fault(VEC.GP, sel & 0xfffc);
  const la = base + off;
  return [c.sysRead32(la), c.sysRead32(la + 4), la];
}

function setAccessed(c: Cpu, la: number, hi: number): void {
  if ((hi & 0x100) === 0) c.sysWrite32(la + 4, hi | 0x100);
}

/** MOV/POP to ES, SS, DS, FS, GS. */
export function loadSegment(c: Cpu, seg: number, sel: number): void {
  const s = c.state;
  if ((s.cr0 & CR0.PE) === 0 || (s.r[35] & FL.VM) !== 0) {
    s.loadRealModeSegment(seg, sel);
    if (seg === SEG.SS) s.intShadow = true;
    c.modeChanged();
    return;
  }
  if (seg === SEG.CS) throw new Fault(VEC.UD);
  const cpl = s.cpl;
  if ((sel & 0xfffc) === 0) {
    if (seg === SEG.SS && !(s.is64 && cpl < 3)) throw new Fault(VEC.GP, 0);
    s.segSel[seg] = sel; s.segBase[seg] = 0; s.segLimit[seg] = 0; s.segAttr[seg] = 0;
    if (seg === SEG.SS) { s.segAttr[seg] = SA.DB | (cpl << SA.DPL_SHIFT); s.intShadow = true; c.modeChanged(); }
    return;
  }
  const [lo, hi, la] = descriptor(c, sel);
  const attr = attrOf(hi);
  const dpl = (attr >> SA.DPL_SHIFT) & 3;
  const rpl = sel & 3;
  const code = (attr & SA.CODE) !== 0;
  if ((attr & SA.S) === 0) throw new Fault(VEC.GP, sel & 0xfffc);
  if (seg === SEG.SS) {
    if (code || (attr & SA.RW) === 0 || rpl !== cpl || dpl !== cpl) throw new Fault(VEC.GP, sel & 0xfffc);
    if ((attr & SA.P) === 0) throw new Fault(VEC.SS, sel & 0xfffc);
  } else {
    if (code && (attr & SA.RW) === 0) throw new Fault(VEC.GP, sel & 0xfffc);
    const conforming = code && (attr & SA.DC) !== 0;
    if (!conforming && dpl < Math.max(cpl, rpl)) throw new Fault(VEC.GP, sel & 0xfffc);
    if ((attr & SA.P) === 0) throw new Fault(VEC.NP, sel & 0xfffc);
  }
  setAccessed(c, la, hi);
  s.segSel[seg] = sel;
  s.segBase[seg] = baseOf(lo, hi);
  s.segLimit[seg] = limitOf(lo, hi);
  s.segAttr[seg] = attr | SA.ACCESSED;
  if (seg === SEG.SS) { s.intShadow = true; c.modeChanged(); }
}

/** Loads CS from a code descriptor with the given CPL (far transfers, IRET, interrupts). */
function loadCs(c: Cpu, sel: number, lo: number, hi: number, cpl: number): void {
  const s = c.state;
  s.segSel[SEG.CS] = (sel & 0xfffc) | cpl;
  s.segBase[SEG.CS] = baseOf(lo, hi);
  s.segLimit[SEG.CS] = limitOf(lo, hi);
  s.segAttr[SEG.CS] = attrOf(hi) | SA.ACCESSED;
  c.modeChanged();
}

function checkCode(c: Cpu, sel: number): [number, number, number] {
  if ((sel & 0xfffc) === 0) throw new Fault(VEC.GP, 0);
  const d = descriptor(c, sel);
  const attr = attrOf(d[1]);
  if ((attr & (SA.S | SA.CODE)) !== (SA.S | SA.CODE)) throw new Fault(VEC.GP, sel & 0xfffc);
  if ((attr & SA.P) === 0) throw new Fault(VEC.NP, sel & 0xfffc);
  return d;
}

function flatData(c: Cpu, seg: number, sel: number, dpl: number): void {
  c.state.setSegment(seg, sel, 0, 0xffffffff, SA.P | SA.S | SA.RW | SA.ACCESSED | SA.DB | SA.G | (dpl << SA.DPL_SHIFT));
}

// ---------------------------------------------------------------------------- all or nothing

/**
 * What a far transfer may change before it can fault: the segment registers, RSP and RFLAGS.
 * Restored when one faults part way, so that the fault is reported on the state before it.
 */
class Snapshot {
  readonly sel: Int32Array; readonly base: Float64Array; readonly limit: Float64Array; readonly attr: Int32Array;
  readonly regs: Int32Array;
  constructor(s: CpuState) {
    this.sel = s.segSel.slice(0, 6); this.base = s.segBase.slice(0, 6);
    this.limit = s.segLimit.slice(0, 6); this.attr = s.segAttr.slice(0, 6);
    this.regs = Int32Array.of(s.r[8], s.r[9], s.r[32], s.r[33], s.r[34], s.r[35]);
  }
  restore(c: Cpu): void {
    const s = c.state;
    s.segSel.set(this.sel); s.segBase.set(this.base); s.segLimit.set(this.limit); s.segAttr.set(this.attr);
    s.r[8] = this.regs[0]; s.r[9] = this.regs[1];
    s.r[32] = this.regs[2]; s.r[33] = this.regs[3]; s.r[34] = this.regs[4]; s.r[35] = this.regs[5];
    c.modeChanged();
  }
}

/** Runs a far transfer so that a fault part way through leaves the state as it was. */
function allOrNothing(c: Cpu, transfer: () => void): void {
  const saved = new Snapshot(c.state);
  try {
    transfer();
  } catch (e) {
    if (e instanceof Fault) saved.restore(c);
    throw e;
  }
}

// ---------------------------------------------------------------------------- far transfers

export function farTransfer(c: Cpu, call: boolean, sel: number, off: number, size: number, next: number): void {
  allOrNothing(c, () => farTransferOnce(c, call, sel, off, size, next));
}

function farTransferOnce(c: Cpu, call: boolean, sel: number, off: number, size: number, next: number): void {
  const s = c.state;
  if ((s.cr0 & CR0.PE) === 0) {
    if (call) { c.pushSys(size, s.segSel[SEG.CS]); c.pushSys(size, next); }
    s.loadRealModeSegment(SEG.CS, sel);
    s.rip = size === 2 ? off & 0xffff : off >>> 0;
    c.modeChanged();
    return;
  }
  const [lo, hi] = checkCode(c, sel);
  const attr = attrOf(hi);
  const dpl = (attr >> SA.DPL_SHIFT) & 3;
  const cpl = s.cpl;
  const conforming = (attr & SA.DC) !== 0;
  if (conforming ? dpl > cpl : (dpl !== cpl || (sel & 3) > cpl)) throw new Fault(VEC.GP, sel & 0xfffc);
  if (call) { c.pushSys(size, s.segSel[SEG.CS]); c.pushSys(size, next); }
  loadCs(c, sel, lo, hi, cpl);
  s.rip = size === 2 ? off & 0xffff : off;
}

export function retFar(c: Cpu, size: number, imm: number): void {
  allOrNothing(c, () => retFarOnce(c, size, imm));
}

function retFarOnce(c: Cpu, size: number, imm: number): void {
  const s = c.state;
  const ip = c.popSys(size);
  const cs = c.popSys(size) & 0xffff;
  if ((s.cr0 & CR0.PE) === 0) {
    s.loadRealModeSegment(SEG.CS, cs);
    s.rip = ip;
    c.adjustSp(imm);
    c.modeChanged();
    return;
  }
  const [lo, hi] = checkCode(c, cs);
  const rpl = cs & 3;
  if (rpl < s.cpl) throw new Fault(VEC.GP, cs & 0xfffc);
  c.adjustSp(imm);
  if (rpl > s.cpl) {
    const sp = c.popSys(size);
    const ss = c.popSys(size) & 0xffff;
    loadCs(c, cs, lo, hi, rpl);
    loadSegment(c, SEG.SS, ss);
    c.setSp(sp);
    c.adjustSp(imm);
  } else {
    loadCs(c, cs, lo, hi, rpl);
  }
  s.rip = ip;
}

// ---------------------------------------------------------------------------- flags

/** Writes RFLAGS the way POPF/IRET may at the current privilege. */
export function writeFlags(c: Cpu, v: number, size: number, fromIret: boolean): void {
  const s = c.state;
  const old = s.getRflags();
  const cpl = (s.cr0 & CR0.PE) === 0 ? 0 : s.cpl;
  const iopl = (old >> 12) & 3;
  let mask = FL.CF | FL.PF | FL.AF | FL.ZF | FL.SF | FL.TF | FL.DF | FL.OF | FL.NT | FL.AC | FL.ID;
  if (cpl === 0) mask |= FL.IOPL;
  if (cpl <= iopl) mask |= FL.IF;
  if (fromIret) mask |= FL.RF;
  // IRET at CPL 0 loads VIF and VIP as well; POPF never does.
  if (fromIret && cpl === 0) mask |= FL.VIF | FL.VIP;
  if (size === 2) mask &= 0xffff;
  s.setRflags(((old & ~mask) | (v & mask)) >>> 0);
}

// ---------------------------------------------------------------------------- interrupts

/** Trap: a hardware exception reported after its instruction (INT1/ICEBP), so it returns past it. */
export const enum IntKind { External = 0, Exception = 1, Soft = 2, SoftException = 3, Trap = 4 }

/** Exceptions that combine into a double fault (SDM Vol. 3A, Table 6-5). */
const CONTRIBUTORY = (1 << VEC.DE) | (1 << VEC.TS) | (1 << VEC.NP) | (1 << VEC.SS) | (1 << VEC.GP);
/** Exceptions whose error code is a selector (or IDT index) with the EXT bit. */
const SELECTOR_ERROR = (1 << VEC.TS) | (1 << VEC.NP) | (1 << VEC.SS) | (1 << VEC.GP);

/**
 * Delivers an interrupt or exception through the IVT/IDT; `returnRip` is what gets pushed. When
 * delivery itself faults, the second exception is delivered in its place (with CR2 and the error
 * code's EXT bit as the SDM gives them), unless the pair makes a double fault (SDM Vol. 3A,
 * 6.15, Table 6-5): then the second fault propagates, and the core raises #DF. Delivered this way,
 * the second exception is not offered to the host's exception intercepts.
 */
export function deliver(c: Cpu, vector: number, errorCode: number | undefined, kind: IntKind, returnRip: number): void {
  const s = c.state;
  const saved = new Snapshot(s);
  let second: Fault;
  try {
    deliverOnce(c, vector, errorCode, kind, returnRip);
    return;
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    saved.restore(c);
    second = e;
  }
  if (second.vector === VEC.PF) s.cr2 = second.cr2;
  // EXT: the fault arose delivering an event from outside the program (an exception or an
  // interrupt), not INT n, INT3 or INTO.
  const ext = kind === IntKind.External || kind === IntKind.Exception || kind === IntKind.Trap;
  let ec = second.errorCode;
  if (ext && ec !== undefined && ((SELECTOR_ERROR >> second.vector) & 1) !== 0) {
    ec |= 1;
    second = new Fault(second.vector, ec, second.cr2);
  }
  const first = kind === IntKind.Exception ? vector : -1;
  const firstContributory = first >= 0 && first < 32 && ((CONTRIBUTORY >> first) & 1) !== 0;
  const secondContributory = ((CONTRIBUTORY >> second.vector) & 1) !== 0;
  const double = first === VEC.DF || (firstContributory && secondContributory) ||
    (first === VEC.PF && (secondContributory || second.vector === VEC.PF));
  if (double) throw second;
  deliver(c, second.vector, ec, IntKind.Exception, s.rip);
}

function deliverOnce(c: Cpu, vector: number, errorCode: number | undefined, kind: IntKind, returnRip: number): void {
  const s = c.state;
  if ((s.cr0 & CR0.PE) === 0) {
    const ent = s.idtrBase + vector * 4;
    if (vector * 4 + 3 > s.idtrLimit) throw new Fault(VEC.GP, 0);
    const off = c.sysRead16(ent), seg = c.sysRead16(ent + 2);
    const flags = s.getRflags();
    c.pushSys(2, flags & 0xffff);
    c.pushSys(2, s.segSel[SEG.CS]);
    c.pushSys(2, returnRip & 0xffff);
    s.setRflags(flags & ~(FL.IF | FL.TF | FL.AC));
    s.loadRealModeSegment(SEG.CS, seg);
    s.rip = off;
    c.modeChanged();
    return;
  }
  const long = (s.efer & EFER.LMA) !== 0;
  const gateSize = long ? 16 : 8;
  const gateErr = vector * 8 + 2;
  if (vector * gateSize + gateSize - 1 > s.idtrLimit) throw new Fault(VEC.GP, gateErr);
  const ent = s.idtrBase + vector * gateSize;
  const glo = c.sysRead32(ent), ghi = c.sysRead32(ent + 4);
  const type = (ghi >>> 8) & 0x1f;
  const gdpl = (ghi >>> 13) & 3;
  const valid = long ? type === 0x0e || type === 0x0f : type === 0x0e || type === 0x0f || type === 0x06 || type === 0x07;
  if (!valid) throw new Fault(VEC.GP, gateErr);
  if ((kind === IntKind.Soft || kind === IntKind.SoftException) && gdpl < s.cpl) throw new Fault(VEC.GP, gateErr);
  if ((ghi & 0x8000) === 0) throw new Fault(VEC.NP, gateErr);
  const sel = glo >>> 16;
  let offset = ((glo & 0xffff) | (ghi & 0xffff0000)) >>> 0;
  if (long) offset += (c.sysRead32(ent + 8) | 0) * P32;
  else if (type === 0x06 || type === 0x07) offset &= 0xffff;
  const [clo, chi] = checkCode(c, sel);
  const cattr = attrOf(chi);
  const cdpl = (cattr >> SA.DPL_SHIFT) & 3;
  const cpl = s.cpl;
  const newCpl = (cattr & SA.DC) !== 0 ? cpl : cdpl;
  if (newCpl > cpl) throw new Fault(VEC.GP, sel & 0xfffc);
  const flags = s.getRflags();
  const oldSs = s.segSel[SEG.SS], oldCs = s.segSel[SEG.CS];
  const oldSp = c.getSp();
  if (long) {
    const ist = ghi & 7;
    let sp: number;
    if (ist !== 0) sp = c.sysRead64(s.segBase[SEG_TR] + 0x24 + (ist - 1) * 8);
    else if (newCpl < cpl) sp = c.sysRead64(s.segBase[SEG_TR] + 4 + newCpl * 8);
    else sp = oldSp;
    sp = Math.floor(sp / 16) * 16;
    const frame = [oldSs, oldSp, flags, oldCs, returnRip];
    if (errorCode !== undefined) frame.push(errorCode >>> 0);
    for (const v of frame) { sp -= 8; c.sysWrite64(sp, v); }
    if (newCpl < cpl) { s.setSegment(SEG.SS, newCpl, 0, 0, SA.DB | (newCpl << SA.DPL_SHIFT)); }
    loadCs(c, sel, clo, chi, newCpl);
    c.setSp64(sp);
  } else {
    const wide = type >= 0x0e;
    const w = wide ? 4 : 2;
    if (newCpl < cpl) {
      const tss = s.segBase[SEG_TR];
      const esp = c.sysRead32(tss + 4 + newCpl * 8) >>> 0;
      const ss = c.sysRead32(tss + 8 + newCpl * 8) & 0xffff;
      c.switchStack(ss, esp, newCpl);
      c.pushSys(w, oldSs);
      c.pushSys(w, oldSp);
    }
    c.pushSys(w, flags);
    c.pushSys(w, oldCs);
    c.pushSys(w, returnRip);
    if (errorCode !== undefined) c.pushSys(w, errorCode);
    loadCs(c, sel, clo, chi, newCpl);
  }
  let nf = flags & ~(FL.TF | FL.NT | FL.RF | FL.VM);
  if ((type & 1) === 0) nf &= ~FL.IF;
  s.setRflags(nf);
  s.rip = offset;
}

export function iret(c: Cpu, size: number): void {
  allOrNothing(c, () => iretOnce(c, size));
}

function iretOnce(c: Cpu, size: number): void {
  const s = c.state;
  if ((s.cr0 & CR0.PE) === 0) {
    const ip = c.popSys(size), cs = c.popSys(size) & 0xffff, fl = c.popSys(size);
    s.loadRealModeSegment(SEG.CS, cs);
    s.rip = ip;
    writeFlags(c, fl, size, true);
    c.modeChanged();
    return;
  }
  const long = (s.efer & EFER.LMA) !== 0;
  if (!long && (s.r[35] & FL.NT) !== 0) throw new Fault(VEC.GP, 0); // task return: unsupported
  const ip = c.popSys(size);
  const cs = c.popSys(size) & 0xffff;
  const fl = c.popSys(size);
  const [lo, hi] = checkCode(c, cs);
  const rpl = cs & 3;
  const cpl = s.cpl;
  if (rpl < cpl) throw new Fault(VEC.GP, cs & 0xfffc);
  if (long && s.is64 || rpl > cpl) {
    const sp = c.popSys(size);
    const ss = c.popSys(size) & 0xffff;
    writeFlags(c, fl, size, true);
    loadCs(c, cs, lo, hi, rpl);
    if ((ss & 0xfffc) === 0 && long && rpl < 3) {
      s.setSegment(SEG.SS, ss, 0, 0, SA.DB | (rpl << SA.DPL_SHIFT));
      c.modeChanged();
    } else {
      loadSegment(c, SEG.SS, ss);
    }
    if (s.is64) c.setSp64(size === 8 ? sp : sp >>> 0); else c.setSp(sp);
    if (rpl > cpl) {
      // Data segments the new privilege may not use become null.
      for (const sg of [SEG.ES, SEG.DS, SEG.FS, SEG.GS]) {
        const a = s.segAttr[sg];
        const dpl = (a >> SA.DPL_SHIFT) & 3;
        const confCode = (a & SA.CODE) !== 0 && (a & SA.DC) !== 0;
        if (!confCode && dpl < rpl && (s.segSel[sg] & 0xfffc) !== 0) { s.segSel[sg] = 0; s.segAttr[sg] = 0; }
      }
    }
  } else {
    writeFlags(c, fl, size, true);
    loadCs(c, cs, lo, hi, rpl);
  }
  s.rip = ip;
}

// ---------------------------------------------------------------------------- SYSCALL/SYSRET

export function syscallArch(c: Cpu, next: number): void {
  const s = c.state;
  // Intel: SYSCALL exists in 64-bit mode only (#UD in compatibility mode; AMD enters at CSTAR).
  if ((s.efer & EFER.SCE) === 0 || !s.is64) throw new Fault(VEC.UD);
  const flags = s.getRflags();
  s.set64(1, next);
  s.set64(11, flags);
  const sel = s.star[1] & 0xfffc;
  s.setSegment(SEG.CS, sel, 0, 0xffffffff, SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.L | SA.G);
  flatData(c, SEG.SS, sel + 8, 0);
  s.setRflags(flags & ~(s.sfmask | FL.RF) & 0x3fffff);
  s.rip = s.lstar;
  c.modeChanged();
}

export function sysret(c: Cpu, size: number): void {
  const s = c.state;
  if ((s.efer & EFER.SCE) === 0) throw new Fault(VEC.UD);
  if (s.cpl !== 0 || !s.is64) throw new Fault(VEC.GP, 0);
  const base = s.star[1] >>> 16;
  if (size === 8) {
    const rip = s.get64(1);
    if (rip < -140737488355328 || rip >= 140737488355328) throw new Fault(VEC.GP, 0);
    s.setSegment(SEG.CS, ((base + 16) & 0xfffc) | 3, 0, 0xffffffff, SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.L | SA.G | (3 << SA.DPL_SHIFT));
    s.rip = rip;
  } else {
    s.setSegment(SEG.CS, (base & 0xfffc) | 3, 0, 0xffffffff, SA.P | SA.S | SA.CODE | SA.RW | SA.ACCESSED | SA.DB | SA.G | (3 << SA.DPL_SHIFT));
    s.rip = s.get32(1);
  }
  flatData(c, SEG.SS, ((base + 8) & 0xfffc) | 3, 3);
  s.setRflags(((s.r[22] & 0x3c7fd7) | 2) >>> 0);
  c.modeChanged();
}

// ---------------------------------------------------------------------------- control registers

/** MOV to and from control registers: CPL 0 only (outside real mode). */
function requireCpl0(c: Cpu): void {
  const s = c.state;
  if ((s.cr0 & CR0.PE) !== 0 && s.cpl !== 0) throw new Fault(VEC.GP, 0);
}

/** CR4 bits this core may set: the architectural ones whose feature CPUID reports. */
function cr4Writable(c: Cpu): number {
  const [, , ecx1, edx1] = c.cpuidModel.get(1, 0, c.apicId);
  const [, ebx7, ecx7] = c.cpuidModel.get(7, 0, c.apicId);
  const has = (reg: number, bit: number) => ((reg >>> bit) & 1) !== 0;
  let v = CR4.PCE;
  if (has(edx1, 1)) v |= CR4.VME | CR4.PVI;
  if (has(edx1, 4)) v |= CR4.TSD;
  if (has(edx1, 2)) v |= CR4.DE;
  if (has(edx1, 3)) v |= CR4.PSE;
  if (has(edx1, 6)) v |= CR4.PAE;
  if (has(edx1, 7)) v |= CR4.MCE;
  if (has(edx1, 13)) v |= CR4.PGE;
  if (has(edx1, 24)) v |= CR4.OSFXSR;
  if (has(edx1, 25)) v |= CR4.OSXMMEXCPT;
  if (has(ecx1, 17)) v |= CR4.PCIDE;
  if (has(ecx1, 26)) v |= CR4.OSXSAVE;
  if (has(ecx7, 2)) v |= CR4.UMIP;
  if (has(ecx7, 16)) v |= CR4.LA57;
  if (has(ebx7, 0)) v |= CR4.FSGSBASE;
  if (has(ebx7, 7)) v |= CR4.SMEP;
  if (has(ebx7, 20)) v |= CR4.SMAP;
  return v;
}

/** CR3 bits 63:MAXPHYADDR, as a mask on the high dword: reserved while CR4.PCIDE is clear. */
const CR3_RSVD_HI = (~((1 << (MAXPHYADDR - 32)) - 1)) >>> 0;

export function writeCr(c: Cpu, n: number, lo: number, hi: number): void {
  const s = c.state;
  if (n !== 0 && n !== 2 && n !== 3 && n !== 4 && n !== 8) throw new Fault(VEC.UD);
  requireCpl0(c);
  switch (n) {
    case 0: {
      const v = (lo >>> 0) | CR0.ET;
      // Bits 63:32 are reserved; PG needs PE; NW needs CD; 64-bit code cannot turn paging off
      // (leaving long mode goes through compatibility mode).
      if (hi !== 0 || ((v & CR0.PG) !== 0 && (v & CR0.PE) === 0) || ((v & CR0.NW) !== 0 && (v & CR0.CD) === 0) ||
        (s.is64 && (v & CR0.PG) === 0)) {
        throw new Fault(VEC.GP, 0);
      }
      const enablingPaging = (v & CR0.PG) !== 0 && (s.cr0 & CR0.PG) === 0;
      if (enablingPaging && (s.efer & EFER.LME) !== 0 && (s.cr4 & CR4.PAE) === 0) throw new Fault(VEC.GP, 0);
      const changed = s.cr0 ^ v;
      s.cr0 = v | 0;
      if ((s.efer & EFER.LME) !== 0) {
        if ((v & CR0.PG) !== 0) s.efer |= EFER.LMA; else s.efer &= ~EFER.LMA;
      }
      if ((changed & (CR0.PG | CR0.WP | CR0.PE)) !== 0) c.flushTlb();
      c.modeChanged();
      return;
    }
    case 2: s.cr2 = hi * P32 + (lo >>> 0); return;
    case 3:
      if ((hi & CR3_RSVD_HI) !== 0 && (s.cr4 & CR4.PCIDE) === 0) throw new Fault(VEC.GP, 0);
      s.cr3 = (hi & 0x000fffff) * P32 + (lo >>> 0);
      c.flushTlb(true);
      return;
    case 4: {
      const v = lo >>> 0;
      if (hi !== 0 || (v & ~cr4Writable(c)) !== 0) throw new Fault(VEC.GP, 0);
      if ((s.efer & EFER.LMA) !== 0 && (v & CR4.PAE) === 0) throw new Fault(VEC.GP, 0);
      const changed = s.cr4 ^ v;
      s.cr4 = v;
      if ((changed & (CR4.PGE | CR4.PAE | CR4.PSE | CR4.SMEP | CR4.SMAP)) !== 0) c.flushTlb();
      return;
    }
    default:
      if (hi !== 0 || (lo & ~0xf) !== 0) throw new Fault(VEC.GP, 0);
      s.cr8 = lo & 0xf;
  }
}

export function readCr(c: Cpu, n: number, reg: number, wide: boolean): void {
  const s = c.state;
  let v: number;
  switch (n) {
    case 0: v = s.cr0 >>> 0; break;
    case 2: v = s.cr2; break;
    case 3: v = s.cr3; break;
    case 4: v = s.cr4 >>> 0; break;
    case 8: v = s.cr8; break;
    default: throw new Fault(VEC.UD);
  }
  requireCpl0(c);
  if (wide) s.set64(reg, v); else s.set32(reg, v >>> 0);
}

/** LGDT/LIDT/SGDT/SIDT operand: 2-byte limit then a 4- or 8-byte base. */
export function loadDescriptorTable(c: Cpu, idt: boolean, ea: number): void {
  const s = c.state;
  const limit = c.readLinear(ea, 2);
  const base = s.is64 ? c.readLinear64(ea + 2) : c.readLinear(ea + 2, 4) >>> 0;
  if (idt) { s.idtrBase = base; s.idtrLimit = limit; } else { s.gdtrBase = base; s.gdtrLimit = limit; }
}

export function storeDescriptorTable(c: Cpu, idt: boolean, ea: number): void {
  const s = c.state;
  const base = idt ? s.idtrBase : s.gdtrBase;
  c.writeLinear(ea, 2, idt ? s.idtrLimit : s.gdtrLimit, 0);
  if (s.is64) c.writeLinear(ea + 2, 8, base % P32 | 0, Math.floor(base / P32) | 0);
  else c.writeLinear(ea + 2, 4, base | 0, 0);
}

/** LTR and LLDT: system descriptors, 16 bytes in long mode. */
export function loadSystemSegment(c: Cpu, tr: boolean, sel: number): void {
  const s = c.state;
  const slot = tr ? SEG_TR : SEG_LDTR;
  if ((sel & 0xfffc) === 0) {
    if (tr) throw new Fault(VEC.GP, 0);
    s.segSel[slot] = 0; s.segAttr[slot] = 0; s.segBase[slot] = 0; s.segLimit[slot] = 0;
    return;
  }
  if ((sel & 4) !== 0) throw new Fault(VEC.GP, sel & 0xfffc);
  const [lo, hi, la] = descriptor(c, sel);
  const type = (hi >>> 8) & 0x1f;
  const okType = tr ? type === 0x09 || type === 0x01 : type === 0x02;
  if (!okType) throw new Fault(VEC.GP, sel & 0xfffc);
  if ((hi & 0x8000) === 0) throw new Fault(VEC.NP, sel & 0xfffc);
  let base = baseOf(lo, hi);
  if ((s.efer & EFER.LMA) !== 0) base += (c.sysRead32(la + 8) | 0) * P32;
  if (tr) c.sysWrite32(la + 4, hi | 0x200); // mark busy
  s.segSel[slot] = sel;
  s.segBase[slot] = base;
  s.segLimit[slot] = limitOf(lo, hi);
  s.segAttr[slot] = attrOf(tr ? hi | 0x200 : hi);
}
