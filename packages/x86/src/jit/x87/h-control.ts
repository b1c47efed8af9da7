// Runtime helpers for the x87 control instructions: FNINIT, FNCLEX, FLDCW, FNSTENV/FLDENV,
// FNSAVE/FRSTOR. Multi-byte images are built in a scratch buffer and written only after both ends
// of the destination proved writable, so a page fault leaves memory and state untouched.
import { FL, SEG } from '../../arch.js';
import type { Cpu } from '../../cpu.js';
import { Access } from '../../mmu.js';
import { R } from '../../state.js';
import type { CpuState } from '../../state.js';
import { rd16, rd32, wr16, wr32 } from '../runtime.js';
import { B, ES, isEmpty, tagOf, waitMf } from './regs.js';

export const buf = new Uint8Array(512);
export const view = new DataView(buf.buffer);

/**
 * The state images (FNSTENV/FNSAVE/FXSAVE and their loads) are checked from their last byte: an
 * image that runs into a missing page faults there, not at the page boundary (measured; single
 * operands like an m80 fault at the boundary, see probeWrite).
 */
export function probeImage(c: Cpu, ea: number, n: number, access: Access): void {
  if ((((ea % 4096) + 4096) % 4096) + n > 4096) c.translate(ea + n - 1, access, c.state.cpl === 3);
}

/** Writes buf[0, n) to memory (n even), after probing the image's last byte. */
export function writeOut(c: Cpu, ea: number, n: number): void {
  probeImage(c, ea, n, Access.Write);
  let k = 0;
  for (; k + 4 <= n; k += 4) wr32(c, ea + k, view.getInt32(k, true));
  if (k < n) wr16(c, ea + k, view.getUint16(k, true));
}

/** Reads n bytes (n even) from memory into buf[0, n), after probing the image's last byte. */
export function readIn(c: Cpu, ea: number, n: number): void {
  probeImage(c, ea, n, Access.Read);
  let k = 0;
  for (; k + 4 <= n; k += 4) view.setInt32(k, rd32(c, ea + k), true);
  if (k < n) view.setUint16(k, rd16(c, ea + k), true);
}

export function statusWord(s: CpuState): number {
  return (s.fpuStatus & ~0x3800) | (s.fpuTop << 11);
}

/** The full tag word as FSTENV/FSAVE report it: empty, or the class of the register's contents. */
export function fullTag(s: CpuState): number {
  let t = 0;
  for (let p = 0; p < 8; p++) {
    const tag = isEmpty(s, p) ? 3 : tagOf(s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p]);
    t |= tag << (2 * p);
  }
  return t;
}

/** Loads a status word: TOP into fpuTop, the rest into fpuStatus (ES/B are recomputed by the caller). */
export function setStatusWord(s: CpuState, v: number): void {
  s.fpuStatus = v & ~0x3800 & 0xffff;
  s.fpuTop = (v >> 11) & 7;
}

/** Loads a tag word: only "empty or not" is kept; contents decide the rest. */
export function setTagWord(s: CpuState, v: number): void {
  let t = 0;
  for (let p = 0; p < 8; p++) {
    const empty = ((v >> (2 * p)) & 3) === 3;
    t |= (empty ? 3 : tagOf(s.fpe[p], s.fpr[2 * p + 1], s.fpr[2 * p])) << (2 * p);
  }
  s.fpuTag = t;
}

export function init(c: Cpu): void {
  const s = c.state;
  s.fpuControl = 0x037f;
  s.fpuStatus = 0;
  s.fpuTop = 0;
  s.fpuTag = 0xffff;
  s.fpuIp = 0; s.fpuCs = 0; s.fpuDp = 0; s.fpuDs = 0; s.fpuOpcode = 0;
}

export function clex(c: Cpu): void {
  c.state.fpuStatus &= 0x7f00;
}

/** FLDCW: a control word that unmasks a pending exception makes it pending (ES/B). */
export function ldcw(c: Cpu, v: number): void {
  waitMf(c);
  const s = c.state;
  s.fpuControl = (v & 0x1f3f) | 0x40;
  updateEs(s);
}

/** ES and B follow the flags that are set and unmasked. */
export function updateEs(s: CpuState): void {
  if ((s.fpuStatus & ~s.fpuControl & 0x3f) !== 0) s.fpuStatus |= ES | B;
  else s.fpuStatus &= ~(ES | B);
}

function realMode(c: Cpu): boolean {
  const s = c.state;
  return (s.cr0 & 1) === 0 || (c.r[R.FLAGS] & FL.VM) !== 0;
}

