// General-purpose instructions the core table does not cover, as the 'intx' group: XLAT, ENTER,
// CMPXCHG8B/CMPXCHG16B, the reserved hint NOPs, and the 16/32-bit-only ones (BCD adjustment,
// PUSHA/POPA, BOUND). The rare and long ones run out of line in `intxHelpers`; every memory access
// happens before the first register write, so a fault leaves the registers as they were.
import { OK, type Insn } from '../ir.js';
import { Code, Mnemonic as M } from '../iced/iced.js';
import { VEC } from '../arch.js';
import type { Cpu } from '../cpu.js';
import { R } from '../state.js';
import { Fault } from '../signals.js';
import { Access } from '../mmu.js';
import { type Emitter } from './emitter.js';
import { registerGroup } from './ops-ext.js';
import { probeRmw } from './ops-alu.js';
import { atomicCmpxchgWide } from './atomic.js';

const P32 = 4294967296;

/** rSP/rBP as a linear stack address, for the stack width of the current mode. */
function stackLinear(c: Cpu, off: number): number {
  const s = c.state;
  if (s.is64) return off;
  return (s.segBase[2] + off) % P32;
}

function getReg(c: Cpu, n: number, width: number): number {
  if (width === 8) return c.r[2 * n + 1] * P32 + (c.r[2 * n] >>> 0);
  return width === 4 ? c.r[2 * n] >>> 0 : c.r16[4 * n];
}

function setStackReg(c: Cpu, n: number, width: number, v: number): void {
  if (width === 8) { c.r[2 * n] = v | 0; c.r[2 * n + 1] = Math.floor(v / P32) | 0; }
  else if (width === 4) { c.r[2 * n] = v | 0; c.r[2 * n + 1] = 0; }
  else c.r16[4 * n] = v & 0xffff;
}

function wrapSp(v: number, width: number): number {
  return width === 8 ? v : width === 4 ? ((v % P32) + P32) % P32 : v & 0xffff;
}

/** A locked read-modify-write checks for writing first: a not-present page faults as a write. */
function probeWrite(c: Cpu, ea: number, size: number): void {
  const user = c.state.cpl === 3;
  c.translate(ea, Access.Write, user);
  const last = ea + size - 1;
  if (Math.floor(last / 4096) !== Math.floor(ea / 4096)) c.translate(Math.floor(last / 4096) * 4096, Access.Write, user);
}

/** Sets ZF alone (CMPXCHG8B/16B), keeping the other arithmetic flags. */
function setZf(c: Cpu, zf: boolean): void {
  const s = c.state;
  s.setRflags((s.getRflags() & ~0x40) | (zf ? 0x40 : 0));
}

/** Sets the lazy flags from an 8-bit result with explicit CF/AF/OF (BCD instructions). */
function setFlags8(c: Cpu, res: number, cf: number, af: number, of: number): void {
  const r = c.r;
  r[R.LF_RES] = (res << 24) >> 24;
  r[R.LF_RESH] = r[R.LF_RES] >> 31;
  r[R.LF_AUX] = cf | (af << 4) | (of << 11);
}

