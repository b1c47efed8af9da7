// The string-instruction engine: one iteration at a time, REP/REPE/REPNE termination, DF, the
// three address sizes, and an interruption point between iterations when the run budget is spent
// (the instruction then resumes where it stopped, as an interrupted REP does on hardware).
import type { Cpu } from './cpu.js';
import { Access } from './mmu.js';
import { R } from './state.js';
import { auxSub, auxSub64, rd16, rd32, rd64, rd8, TLB_MASK, wr16, wr32, wr64, wr8 } from './jit/runtime.js';

const P32 = 4294967296;
const RSI = 6, RDI = 7, ES = 0;

function getAddr(c: Cpu, reg: number, addrSize: number): number {
  if (addrSize === 64) return c.r[2 * reg + 1] * P32 + (c.r[2 * reg] >>> 0);
  if (addrSize === 32) return c.r[2 * reg] >>> 0;
  return c.r16[4 * reg];
}

function advance(c: Cpu, reg: number, addrSize: number, step: number): void {
  if (addrSize === 64) {
    const v = c.r[2 * reg + 1] * P32 + (c.r[2 * reg] >>> 0) + step;
    c.r[2 * reg] = v | 0;
    c.r[2 * reg + 1] = Math.floor(v / P32) | 0;
  } else if (addrSize === 32) {
    c.r[2 * reg] = (c.r[2 * reg] + step) | 0;
    c.r[2 * reg + 1] = 0;
  } else {
    c.r16[4 * reg] = (c.r16[4 * reg] + step) & 0xffff;
  }
}

function linear(c: Cpu, seg: number, off: number): number {
  const s = c.state;
  if (s.is64) return seg >= 4 ? s.segBase[seg] + off : off;
  return (s.segBase[seg] + off) % P32;
}

function load(c: Cpu, la: number, size: number): number {
  switch (size) {
    case 1: return rd8(c, la);
    case 2: return rd16(c, la);
    case 4: return rd32(c, la);
    default: return rd64(c, la);
  }
}

function store(c: Cpu, la: number, size: number, lo: number, hi: number): void {
  switch (size) {
    case 1: wr8(c, la, lo); break;
    case 2: wr16(c, la, lo); break;
    case 4: wr32(c, la, lo); break;
    default: wr64(c, la, lo, hi);
  }
}

function setAcc(c: Cpu, size: number, lo: number, hi: number): void {
  switch (size) {
    case 1: c.r8[0] = lo; break;
    case 2: c.r16[0] = lo; break;
    case 4: c.r[0] = lo; c.r[1] = 0; break;
    default: c.r[0] = lo; c.r[1] = hi;
  }
}

function compare(c: Cpu, size: number, al: number, ah: number, bl: number, bh: number): void {
  const r = c.r;
  if (size === 8) {
    const s = (al >>> 0) - (bl >>> 0);
    const rl = s | 0, rh = (ah - bh - (s < 0 ? 1 : 0)) | 0;
    r[R.LF_RES] = rl; r[R.LF_RESH] = rh; r[R.LF_AUX] = auxSub64(al, bl, rl, ah, bh, rh);
    return;
  }
  const res = (al - bl) | 0;
  const sh = 32 - size * 8;
  r[R.LF_RES] = (res << sh) >> sh;
  r[R.LF_RESH] = r[R.LF_RES] >> 31;
  r[R.LF_AUX] = auxSub(al, bl, res, size * 8 - 1);
}

/**
 * REP MOVS/STOS going forward in 64-bit addressing: whole runs within a page at a time, as memory
 * copies and fills. Returns false when it cannot (MMIO, overlapping forward copies that must
 * replicate, page-crossing elements); the element loop then does the work.
 */
function bulk(c: Cpu, kind: number, size: number, seg: number): boolean {
  const r = c.r;
  const user = c.state.cpl === 3;
  for (;;) {
    const count = r[3] * P32 + (r[2] >>> 0);
    if (count === 0) return true;
    const dst = linear(c, ES, getAddr(c, RDI, 64));
    const src = kind === 0 ? linear(c, seg, getAddr(c, RSI, 64)) : 0;
    const dOff = ((dst % 4096) + 4096) % 4096, sOff = ((src % 4096) + 4096) % 4096;
    if (dOff % size || (kind === 0 && sOff % size)) return false;
    let n = Math.min(count, (4096 - dOff) / size, kind === 0 ? (4096 - sOff) / size : Infinity);
    const budget = c.runEnd - c.icount;
    if (budget < n) n = Math.max(1, Math.floor(budget));
    const bytes = n * size;
    // MOVS reads before it writes: with both pages missing, the fault is the source's (a read).
    // The TLB first: kernels call short REP MOVS/STOS all the time, and a page walk each is slow.
    const svpn = Math.floor(src / 4096), si = svpn & TLB_MASK;
    const spa = kind !== 0 ? 0 : c.tagR[si] === svpn ? c.tphys[si] + sOff : c.translate(src, Access.Read, user);
    if (spa < 0) return false;
    const dvpn = Math.floor(dst / 4096), di = dvpn & TLB_MASK;
    const dpa = c.tagW[di] === dvpn ? c.tphys[di] + dOff : c.translate(dst, Access.Write, user);
    if (dpa < 0) return false;
    if (kind === 0) {
      if (dpa > spa && dpa < spa + bytes) return false;
      c.u8.copyWithin(dpa, spa, spa + bytes);
      advance(c, RSI, 64, bytes);
    } else if (size === 1) {
      c.u8.fill(r[0] & 0xff, dpa, dpa + bytes);
    } else {
      const dv = c.dv;
      for (let o = 0; o < bytes; o += size) {
        if (size === 2) dv.setUint16(dpa + o, r[0] & 0xffff, true);
        else if (size === 4) dv.setInt32(dpa + o, r[0], true);
        else { dv.setInt32(dpa + o, r[0], true); dv.setInt32(dpa + o + 4, r[1], true); }
      }
    }
    c.mem.noteWrite(dpa, bytes);
    advance(c, RDI, 64, bytes);
    const left = count - n;
    r[2] = left % P32 | 0;
    r[3] = Math.floor(left / P32) | 0;
    c.icount += n - 1;
    if (left > 0 && c.icount >= c.runEnd) return false;
  }
}