/** The environment image (14 or 28 bytes, for the current mode) into buf at `at`. */
function packEnv(c: Cpu, at: number, wide: boolean): void {
  const s = c.state;
  const real = realMode(c);
  const cw = s.fpuControl, sw = statusWord(s), tw = fullTag(s);
  const fip = s.fpuIp, fdp = s.fpuDp, fop = s.fpuOpcode & 0x7ff;
  if (wide) {
    view.setUint32(at, 0xffff0000 | cw, true);
    view.setUint32(at + 4, 0xffff0000 | sw, true);
    view.setUint32(at + 8, 0xffff0000 | tw, true);
    if (real) {
      const li = (s.fpuCs * 16 + fip) >>> 0, ld = (s.fpuDs * 16 + fdp) >>> 0;
      view.setUint32(at + 12, 0xffff0000 | (li & 0xffff), true);
      view.setUint32(at + 16, ((li >>> 16) << 12) | fop, true);
      view.setUint32(at + 20, 0xffff0000 | (ld & 0xffff), true);
      view.setUint32(at + 24, (ld >>> 16) << 12, true);
    } else {
      view.setUint32(at + 12, fip >>> 0, true);
      view.setUint32(at + 16, (s.fpuCs & 0xffff) | (fop << 16), true);
      view.setUint32(at + 20, fdp >>> 0, true);
      view.setUint32(at + 24, 0xffff0000 | (s.fpuDs & 0xffff), true);
    }
    return;
  }
  view.setUint16(at, cw, true);
  view.setUint16(at + 2, sw, true);
  view.setUint16(at + 4, tw, true);
  if (real) {
    const li = (s.fpuCs * 16 + fip) >>> 0, ld = (s.fpuDs * 16 + fdp) >>> 0;
    view.setUint16(at + 6, li & 0xffff, true);
    view.setUint16(at + 8, (((li >>> 16) & 15) << 12) | fop, true);
    view.setUint16(at + 10, ld & 0xffff, true);
    view.setUint16(at + 12, ((ld >>> 16) & 15) << 12, true);
  } else {
    view.setUint16(at + 6, fip & 0xffff, true);
    view.setUint16(at + 8, s.fpuCs & 0xffff, true);
    view.setUint16(at + 10, fdp & 0xffff, true);
    view.setUint16(at + 12, s.fpuDs & 0xffff, true);
  }
}

/** Loads an environment image from buf at `at` (the tag word is applied by the caller). */
function unpackEnv(c: Cpu, at: number, wide: boolean): number {
  const s = c.state;
  const real = realMode(c);
  let tw: number;
  if (wide) {
    s.fpuControl = (view.getUint16(at, true) & 0x1f3f) | 0x40;
    setStatusWord(s, view.getUint16(at + 4, true));
    tw = view.getUint16(at + 8, true);
    if (real) {
      const w16 = view.getUint32(at + 16, true), w24 = view.getUint32(at + 24, true);
      s.fpuIp = (view.getUint16(at + 12, true) | (((w16 >>> 12) & 0xffff) << 16)) >>> 0;
      s.fpuOpcode = w16 & 0x7ff;
      s.fpuDp = (view.getUint16(at + 20, true) | (((w24 >>> 12) & 0xffff) << 16)) >>> 0;
      s.fpuCs = 0; s.fpuDs = 0;
    } else {
      s.fpuIp = view.getUint32(at + 12, true);
      const w16 = view.getUint32(at + 16, true);
      s.fpuCs = w16 & 0xffff;
      s.fpuOpcode = (w16 >>> 16) & 0x7ff;
      s.fpuDp = view.getUint32(at + 20, true);
      s.fpuDs = view.getUint16(at + 24, true);
    }
  } else {
    s.fpuControl = (view.getUint16(at, true) & 0x1f3f) | 0x40;
    setStatusWord(s, view.getUint16(at + 2, true));
    tw = view.getUint16(at + 4, true);
    if (real) {
      const w8 = view.getUint16(at + 8, true);
      s.fpuIp = view.getUint16(at + 6, true) | ((w8 >>> 12) << 16);
      s.fpuOpcode = w8 & 0x7ff;
      s.fpuDp = view.getUint16(at + 10, true) | ((view.getUint16(at + 12, true) >>> 12) << 16);
      s.fpuCs = 0; s.fpuDs = 0;
    } else {
      // The 16-bit protected-mode image has no opcode field: FOP reads as zero afterwards.
      s.fpuIp = view.getUint16(at + 6, true);
      s.fpuCs = view.getUint16(at + 8, true);
      s.fpuDp = view.getUint16(at + 10, true);
      s.fpuDs = view.getUint16(at + 12, true);
      s.fpuOpcode = 0;
    }
  }
  return tw;
}

/** FNSTENV/FSTENV: store the environment, then mask all exceptions (which clears ES/B). */
export function stenv(c: Cpu, ea: number, wide: boolean): void {
  packEnv(c, 0, wide);
  writeOut(c, ea, wide ? 28 : 14);
  c.state.fpuControl |= 0x3f;
  updateEs(c.state);
}

export function ldenv(c: Cpu, ea: number, wide: boolean): void {
  waitMf(c);
  readIn(c, ea, wide ? 28 : 14);
  const tw = unpackEnv(c, 0, wide);
  setTagWord(c.state, tw);
  updateEs(c.state);
}

/** FNSAVE/FSAVE: environment and the eight registers in stack order, then reinitialize. */
export function save(c: Cpu, ea: number, wide: boolean): void {
  const s = c.state;
  const n = wide ? 28 : 14;
  packEnv(c, 0, wide);
  for (let i = 0; i < 8; i++) {
    const p = (s.fpuTop + i) & 7, at = n + 10 * i;
    view.setInt32(at, s.fpr[2 * p], true);
    view.setInt32(at + 4, s.fpr[2 * p + 1], true);
    view.setUint16(at + 8, s.fpe[p], true);
  }
  writeOut(c, ea, n + 80);
  init(c);
}

export function rstor(c: Cpu, ea: number, wide: boolean): void {
  waitMf(c);
  const s = c.state;
  const n = wide ? 28 : 14;
  readIn(c, ea, n + 80);
  const tw = unpackEnv(c, 0, wide);
  for (let i = 0; i < 8; i++) {
    const p = (s.fpuTop + i) & 7, at = n + 10 * i;
    s.fpr[2 * p] = view.getInt32(at, true);
    s.fpr[2 * p + 1] = view.getInt32(at + 4, true);
    s.fpe[p] = view.getUint16(at + 8, true);
  }
  setTagWord(s, tw);
  updateEs(s);
}

/** The CS selector at the time of the call (what a 32-bit FXSAVE reports as FCS). */
export function csSelector(c: Cpu): number {
  return c.state.segSel[SEG.CS];
}