export const intxHelpers = {
  setZf,

  /** ENTER: push rBP, copy `level - 1` outer frame pointers, push the new frame pointer, allocate. */
  enter(c: Cpu, opSize: number, alloc: number, levelImm: number, stackWidth: number): void {
    const level = levelImm & 31;
    const sp = getReg(c, 4, stackWidth), bp = getReg(c, 5, stackWidth);
    let p = sp;
    // Values travel as [lo, hi] int32 pairs: a 64-bit frame pointer does not fit a double exactly.
    const push = (lo: number, hi: number) => {
      p = wrapSp(p - opSize, stackWidth);
      c.writeLinear(stackLinear(c, p), opSize, lo, hi);
    };
    if (opSize === 8) push(c.r[10], c.r[11]); else push(opSize === 4 ? c.r[10] : c.r16[20], 0);
    const frame = p;
    // Each outer frame pointer is read and pushed in turn: the copy may overlap what it copies.
    for (let k = 1; k < level; k++) {
      const at = stackLinear(c, wrapSp(bp - k * opSize, stackWidth));
      if (opSize === 8) push(c.readLinear(at, 4) | 0, c.readLinear(at + 4, 4) | 0);
      else push(c.readLinear(at, opSize), 0);
    }
    if (level > 0) push(frame % P32 | 0, Math.floor(frame / P32) | 0);
    // Registers change only once every access has succeeded.
    if (c.state.is64 || stackWidth === 8) setStackReg(c, 5, 8, frame);
    else if (stackWidth === 4) setStackReg(c, 5, 4, frame);
    else c.r16[20] = frame & 0xffff;
    setStackReg(c, 4, stackWidth, wrapSp(p - alloc, stackWidth));
  },

  /** CMPXCHG8B (wide=false) / CMPXCHG16B: the destination is always written (a locked cycle). */
  cmpxchgWide(c: Cpu, ea: number, wide: boolean): void {
    setZf(c, c.parallel ? atomicCmpxchgWide(c, ea, wide, () => cmpxchgWidePlain(c, ea, wide)) : cmpxchgWidePlain(c, ea, wide));
  },

  /** DAA (sub=false) / DAS: decimal adjust AL after an addition / subtraction. */
  decimalAdjust(c: Cpu, sub: boolean): void {
    const f = c.state.getRflags();
    const oldAl = c.r8[0], oldCf = f & 1;
    let al = oldAl, cf = 0, af = 0;
    if ((al & 0xf) > 9 || (f & 0x10)) {
      al = sub ? al - 6 : al + 6;
      cf = oldCf | (sub ? (oldAl < 6 ? 1 : 0) : (al > 0xff ? 1 : 0));
      af = 1;
      al &= 0xff;
    }
    if (oldAl > 0x99 || oldCf) { al = (sub ? al - 0x60 : al + 0x60) & 0xff; cf = 1; }
    c.r8[0] = al;
    setFlags8(c, al, cf, af, 0);
  },

  /** AAA (sub=false) / AAS: ASCII adjust after an addition / subtraction. */
  asciiAdjust(c: Cpu, sub: boolean): void {
    const f = c.state.getRflags();
    const al = c.r8[0];
    let cf = 0;
    if ((al & 0xf) > 9 || (f & 0x10)) {
      c.r16[0] = (c.r16[0] + (sub ? -6 : 0x106)) & 0xffff;
      if (sub) c.r8[1] = (c.r8[1] - 1) & 0xff;
      cf = 1;
    }
    c.r8[0] &= 0xf;
    setFlags8(c, c.r8[0], cf, cf, 0);
  },

  /** AAM imm8: AH = AL / imm, AL = AL mod imm (#DE for 0). */
  aam(c: Cpu, base: number): void {
    if (base === 0) throw new Fault(VEC.DE);
    const al = c.r8[0];
    c.r8[1] = Math.floor(al / base);
    c.r8[0] = al % base;
    setFlags8(c, c.r8[0], 0, 0, 0);
  },

  /** AAD imm8: AL = AL + AH × imm, AH = 0. */
  aad(c: Cpu, base: number): void {
    const al = (c.r8[0] + c.r8[1] * base) & 0xff;
    c.r16[0] = al;
    setFlags8(c, al, 0, 0, 0);
  },

  /** PUSHA/PUSHAD: AX CX DX BX (original) SP BP SI DI. */
  pusha(c: Cpu, size: number, stackWidth: number): void {
    const sp = getReg(c, 4, stackWidth);
    const vals = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => size === 4 ? c.r[2 * n] : c.r16[4 * n]);
    let p = sp;
    for (const v of vals) {
      p = wrapSp(p - size, stackWidth);
      c.writeLinear(stackLinear(c, p), size, v, 0);
    }
    setStackReg(c, 4, stackWidth, p);
  },

  /** POPA/POPAD: the reverse, skipping the saved SP. */
  popa(c: Cpu, size: number, stackWidth: number): void {
    let p = getReg(c, 4, stackWidth);
    const vals: number[] = [];
    for (let k = 0; k < 8; k++) { vals.push(c.readLinear(stackLinear(c, p), size)); p = wrapSp(p + size, stackWidth); }
    for (let k = 0; k < 8; k++) {
      const n = 7 - k;
      if (n === 4) continue;
      if (size === 4) { c.r[2 * n] = vals[k]; c.r[2 * n + 1] = 0; } else c.r16[4 * n] = vals[k];
    }
    setStackReg(c, 4, stackWidth, p);
  },

  /** BOUND r, m: #BR unless lower <= r <= upper (signed). */
  bound(c: Cpu, ea: number, v: number, size: number): void {
    const lo = c.readLinear(ea, size), hi = c.readLinear(ea + size, size);
    const sx = (x: number) => size === 2 ? (x << 16) >> 16 : x | 0;
    if (sx(v) < sx(lo) || sx(v) > sx(hi)) throw new Fault(VEC.BR);
  },
};

function stackWidth(e: Emitter): number {
  return e.mode.stackSize;
}

/** XLAT: AL ← [seg: rBX + AL] at the instruction's address size. */
function xlat(e: Emitter, i: Insn): void {
  const m = i.ops.find((o) => o.k === OK.Mem);
  const seg = m ? m.seg : 3;
  const as = i.addrSize;
  const off = as === 64 ? '(r[7] * 4294967296 + (r[6] >>> 0) + r8[0])'
    : as === 32 ? '((r[6] + r8[0]) >>> 0)' : '((r16[12] + r8[0]) & 0xffff)';
  e.fault();
  const v = e.tmp('x');
  e.emit(`const ${v} = rd8(c, ${e.linear(off, seg)});`);
  e.emit(`r8[0] = ${v};`);
}

