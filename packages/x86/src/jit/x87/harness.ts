// Test support: runs the same x87 instruction bytes on this machine's FPU (fpu/native) and on a
// Serval core, from the same FXSAVE64 state, and lists every difference: the FXSAVE image (control,
// status, tags, registers, MXCSR, XMM), FIP/FDP/FOP, the data block, RFLAGS, RAX and faults.
import { Cpu } from '../../cpu.js';
import { PhysicalMemory } from '../../memory.js';
import { enterLongMode, identityPageTables } from '../../boot.js';
import { CODE_BASE, CODE_SIZE, DATA_BASE, runNative, type NativeResult } from '../../fpu/native/native.js';
import { fxImage, type FxState } from '../../fpu/native/fximage.js';

export { CODE_BASE, DATA_BASE };

export interface X87Case {
  /** Instruction bytes (run at a slot of their own; memory operands may use DATA_BASE absolutely). */
  code: Uint8Array;
  state: FxState;
  data?: Uint8Array;
  rflags?: number;
  rax?: number;
  /** Label for reports. */
  what?: string;
  /** Byte ranges [from, to) of the data block not to compare (fields that name the host environment). */
  ignore?: [number, number][];
}

export interface Outcome {
  fault: number; // -1 none, else the vector (SIGFPE → 16, SIGSEGV → 13/14, SIGILL → 6)
  faultRip: number;
  fx: Uint8Array;
  /** FOP, FIP (low 32 bits), FDP (low 32 bits). */
  fop: number; fip: number; fdp: number;
  /**
   * False when the reference could not report them: at a fault the kernel's XSAVE image is all
   * there is, and this CPU stores zeros for FIP/FDP/FOP unless an exception is pending (ES).
   */
  pointersKnown: boolean;
  data: Uint8Array;
  rflags: number;
  rax: bigint;
}

const IN = 0x380000, OUT = 0x381000, ENV = 0x381400, TARGET = 0x381800;
const STUB_IN = 0x100000, STUB_OUT = 0x101000;
const MEM = 4 << 20;

const SIG_VECTOR: Record<number, number> = { 8: 16, 11: 13, 4: 6, 7: 17 };

function fromNative(r: NativeResult): Outcome {
  const dv = new DataView(r.fx.buffer, r.fx.byteOffset);
  const ev = new DataView(r.env.buffer, r.env.byteOffset);
  const fault = r.signal ? SIG_VECTOR[r.signal] ?? 100 + r.signal : -1;
  return {
    fault, faultRip: r.faultRip, fx: r.fx, data: r.data, rflags: r.rflags, rax: r.rax,
    fop: fault >= 0 ? dv.getUint16(6, true) : (ev.getUint32(16, true) >>> 16) & 0x7ff,
    fip: fault >= 0 ? dv.getUint32(8, true) : ev.getUint32(12, true),
    fdp: fault >= 0 ? dv.getUint32(16, true) : ev.getUint32(20, true),
    pointersKnown: fault < 0 || (dv.getUint16(2, true) & 0x80) !== 0,
  };
}

/** A Serval core with stubs: STUB_IN loads the state and jumps to the code; STUB_OUT saves it. */
export class Emu {
  readonly mem = new PhysicalMemory(MEM);
  readonly cpu: Cpu;
  private slots = new Map<string, number>();
  private nextSlot = CODE_BASE;

  constructor() {
    const cr3 = identityPageTables(this.mem, 0x1000, MEM);
    this.cpu = new Cpu({ memory: this.mem });
    enterLongMode(this.cpu, cr3);
    this.cpu.intercepts.exceptions = 0xffffffff;
    // STUB_IN: fxrstor64 [IN]; jmp [TARGET]. STUB_OUT: fxsave64 [OUT]; fnstenv [ENV]; hlt.
    // (Code is never rewritten between runs, so compiled blocks stay valid.)
    this.mem.write(STUB_IN, new Uint8Array([0x48, 0x0f, 0xae, 0x0c, 0x25, ...le32(IN), 0xff, 0x24, 0x25, ...le32(TARGET)]));
    this.mem.write(STUB_OUT, new Uint8Array([
      0x48, 0x0f, 0xae, 0x04, 0x25, ...le32(OUT),
      0xd9, 0x34, 0x25, ...le32(ENV),
      0xf4,
    ]));
  }

  /** The address the bytes run at (one slot per distinct byte sequence, so blocks stay cached). */
  slot(code: Uint8Array): number {
    const key = Buffer.from(code).toString('hex');
    let at = this.slots.get(key);
    if (at === undefined) {
      at = this.nextSlot;
      this.nextSlot += 64;
      if (this.nextSlot > CODE_BASE + CODE_SIZE) throw new Error('out of code slots');
      const jmp = STUB_OUT - (at + code.length + 5);
      this.mem.write(at, new Uint8Array([...code, 0xe9, ...le32(jmp)]));
      this.slots.set(key, at);
    }
    return at;
  }

