// Locked read-modify-writes for cores whose memory other threads write at the same time (the
// LWK's parallel mode, `Cpu.parallel`). A LOCK-prefixed instruction, or XCHG with memory, compiles
// to its ordinary emitter run inside a compare-and-swap loop: the destination is read with an
// atomic load, the emitter computes as usual, and its store becomes a compare-exchange of the value
// read; if another thread wrote in between, the registers the instruction changed are put back and
// it runs again. Naturally aligned operands of 1, 2, 4 and 8 bytes use Atomics on typed arrays over
// the shared memory; misaligned ones (and CMPXCHG16B) serialize on one lock word instead, which
// makes them atomic only against other such instructions. Cores built without `parallel` never
// compile any of this.
import { OK, RC, type Insn, type Operand } from '../ir.js';
import { Mnemonic as M } from '../iced/iced.js';
import type { Cpu } from '../cpu.js';
import { Access } from '../mmu.js';
import { SYNC_EPOCH, SYNC_LOCK } from '../memory.js';
import { R } from '../state.js';
import { type Emitter, sext } from './emitter.js';
import { registerGroup } from './ops-ext.js';
import { TLB_MASK } from './runtime.js';

/** The operand a locked instruction reads and writes atomically, and the names of its host address and old value. */
export interface AtomicOperand {
  op: Operand;
  hpa: string;
  ea: string;
  old: string[];
}

/** Whether `i` must be atomic when memory is shared between threads (LOCK already checked as legal). */
export function needsAtomic(i: Insn): boolean {
  if (i.lock) return true;
  return i.mnem === M.Xchg && i.ops.some((o) => o.k === OK.Mem);
}

/** Emits `i` through `emit` as an atomic read-modify-write. */
export function emitAtomic(e: Emitter, i: Insn, emit: (e: Emitter, i: Insn) => void): void {
  const op = i.ops.find((o) => o.k === OK.Mem);
  if (!op || op.size > 8) { emit(e, i); return; }
  if ((i.mnem === M.Bts || i.mnem === M.Btr || i.mnem === M.Btc) && i.ops[1].k === OK.Reg) { bitOffset(e, i); return; }
  const ea = e.ea(op);
  const hpa = e.tmp('hpa');
  e.emit(`const ${hpa} = atom.addr(c, ${ea}, ${op.size});`);
  const saved = registersWritten(i).map((k) => [k, e.tmp('sv')] as const);
  if (saved.length) e.emit(`const ${saved.map(([k, t]) => `${t} = r[${k}]`).join(', ')};`);
  e.emit('for (;;) {');
  if (saved.length) e.emit(saved.map(([k, t]) => `r[${k}] = ${t};`).join(' '));
  e.atomic = { op, hpa, ea, old: [] };
  try {
    emit(e, i);
  } finally {
    e.atomic = undefined;
  }
  e.emit('break;');
  e.emit('}');
  e.emit(`if (${hpa} < 0) atom.unlock(c);`);
}

/**
 * LOCK BTS/BTR/BTC with a register bit offset: the signed offset picks an operand-sized unit away
 * from the operand (as ops-alu's bitTest computes it), which one atomic OR/AND/XOR updates.
 */
function bitOffset(e: Emitter, i: Insn): void {
  const [d, s] = i.ops;
  const size = d.size, bits = size * 8;
  const kind = i.mnem === M.Bts ? 1 : i.mnem === M.Btr ? 2 : 3;
  const off = e.tmp('bo'), unit = e.tmp('bu'), ea = e.tmp('ea'), hpa = e.tmp('hpa');
  if (s.size === 8) e.emit(`const ${off} = r[${2 * s.reg + 1}] * 4294967296 + (r[${2 * s.reg}] >>> 0);`);
  else e.emit(`const ${off} = ${sext(s.size, e.load(s))};`);
  e.fault();
  e.emit(`const ${unit} = Math.floor(${off} / ${bits});`);
  const addr = `${e.ea(d)} + ${unit} * ${size}`;
  e.emit(`const ${ea} = ${i.addrSize === 64 ? addr : `(${addr}) >>> 0`};`);
  e.emit(`const ${hpa} = atom.addr(c, ${ea}, ${size});`);
  e.emit(`r[34] = (r[34] & ~1) | atom.bitop(c, ${hpa}, ${ea}, ${size}, ${off} - ${unit} * ${bits}, ${kind});`);
  e.emit(`if (${hpa} < 0) atom.unlock(c);`);
}

