// Segment instructions outside MOV/POP Sreg, as the 'seg' group: the far-pointer loads LDS, LES,
// LFS, LGS, LSS, and the descriptor probes LAR, LSL, VERR, VERW, which answer in ZF instead of
// faulting. 16- and 32-bit code uses the far loads; Linux's vDSO getcpu() uses LSL in user space.
import { OK, type Insn } from '../ir.js';
import { Mnemonic as M } from '../iced/iced.js';
import { CR0, EFER, FL, VEC } from '../arch.js';
import type { Cpu } from '../cpu.js';
import { Fault } from '../signals.js';
import { R, SEG_LDTR } from '../state.js';
import { type Emitter } from './emitter.js';
import { registerGroup } from './ops-ext.js';
import { rd16, rd32, rd64 } from './runtime.js';

const P32 = 4294967296;
const FAR_SEG: Partial<Record<number, number>> = { [M.Les]: 0, [M.Lss]: 2, [M.Lds]: 3, [M.Lfs]: 4, [M.Lgs]: 5 };

/** Sets ZF alone, keeping the other arithmetic flags. */
function setZf(c: Cpu, zf: boolean): void {
  const s = c.state;
  s.setRflags((s.getRflags() & ~0x40) | (zf ? 0x40 : 0));
}

function writeReg(c: Cpu, n: number, size: number, lo: number, hi: number): void {
  if (size === 2) { c.r16[4 * n] = lo & 0xffff; return; }
  c.r[2 * n] = lo | 0;
  c.r[2 * n + 1] = size === 8 ? hi | 0 : 0;
}

/**
 * The descriptor a probe looks at, or undefined when the selector is null or beyond its table
 * (the probes clear ZF rather than fault for those). The read is an implicit supervisor access.
 */
function probeDescriptor(c: Cpu, sel: number): [number, number] | undefined {
  const s = c.state;
  if ((sel & 0xfffc) === 0) return undefined;
  const ldt = (sel & 4) !== 0;
  const base = ldt ? s.segBase[SEG_LDTR] : s.gdtrBase;
  const limit = ldt ? s.segLimit[SEG_LDTR] : s.gdtrLimit;
  const off = sel & 0xfff8;
  if (off + 7 > limit) return undefined;
  return [c.sysRead32(base + off) >>> 0, c.sysRead32(base + off + 4) >>> 0];
}

// System-descriptor types each probe accepts (SDM LAR/LSL): legacy and IA-32e mode tables.
const LAR_TYPES = new Set([1, 2, 3, 4, 5, 9, 0xb, 0xc]);
const LAR_TYPES_64 = new Set([2, 9, 0xb, 0xc]);
const LSL_TYPES = new Set([1, 2, 3, 9, 0xb]);
const LSL_TYPES_64 = new Set([2, 9, 0xb]);

/** The descriptor when the probe may see it from here: a type it accepts and DPL ≥ CPL and RPL. */
function visible(c: Cpu, sel: number, kind: 'lar' | 'lsl' | 'verr' | 'verw'): [number, number] | undefined {
  // Not recognized in real-address and virtual-8086 mode.
  if ((c.state.cr0 & CR0.PE) === 0 || (c.r[R.FLAGS] & FL.VM) !== 0) throw new Fault(VEC.UD);
  const d = probeDescriptor(c, sel);
  if (!d) return undefined;
  const hi = d[1];
  const type = (hi >>> 8) & 0xf, system = (hi & 0x1000) === 0, dpl = (hi >>> 13) & 3;
  const code = !system && (type & 8) !== 0;
  const conforming = code && (type & 4) !== 0;
  if (system) {
    if (kind === 'verr' || kind === 'verw') return undefined;
    const long = (c.state.efer & EFER.LMA) !== 0;
    const ok = kind === 'lar' ? (long ? LAR_TYPES_64 : LAR_TYPES) : (long ? LSL_TYPES_64 : LSL_TYPES);
    if (!ok.has(type)) return undefined;
  } else if (kind === 'verr' && code && (type & 2) === 0) return undefined; // execute-only code
  else if (kind === 'verw' && (code || (type & 2) === 0)) return undefined; // code, or read-only data
  if (!conforming && (dpl < c.state.cpl || dpl < (sel & 3))) return undefined;
  return d;
}

export const segHelpers = {
  /** LDS/LES/LFS/LGS/LSS: offset then selector from memory; the segment loads (or faults) before the register changes. */
  farLoad(c: Cpu, ea: number, size: number, seg: number, reg: number): void {
    let lo: number, hi = 0;
    if (size === 8) { lo = rd64(c, ea); hi = c.r[R.TMP_HI]; } else lo = size === 4 ? rd32(c, ea) : rd16(c, ea);
    const sel = rd16(c, size === 8 ? ea + 8 : ea + size);
    c.loadSegment(seg, sel & 0xffff);
    writeReg(c, reg, size, lo, hi);
  },

  /** LAR: the access-rights bytes (type, S, DPL, P, limit 19:16, AVL, L, D/B, G) into the destination. */
  lar(c: Cpu, sel: number, reg: number, size: number): void {
    const d = visible(c, sel, 'lar');
    setZf(c, d !== undefined);
    if (d) writeReg(c, reg, size, size === 2 ? d[1] & 0xff00 : d[1] & 0x00ffff00, 0);
  },

  /** LSL: the segment limit in bytes (scaled by G) into the destination. */
  lsl(c: Cpu, sel: number, reg: number, size: number): void {
    const d = visible(c, sel, 'lsl');
    setZf(c, d !== undefined);
    if (!d) return;
    const raw = (d[0] & 0xffff) | (d[1] & 0xf0000);
    const limit = (d[1] & 0x800000) !== 0 ? raw * 4096 + 0xfff : raw;
    writeReg(c, reg, size, limit, Math.floor(limit / P32));
  },

  verify(c: Cpu, sel: number, write: boolean): void {
    setZf(c, visible(c, sel, write ? 'verw' : 'verr') !== undefined);
  },
};

function emitSeg(e: Emitter, i: Insn): boolean {
  const seg = FAR_SEG[i.mnem];
  if (seg !== undefined) {
    const [r, m] = i.ops;
    if (m.k !== OK.Mem) { e.fault(); e.emit('c.raise(6);'); return true; }
    e.fault();
    e.emit(`seg.farLoad(c, ${e.ea(m)}, ${r.size}, ${seg}, ${r.reg});`);
    return true;
  }
  switch (i.mnem) {
    case M.Lar: case M.Lsl: {
      const [r, s] = i.ops;
      e.fault();
      e.emit(`seg.${i.mnem === M.Lar ? 'lar' : 'lsl'}(c, ${e.load(s, 2)}, ${r.reg}, ${r.size});`);
      return true;
    }
    case M.Verr: case M.Verw:
      e.fault();
      e.emit(`seg.verify(c, ${e.load(i.ops[0], 2)}, ${i.mnem === M.Verw});`);
      return true;
    default:
      return false;
  }
}

registerGroup('seg', emitSeg, segHelpers);