/** Runs one string instruction; false when the budget ran out before a REP form finished. */
export function stringInsn(c: Cpu, kind: number, size: number, rep: number, addrSize: number, seg: number, ip: number): boolean {
  const r = c.r;
  const step = (r[R.FLAGS] & 0x400) !== 0 ? -size : size;
  if (rep && kind <= 1 && addrSize === 64 && step > 0 && c.state.is64) {
    if (bulk(c, kind, size, seg)) return true;
    if (c.icount >= c.runEnd && (r[2] | r[3]) !== 0) return false;
  }
  for (;;) {
    if (rep) {
      const zero = addrSize === 64 ? (r[2] | r[3]) === 0 : addrSize === 32 ? r[2] === 0 : c.r16[4] === 0;
      if (zero) return true;
    }
    let zf = -1;
    switch (kind) {
      case 0: { // MOVS
        const v = load(c, linear(c, seg, getAddr(c, RSI, addrSize)), size), hi = r[R.TMP_HI];
        store(c, linear(c, ES, getAddr(c, RDI, addrSize)), size, v, hi);
        advance(c, RSI, addrSize, step); advance(c, RDI, addrSize, step);
        break;
      }
      case 1: // STOS
        store(c, linear(c, ES, getAddr(c, RDI, addrSize)), size, r[0], r[1]);
        advance(c, RDI, addrSize, step);
        break;
      case 2: { // LODS
        const v = load(c, linear(c, seg, getAddr(c, RSI, addrSize)), size);
        setAcc(c, size, v, r[R.TMP_HI]);
        advance(c, RSI, addrSize, step);
        break;
      }
      case 3: { // CMPS
        const a = load(c, linear(c, seg, getAddr(c, RSI, addrSize)), size), ah = r[R.TMP_HI];
        const b = load(c, linear(c, ES, getAddr(c, RDI, addrSize)), size), bh = r[R.TMP_HI];
        compare(c, size, a, ah, b, bh);
        advance(c, RSI, addrSize, step); advance(c, RDI, addrSize, step);
        zf = (r[R.LF_RES] | r[R.LF_RESH]) === 0 ? 1 : 0;
        break;
      }
      case 4: { // SCAS
        const b = load(c, linear(c, ES, getAddr(c, RDI, addrSize)), size), bh = r[R.TMP_HI];
        const a = size === 1 ? c.r8[0] : size === 2 ? c.r16[0] : r[0];
        compare(c, size, a, r[1], b, bh);
        advance(c, RDI, addrSize, step);
        zf = (r[R.LF_RES] | r[R.LF_RESH]) === 0 ? 1 : 0;
        break;
      }
      case 5: { // INS
        const v = c.ioIn(c.r16[8], size, ip);
        store(c, linear(c, ES, getAddr(c, RDI, addrSize)), size, v, 0);
        advance(c, RDI, addrSize, step);
        c.retireReplay();
        break;
      }
      default: { // OUTS
        const v = load(c, linear(c, seg, getAddr(c, RSI, addrSize)), size);
        c.ioOut(c.r16[8], size, v, ip);
        advance(c, RSI, addrSize, step);
        c.retireReplay();
        break;
      }
    }
    if (!rep) return true;
    if (addrSize === 64) { r[2] = (r[2] - 1) | 0; if (r[2] === -1) r[3] = (r[3] - 1) | 0; }
    else if (addrSize === 32) { r[2] = (r[2] - 1) | 0; r[3] = 0; }
    else c.r16[4] = (c.r16[4] - 1) & 0xffff;
    if (zf >= 0 && (rep === 1 ? zf === 0 : zf === 1)) return true;
    if (c.icount >= c.runEnd) {
      const left = addrSize === 64 ? (r[2] | r[3]) !== 0 : addrSize === 32 ? r[2] !== 0 : c.r16[4] !== 0;
      return !left;
    }
    c.icount++;
  }
}