  run(k: X87Case, at: number): Outcome {
    const { mem, cpu } = this;
    const s = cpu.state;
    mem.write(IN, fxImage(k.state));
    const data = k.data ?? new Uint8Array(0);
    mem.write(DATA_BASE, data);
    mem.writeU32(TARGET, at);
    s.setRflags(k.rflags ?? 0x202);
    s.set64(0, BigInt.asUintN(64, BigInt(k.rax ?? 0)));
    s.rip = STUB_IN;
    let exit = cpu.run(100);
    let fault = -1, faultRip = 0;
    if (exit.kind === 'exception') {
      fault = exit.vector;
      faultRip = exit.rip;
      s.rip = STUB_OUT;
      exit = cpu.run(10);
    }
    if (exit.kind !== 'hlt') throw new Error(`emulator: unexpected exit ${JSON.stringify(exit)}`);
    const fx = mem.u8.slice(OUT, OUT + 512);
    const dv = new DataView(fx.buffer);
    return {
      fault, faultRip, fx, data: mem.u8.slice(DATA_BASE, DATA_BASE + data.length),
      rflags: s.getRflags(), rax: s.getBig(0),
      fop: dv.getUint16(6, true), fip: dv.getUint32(8, true), fdp: dv.getUint32(16, true), pointersKnown: true,
    };
  }
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const h16 = (v: number) => v.toString(16).padStart(4, '0');

export interface CompareOpts {
  /** Compare FOP/FIP/FDP (default true). */
  pointers?: boolean;
  /** RFLAGS bits compared (default the six arithmetic flags). */
  flagsMask?: number;
  /** Register values may differ by this many units in the last place. */
  ulps?: number;
  /** Counts the cases whose registers differed within `ulps` (reported by the transcendental tests). */
  stats?: { close: number };
  /** Ignore C1 unless a stack fault occurred (transcendentals: the hardware's rounding direction is that of its own approximation). */
  ignoreC1?: boolean;
  limit?: number;
}

/** Differences between the two outcomes, as readable lines (empty when identical). */
export function diff(ours: Outcome, cpu: Outcome, opts: CompareOpts = {}, ignore?: [number, number][]): string[] {
  const out: string[] = [];
  if (ours.fault >= 0 && ours.fault === cpu.fault && ours.faultRip !== cpu.faultRip) out.push(`fault at ${ours.faultRip.toString(16)} vs cpu ${cpu.faultRip.toString(16)}`);
  const a = new DataView(ours.fx.buffer), b = new DataView(cpu.fx.buffer);
  if (ours.fault !== cpu.fault) out.push(`fault ${ours.fault} vs cpu ${cpu.fault}`);
  let close = false;
  for (let i = 0; i < 8 && opts.ulps; i++) {
    const d = ulpDistance(ours.fx, cpu.fx, i);
    if (d !== 0 && d <= opts.ulps) close = true;
  }
  if (close && opts.stats) opts.stats.close++;
  const cmp16 = (name: string, off: number, ignore = 0) => {
    const x = a.getUint16(off, true) & ~ignore, y = b.getUint16(off, true) & ~ignore;
    if (x !== y) out.push(`${name} ${h16(x)} vs cpu ${h16(y)}`);
  };
  const sf = (b.getUint16(2, true) & 0x40) !== 0;
  cmp16('fcw', 0); cmp16('fsw', 2, close || (opts.ignoreC1 && !sf) ? 0x200 : 0);
  if (ours.fx[4] !== cpu.fx[4]) out.push(`ftw ${ours.fx[4].toString(16)} vs cpu ${cpu.fx[4].toString(16)}`);
  if (a.getUint32(24, true) !== b.getUint32(24, true)) out.push(`mxcsr ${a.getUint32(24, true).toString(16)} vs cpu ${b.getUint32(24, true).toString(16)}`);
  for (let i = 0; i < 8; i++) {
    const x = hex(ours.fx.subarray(32 + 16 * i, 42 + 16 * i)), y = hex(cpu.fx.subarray(32 + 16 * i, 42 + 16 * i));
    if (x !== y && !(opts.ulps && ulpDistance(ours.fx, cpu.fx, i) <= opts.ulps)) out.push(`st${i} ${fmt80(ours.fx, i)} vs cpu ${fmt80(cpu.fx, i)}`);
  }
  const xa = hex(ours.fx.subarray(160, 416)), xb = hex(cpu.fx.subarray(160, 416));
  if (xa !== xb) out.push('xmm registers differ');
  if (opts.pointers !== false && cpu.pointersKnown) {
    if (ours.fop !== cpu.fop) out.push(`fop ${ours.fop.toString(16)} vs cpu ${cpu.fop.toString(16)}`);
    if (ours.fip !== cpu.fip) out.push(`fip ${ours.fip.toString(16)} vs cpu ${cpu.fip.toString(16)}`);
    if (ours.fdp !== cpu.fdp) out.push(`fdp ${ours.fdp.toString(16)} vs cpu ${cpu.fdp.toString(16)}`);
  }
  const da = masked(ours.data, ignore), db = masked(cpu.data, ignore);
  if (da !== db) out.push(`data ${da} vs cpu ${db}`);
  const fm = opts.flagsMask ?? 0x8d5;
  if (cpu.fault < 0 && (ours.rflags & fm) !== (cpu.rflags & fm)) out.push(`rflags ${(ours.rflags & fm).toString(16)} vs cpu ${(cpu.rflags & fm).toString(16)}`);
  if (cpu.fault < 0 && ours.rax !== cpu.rax) out.push(`rax ${ours.rax.toString(16)} vs cpu ${cpu.rax.toString(16)}`);
  return out;
}

/** Hex of the bytes with the ignored ranges shown as `..`. */
function masked(b: Uint8Array, ignore?: [number, number][]): string {
  const parts = Array.from(b, (v) => v.toString(16).padStart(2, '0'));
  for (const [from, to] of ignore ?? []) for (let k = from; k < to && k < parts.length; k++) parts[k] = '..';
  return parts.join('');
}

/** How many representable values apart ST(i) is in the two images (Infinity across signs or classes). */
export function ulpDistance(x: Uint8Array, y: Uint8Array, i: number): number {
  const ord = (fx: Uint8Array): bigint | null => {
    const v = new DataView(fx.buffer, fx.byteOffset);
    const se = v.getUint16(40 + 16 * i, true);
    const m = (BigInt(v.getUint32(36 + 16 * i, true)) << 32n) | BigInt(v.getUint32(32 + 16 * i, true));
    if ((se & 0x7fff) === 0x7fff || ((se & 0x7fff) !== 0 && m >> 63n === 0n)) return null;
    // Consecutive finite values of one sign are consecutive integers: exponent·2^63 + (m − 2^63).
    const e = BigInt(Math.max(1, se & 0x7fff));
    const mag = (se & 0x7fff) === 0 ? m : e * (1n << 63n) + (m - (1n << 63n));
    return se & 0x8000 ? -mag : mag;
  };
  const p = ord(x), q = ord(y);
  if (p === null || q === null) return hex(x.subarray(32 + 16 * i, 42 + 16 * i)) === hex(y.subarray(32 + 16 * i, 42 + 16 * i)) ? 0 : Infinity;
  const d = p > q ? p - q : q - p;
  return d > 1000n ? Infinity : Number(d);
}

function fmt80(fx: Uint8Array, i: number): string {
  const v = new DataView(fx.buffer, fx.byteOffset);
  const se = v.getUint16(40 + 16 * i, true), hi = v.getUint32(36 + 16 * i, true), lo = v.getUint32(32 + 16 * i, true);
  return `${h16(se)}:${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
}

/**
 * This AMD CPU's XSAVE keeps FIP/FDP/FOP only while an exception is pending, so a context switch
 * between the instruction and the runner's FNSTENV zeroes them (the kernel saves and restores the
 * state). Cases whose reference pointers came back zero while ours are not are run again.
 */
function rerunLostPointers(cases: X87Case[], slots: number[], native: NativeResult[], ours: Outcome[]): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    const again: number[] = [];
    native.forEach((r, n) => {
      const o = fromNative(r);
      if (o.fault < 0 && o.fop === 0 && o.fip === 0 && o.fdp === 0 && (ours[n].fop | ours[n].fip | ours[n].fdp) !== 0) again.push(n);
    });
    if (again.length === 0) return;
    const redo = runNative(again.map((n) => nativeCase(cases[n], slots[n])));
    again.forEach((n, j) => { native[n] = redo[j]; });
  }
}

function nativeCase(k: X87Case, slot: number) {
  return { codeAddr: slot, code: k.code, fx: fxImage(k.state), data: k.data ?? new Uint8Array(0), rflags: k.rflags ?? 0x202, rax: k.rax ?? 0 };
}

/** Runs every case on both sides; returns a report line per mismatching case. */
export function compareAll(emu: Emu, cases: X87Case[], opts: CompareOpts = {}): string[] {
  const slots = cases.map((k) => emu.slot(k.code));
  const native = runNative(cases.map((k, n) => nativeCase(k, slots[n])));
  const ours = cases.map((k, n) => emu.run(k, slots[n]));
  rerunLostPointers(cases, slots, native, ours);
  const bad: string[] = [];
  cases.forEach((k, n) => {
    const d = diff(ours[n], fromNative(native[n]), opts, k.ignore);
    if (d.length && bad.length < (opts.limit ?? 25)) {
      const st = k.state.st.slice(0, 3).map((v) => `${h16(v.se)}:${v.hi.toString(16).padStart(8, '0')}${v.lo.toString(16).padStart(8, '0')}`).join(' ');
      bad.push(`${k.what ?? hex(k.code)} [cw=${h16(k.state.fcw)} sw=${h16(k.state.fsw)} tw=${k.state.ftw.toString(16)} st=${st}${k.data ? ` data=${hex(k.data)}` : ''}]: ${d.join('; ')}`);
    } else if (d.length) bad.push('');
  });
  return bad;
}