/** Int32 slots of r[] an instruction may write besides memory: its register operands, RAX/RDX for CMPXCHG, the lazy flags. */
function registersWritten(i: Insn): number[] {
  const out = new Set<number>([32, 33, 34, 35]);
  for (const o of i.ops) {
    if (o.k === OK.Reg && (o.rc === RC.Gpr || o.rc === RC.Gpr8Hi)) { out.add(2 * o.reg); out.add(2 * o.reg + 1); }
  }
  if (i.mnem === M.Cmpxchg) { out.add(0); out.add(1); }
  return [...out];
}

interface Views { buf: ArrayBufferLike; u8: Uint8Array; u16: Uint16Array; i32: Int32Array; i64: BigInt64Array }
let views: Views | undefined;
function viewsOf(c: Cpu): Views {
  const buf = c.mem.buffer;
  if (views?.buf !== buf) {
    views = { buf, u8: new Uint8Array(buf), u16: new Uint16Array(buf), i32: new Int32Array(buf), i64: new BigInt64Array(buf) };
  }
  return views;
}

function lock(c: Cpu): void {
  const s = c.mem.sync;
  while (Atomics.compareExchange(s, SYNC_LOCK, 0, 1) !== 0) { /* another core is inside a locked instruction */ }
}

function noteWrite(c: Cpu, hpa: number, size: number): void {
  if (c.mem.codeMark[Math.floor(hpa / 4096)]) c.mem.noteWrite(hpa, size);
}

const big = (lo: number, hi: number): bigint => BigInt.asIntN(64, (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0));