function emitIntx(e: Emitter, i: Insn): boolean {
  switch (i.mnem) {
    case M.Reservednop:
      // The hint space (0F 0D, 0F 18-1F): no operation and no memory access.
      return true;
    case M.Xlatb:
      xlat(e, i);
      return true;
    case M.Enter: {
      const opSize = i.code === Code.Enterw_imm16_imm8 ? 2 : i.code === Code.Enterd_imm16_imm8 ? 4 : 8;
      e.fault();
      e.emit(`intx.enter(c, ${opSize}, ${i.ops[0].lo & 0xffff}, ${i.ops[1].lo & 0xff}, ${stackWidth(e)});`);
      return true;
    }
    case M.Cmpxchg8b: case M.Cmpxchg16b: {
      const ea = e.ea(i.ops[0]);
      e.emit(`intx.cmpxchgWide(c, ${ea}, ${i.mnem === M.Cmpxchg16b});`);
      return true;
    }
    case M.Daa: case M.Das:
      e.emit(`intx.decimalAdjust(c, ${i.mnem === M.Das});`);
      return true;
    case M.Aaa: case M.Aas:
      e.emit(`intx.asciiAdjust(c, ${i.mnem === M.Aas});`);
      return true;
    case M.Aam:
      e.fault();
      e.emit(`intx.aam(c, ${i.ops.length ? i.ops[0].lo & 0xff : 10});`);
      return true;
    case M.Aad:
      e.emit(`intx.aad(c, ${i.ops.length ? i.ops[0].lo & 0xff : 10});`);
      return true;
    case M.Pusha: case M.Pushad:
      e.fault();
      e.emit(`intx.pusha(c, ${i.mnem === M.Pushad ? 4 : 2}, ${stackWidth(e)});`);
      return true;
    case M.Popa: case M.Popad:
      e.fault();
      e.emit(`intx.popa(c, ${i.mnem === M.Popad ? 4 : 2}, ${stackWidth(e)});`);
      return true;
    case M.Salc:
      // Undocumented but on every part: AL = CF ? 0xFF : 0, flags unchanged.
      e.emit('r8[0] = (r[34] & 1) ? 0xff : 0;');
      return true;
    case M.Arpl: {
      // ARPL r/m16, r16: raise the destination selector's RPL to the source's (ZF says whether it did).
      const [d, s] = i.ops;
      probeRmw(e, d, 2);
      const v = e.tmp('v'), src = e.tmp('s');
      e.emit(`const ${v} = ${e.load(d, 2)}, ${src} = r16[${4 * s.reg}];`);
      e.emit(`if ((${v} & 3) < (${src} & 3)) {`);
      e.store(d, `(${v} & ~3) | (${src} & 3)`, 2);
      e.emit('intx.setZf(c, true); } else intx.setZf(c, false);');
      return true;
    }
    case M.Bound: {
      const [r, m] = i.ops;
      const ea = e.ea(m);
      e.emit(`intx.bound(c, ${ea}, ${r.size === 4 ? `r[${2 * r.reg}]` : `r16[${4 * r.reg}]`}, ${r.size});`);
      return true;
    }
    default:
      return false;
  }
}

/** CMPXCHG8B/16B on memory no other thread writes at the same time; returns ZF. */
function cmpxchgWidePlain(c: Cpu, ea: number, wide: boolean): boolean {
  const r = c.r;
  if (wide && ea % 16 !== 0) throw new Fault(VEC.GP, 0);
  probeWrite(c, ea, wide ? 16 : 8);
  if (!wide) {
    const lo = c.readLinear(ea, 4) | 0, hi = c.readLinear(ea + 4, 4) | 0;
    const eq = lo === r[0] && hi === r[4];
    if (eq) c.writeLinear(ea, 8, r[6], r[2]);
    else c.writeLinear(ea, 8, lo, hi);
    if (!eq) { r[0] = lo; r[1] = 0; r[4] = hi; r[5] = 0; }
    return eq;
  }
  const w = [0, 1, 2, 3].map((k) => c.readLinear(ea + 4 * k, 4) | 0);
  const eq = w[0] === r[0] && w[1] === r[1] && w[2] === r[4] && w[3] === r[5];
  if (eq) { c.writeLinear(ea, 8, r[6], r[7]); c.writeLinear(ea + 8, 8, r[2], r[3]); }
  else { c.writeLinear(ea, 8, w[0], w[1]); c.writeLinear(ea + 8, 8, w[2], w[3]); }
  if (!eq) { r[0] = w[0]; r[1] = w[1]; r[4] = w[2]; r[5] = w[3]; }
  return eq;
}

registerGroup('intx', emitIntx, intxHelpers);