/** Helpers the emitted code calls as `atom.*`; none touches guest registers but r[TMP_HI]. */
export const atomHelpers = {
  /**
   * The host address of an aligned operand, checked for writing (faults as the instruction would);
   * -1 after taking the global lock for a misaligned one, whose accesses then go the ordinary way.
   */
  addr(c: Cpu, ea: number, size: number): number {
    const user = c.state.cpl === 3;
    if ((ea & (size - 1)) !== 0) {
      c.translate(ea, Access.Write, user);
      if ((ea & 4095) + size > 4096) c.translate(Math.floor(ea / 4096) * 4096 + 4096, Access.Write, user);
      lock(c);
      return -1;
    }
    const vpn = Math.floor(ea / 4096);
    const i = vpn & TLB_MASK;
    if (c.tagW[i] === vpn) return c.tphys[i] + (ea & 4095);
    const h = c.translate(ea, Access.Write, user);
    if (h < 0) { lock(c); return -1; }
    return h;
  },
  /** Whether another thread's core flushed translations since this core last dropped its own. */
  stale(c: Cpu): boolean {
    return Atomics.load(c.mem.sync, SYNC_EPOCH) !== c.syncSeen;
  },
  unlock(c: Cpu): void {
    Atomics.store(c.mem.sync, SYNC_LOCK, 0);
  },
  load1(c: Cpu, hpa: number, ea: number): number { return hpa < 0 ? c.readLinear(ea, 1) & 0xff : Atomics.load(viewsOf(c).u8, hpa); },
  load2(c: Cpu, hpa: number, ea: number): number { return hpa < 0 ? c.readLinear(ea, 2) & 0xffff : Atomics.load(viewsOf(c).u16, hpa / 2); },
  load4(c: Cpu, hpa: number, ea: number): number { return hpa < 0 ? c.readLinear(ea, 4) | 0 : Atomics.load(viewsOf(c).i32, hpa / 4); },
  /** The low half; the high half goes to r[TMP_HI]. */
  load8(c: Cpu, hpa: number, ea: number): number {
    if (hpa < 0) {
      const lo = c.readLinear(ea, 4) | 0;
      c.r[R.TMP_HI] = c.readLinear(ea + 4, 4) | 0;
      return lo;
    }
    const v = Atomics.load(viewsOf(c).i64, hpa / 8);
    c.r[R.TMP_HI] = Number(BigInt.asIntN(32, v >> 32n));
    return Number(BigInt.asIntN(32, v));
  },
  cas1(c: Cpu, hpa: number, ea: number, old: number, v: number): boolean {
    if (hpa < 0) { c.writeLinear(ea, 1, v, 0); return true; }
    if (Atomics.compareExchange(viewsOf(c).u8, hpa, old, v & 0xff) !== old) return false;
    noteWrite(c, hpa, 1);
    return true;
  },
  cas2(c: Cpu, hpa: number, ea: number, old: number, v: number): boolean {
    if (hpa < 0) { c.writeLinear(ea, 2, v, 0); return true; }
    if (Atomics.compareExchange(viewsOf(c).u16, hpa / 2, old, v & 0xffff) !== old) return false;
    noteWrite(c, hpa, 2);
    return true;
  },
  cas4(c: Cpu, hpa: number, ea: number, old: number, v: number): boolean {
    if (hpa < 0) { c.writeLinear(ea, 4, v, 0); return true; }
    if (Atomics.compareExchange(viewsOf(c).i32, hpa / 4, old, v | 0) !== old) return false;
    noteWrite(c, hpa, 4);
    return true;
  },
  /** Sets (1), clears (2) or flips (3) one bit of a unit atomically; returns the bit's old value. */
  bitop(c: Cpu, hpa: number, ea: number, size: number, bit: number, kind: number): number {
    if (hpa < 0) {
      const lo = c.readLinear(ea, size === 8 ? 4 : size), hi = size === 8 ? c.readLinear(ea + 4, 4) : 0;
      const word = bit < 32 ? lo : hi, m = 1 << (bit & 31);
      const nw = kind === 1 ? word | m : kind === 2 ? word & ~m : word ^ m;
      if (size === 8) c.writeLinear(ea, 8, bit < 32 ? nw : lo, bit < 32 ? hi : nw);
      else c.writeLinear(ea, size, nw, 0);
      return (word >>> (bit & 31)) & 1;
    }
    const v = viewsOf(c);
    let old: number;
    if (size === 8) {
      const m = 1n << BigInt(bit);
      const o = kind === 1 ? Atomics.or(v.i64, hpa / 8, m) : kind === 2 ? Atomics.and(v.i64, hpa / 8, ~m) : Atomics.xor(v.i64, hpa / 8, m);
      old = Number((BigInt.asUintN(64, o) >> BigInt(bit)) & 1n);
    } else {
      const a = size === 4 ? v.i32 : v.u16, k = hpa / size, m = 1 << bit;
      const o = kind === 1 ? Atomics.or(a, k, m) : kind === 2 ? Atomics.and(a, k, ~m) : Atomics.xor(a, k, m);
      old = (o >>> bit) & 1;
    }
    noteWrite(c, hpa, size);
    return old;
  },
  cas8(c: Cpu, hpa: number, ea: number, oldLo: number, oldHi: number, lo: number, hi: number): boolean {
    if (hpa < 0) { c.writeLinear(ea, 8, lo, hi); return true; }
    const want = big(oldLo, oldHi);
    if (Atomics.compareExchange(viewsOf(c).i64, hpa / 8, want, big(lo, hi)) !== want) return false;
    noteWrite(c, hpa, 8);
    return true;
  },
};

/**
 * CMPXCHG8B/16B for parallel cores: an aligned 8-byte compare-exchange is one BigInt64 CAS (returns
 * ZF); CMPXCHG16B (JS has no 16-byte atomics) and a misaligned CMPXCHG8B run `plain` under the lock.
 */
export function atomicCmpxchgWide(c: Cpu, ea: number, wide: boolean, plain: () => boolean): boolean {
  if (wide || (ea & 7) !== 0) {
    lock(c);
    try { return plain(); } finally { atomHelpers.unlock(c); }
  }
  const hpa = atomHelpers.addr(c, ea, 8);
  const r = c.r;
  const want = big(r[0], r[4]);
  const got = Atomics.compareExchange(viewsOf(c).i64, hpa / 8, want, big(r[6], r[2]));
  const eq = got === want;
  if (eq) noteWrite(c, hpa, 8);
  else { r[0] = Number(BigInt.asIntN(32, got)); r[1] = 0; r[4] = Number(BigInt.asIntN(32, got >> 32n)); r[5] = 0; }
  return eq;
}

registerGroup('atom', () => false, atomHelpers, { pure: true });
