// Builds the JS source of one compiled block. Instruction emitters (ops-*.ts) call these helpers to
// read and write operands; every name they emit is bound in the block's factory (see compile.ts).
//
// Value conventions in emitted code: an operand of 1, 2 or 4 bytes is one int32 expression whose
// low bits are the value (8/16-bit reads are zero-extended); an 8-byte operand is a pair of int32
// expressions (lo, hi). Linear addresses are JS numbers.
import { OK, RC, type Insn, type Operand } from '../ir.js';
import { SEG } from '../arch.js';
import type { AtomicOperand } from './atomic.js';

export interface BlockMode {
  bitness: 16 | 32 | 64;
  cpl: number;
  /** Stack pointer width in bytes: 8 in 64-bit mode, else 4 or 2 from SS.B. */
  stackSize: 2 | 4 | 8;
  /**
   * FPU/SIMD availability bits, fixed per block because they change only through MOV CR (which
   * ends a block): CR0.EM, CR0.TS, CR0.MP, CR4.OSFXSR, CR4.OSXMMEXCPT.
   */
  em: boolean;
  ts: boolean;
  mp: boolean;
  osfxsr: boolean;
  osxmmexcpt: boolean;
  /** RFLAGS.TF: blocks of one instruction, each followed by a single-step #DB. */
  single: boolean;
}

/** Packs the parts of a mode that select different code into a small integer (part of a block's key). */
export function modeKey(m: BlockMode): number {
  return (m.bitness >> 5) | (m.cpl << 2) | ((m.stackSize >> 2) << 4) |
    (m.em ? 64 : 0) | (m.ts ? 128 : 0) | (m.mp ? 256 : 0) | (m.osfxsr ? 512 : 0) | (m.osxmmexcpt ? 1024 : 0) |
    (m.single ? 2048 : 0);
}
export const MODE_KEY_SPAN = 4096;

export class UnsupportedInsn extends Error {}

export class Emitter {
  private readonly lines: string[] = [];
  private cur: string[] = [];
  private tmpN = 0;
  insn!: Insn;
  idx = 0;
  /** Instructions in the block (a conditional jump before the last one is a side exit). */
  blockLen = 0;
  /** Whether the current instruction's arithmetic-flag results are read later. */
  flagsLive = true;
  /** Set by an emitter when it has written RIP (a branch); otherwise the block falls through. */
  wroteRip = false;
  private mayFault = false;
  /** The core shares memory with cores in other threads: locked instructions compile atomically (atomic.ts). */
  parallel = false;
  /** While a locked instruction is emitted: its memory operand, read and written atomically. */
  atomic: AtomicOperand | undefined;
  private eaCache = new Map<Operand, string>();

  constructor(readonly mode: BlockMode) {}

  begin(insn: Insn, idx: number, flagsLive: boolean): void {
    this.insn = insn; this.idx = idx; this.flagsLive = flagsLive;
    this.cur = []; this.mayFault = false; this.eaCache.clear(); this.wroteRip = false;
  }

  end(): void {
    // Temporaries have block-unique names, so instructions need no braces of their own; source
    // size is what V8 pays for when compiling a block, so comments appear only when debugging.
    if (this.insn.text !== undefined) this.lines.push(`// ${this.idx}: ${this.insn.text}`);
    if (this.mayFault) this.lines.push(`c.ii = ${this.idx};`);
    this.lines.push(...this.cur);
  }

  emit(s: string): void { this.cur.push(s); }
  /** Emits code after the current instruction's block (used for the final RIP update). */
  emitRaw(s: string): void { this.lines.push(s); }
  /** A fresh local name; the $ keeps it apart from every name the block binds (r, r8, r16, ...). */
  tmp(p = 't'): string { return `${p}$${this.tmpN++}`; }
  /** Marks the instruction as able to fault or exit (records its index before it runs). */
  fault(): void { this.mayFault = true; }
  source(): string { return this.lines.join('\n'); }

  // ---- constants ----

  get is64(): boolean { return this.mode.bitness === 64; }
  /** The instruction's own address and the next one's, as source literals. */
  get ip(): string { return num(this.insn.ip); }
  get next(): string { return num(this.insn.next); }

  // ---- registers ----

  reg(op: Operand): string {
    return readGpr(op.rc, op.reg, op.size);
  }

  setReg(op: Operand, v: string): void {
    this.emit(writeGpr(op.rc, op.reg, op.size, v));
  }

  // ---- memory ----

  /** The linear address of a memory operand, computed once per instruction into a temporary. */
  ea(op: Operand): string {
    const cached = this.eaCache.get(op);
    if (cached) return cached;
    this.fault();
    const t = this.tmp('ea');
    this.emit(`const ${t} = ${this.linear(this.offset(op), op.seg)};`);
    this.eaCache.set(op, t);
    return t;
  }

  /** Effective address (offset within the segment) as a JS expression. */
  offset(op: Operand): string {
    const as = this.insn.addrSize;
    if (op.base === 16) return num(op.disp);
    const parts: string[] = [];
    if (as === 64) {
      if (op.base >= 0) parts.push(`(r[${2 * op.base + 1}] * 4294967296 + (r[${2 * op.base}] >>> 0))`);
      if (op.index >= 0) parts.push(`(r[${2 * op.index + 1}] * 4294967296 + (r[${2 * op.index}] >>> 0))${op.scale > 1 ? ` * ${op.scale}` : ''}`);
      if (op.disp !== 0 || parts.length === 0) parts.push(num(op.disp));
      return parts.join(' + ');
    }
    if (as === 32) {
      if (op.base >= 0) parts.push(`r[${2 * op.base}]`);
      if (op.index >= 0) parts.push(`r[${2 * op.index}]${op.scale > 1 ? ` * ${op.scale}` : ''}`);
      if (op.disp !== 0 || parts.length === 0) parts.push(String(op.disp | 0));
      return `((${parts.join(' + ')}) >>> 0)`;
    }
    if (op.base >= 0) parts.push(`r16[${4 * op.base}]`);
    if (op.index >= 0) parts.push(`r16[${4 * op.index}]`);
    if (op.disp !== 0 || parts.length === 0) parts.push(String(op.disp));
    return `((${parts.join(' + ')}) & 0xffff)`;
  }

  /** Adds the segment base: in 64-bit mode only FS and GS have one. */
  linear(off: string, seg: number): string {
    if (this.is64) return seg === SEG.FS || seg === SEG.GS ? `(sb[${seg}] + ${off})` : off;
    return `((sb[${seg}] + ${off}) >>> 0)`;
  }

  load(op: Operand, size = op.size): string {
    switch (op.k) {
      case OK.Reg: return readGpr(op.rc, op.reg, size);
      case OK.Imm: return size === 4 || size === 8 ? String(op.lo | 0) : String(op.lo & (size === 1 ? 0xff : 0xffff));
      case OK.Mem: {
        const ea = this.ea(op);
        const t = this.tmp('m');
        const a = this.atomic;
        if (a?.op === op) {
          this.emit(`const ${t} = atom.load${size}(c, ${a.hpa}, ${ea});`);
          a.old = [t];
          return t;
        }
        this.emit(`const ${t} = ${memRead(size)}(c, ${ea});`);
        return t;
      }
      default: throw new UnsupportedInsn(`operand kind ${op.k}`);
    }
  }

  /** Reads a 64-bit operand into two temporaries (or constants for immediates). */
  load64(op: Operand): [string, string] {
    switch (op.k) {
      case OK.Reg: return [`r[${2 * op.reg}]`, `r[${2 * op.reg + 1}]`];
      case OK.Imm: return [String(op.lo | 0), String(op.hi | 0)];
      case OK.Mem: {
        const ea = this.ea(op);
        const lo = this.tmp('ml'), hi = this.tmp('mh');
        const a = this.atomic;
        if (a?.op === op) {
          this.emit(`const ${lo} = atom.load8(c, ${a.hpa}, ${ea}), ${hi} = r[${TMP_HI}];`);
          a.old = [lo, hi];
          return [lo, hi];
        }
        this.emit(`const ${lo} = rd64(c, ${ea}), ${hi} = r[${TMP_HI}];`);
        return [lo, hi];
      }
      default: throw new UnsupportedInsn(`operand kind ${op.k}`);
    }
  }

  store(op: Operand, v: string, size = op.size): void {
    if (op.k === OK.Reg) { this.emit(writeGpr(op.rc, op.reg, size, v)); return; }
    if (op.k !== OK.Mem) throw new UnsupportedInsn('store to a non-register, non-memory operand');
    const a = this.atomic;
    // A lost race puts the registers back and runs the instruction again (see atomic.ts).
    if (a?.op === op) { this.emit(`if (!atom.cas${size}(c, ${a.hpa}, ${a.ea}, ${a.old[0]}, ${v})) continue;`); return; }
    this.emit(`${memWrite(size)}(c, ${this.ea(op)}, ${v});`);
  }

  store64(op: Operand, lo: string, hi: string): void {
    if (op.k === OK.Reg) { this.emit(`r[${2 * op.reg}] = ${lo}; r[${2 * op.reg + 1}] = ${hi};`); return; }
    const a = this.atomic;
    if (a?.op === op) { this.emit(`if (!atom.cas8(c, ${a.hpa}, ${a.ea}, ${a.old[0]}, ${a.old[1]}, ${lo}, ${hi})) continue;`); return; }
    this.emit(`wr64(c, ${this.ea(op)}, ${lo}, ${hi});`);
  }

  // ---- flags ----

  /** Stores the lazy-flag triple for a result of `size` bytes (if the flags are live). */
  setFlags(size: number, res: string, aux: string, resHi?: string): void {
    if (!this.flagsLive) return;
    if (size === 8) {
      this.emit(`r[32] = ${res}; r[33] = ${resHi}; r[34] = ${aux};`);
    } else {
      this.emit(`r[32] = ${sext(size, res)}; r[33] = r[32] >> 31; r[34] = ${aux};`);
    }
  }

  // ---- stack ----

  /** The linear address of the stack top minus `n`, and the code to commit RSP afterwards. */
  stackAddr(deltaBytes: number): { ea: string; commit: string } {
    const ss = this.mode.stackSize;
    const t = this.tmp('sp');
    if (ss === 8) {
      this.emit(`const ${t} = r[9] * 4294967296 + (r[8] >>> 0) + ${deltaBytes};`);
      return { ea: t, commit: `r[8] = ${t} | 0; r[9] = Math.floor(${t} / 4294967296) | 0;` };
    }
    if (ss === 4) {
      this.emit(`const ${t} = (r[8] + ${deltaBytes}) >>> 0;`);
      return { ea: `((sb[${SEG.SS}] + ${t}) >>> 0)`, commit: `r[8] = ${t}; r[9] = 0;` };
    }
    this.emit(`const ${t} = (r16[16] + ${deltaBytes}) & 0xffff;`);
    return { ea: `(sb[${SEG.SS}] + ${t})`, commit: `r16[16] = ${t};` };
  }

  /** Pushes a value of `size` bytes (lo/hi for 8). */
  push(size: number, lo: string, hi = '0'): void {
    this.fault();
    const { ea, commit } = this.stackAddr(-size);
    if (size === 8) this.emit(`wr64(c, ${ea}, ${lo}, ${hi});`);
    else this.emit(`${memWrite(size)}(c, ${ea}, ${lo});`);
    this.emit(commit);
  }

  /** Pops into temporaries; returns [lo, hi] (hi is '0' below 8 bytes) and leaves RSP to `commit`. */
  pop(size: number): { lo: string; hi: string; commit: string } {
    this.fault();
    const { ea: top } = this.stackAddrAt(0);
    const lo = this.tmp('p'), hi = this.tmp('ph');
    if (size === 8) this.emit(`const ${lo} = rd64(c, ${top}), ${hi} = r[${TMP_HI}];`);
    else this.emit(`const ${lo} = ${memRead(size)}(c, ${top}), ${hi} = 0;`);
    const { commit } = this.stackAddr(size);
    return { lo, hi, commit };
  }

  private stackAddrAt(delta: number): { ea: string } {
    const ss = this.mode.stackSize;
    if (ss === 8) return { ea: `(r[9] * 4294967296 + (r[8] >>> 0) + ${delta})` };
    if (ss === 4) return { ea: `((sb[${SEG.SS}] + ((r[8] + ${delta}) >>> 0)) >>> 0)` };
    return { ea: `(sb[${SEG.SS}] + ((r16[16] + ${delta}) & 0xffff))` };
  }

  // ---- availability of the FPU and SIMD units (#UD/#NM exactly as hardware raises them) ----

  /** SSE/SSE2 instructions: #UD if CR0.EM or !CR4.OSFXSR, #NM if CR0.TS. Returns false when it emitted the fault. */
  requireSse(): boolean {
    const m = this.mode;
    if (m.em || !m.osfxsr) { this.fault(); this.emit('c.raise(6);'); return false; }
    if (m.ts) { this.fault(); this.emit('c.raise(7);'); return false; }
    return true;
  }

  /** MMX instructions: #UD if CR0.EM, #NM if CR0.TS. */
  requireMmx(): boolean {
    const m = this.mode;
    if (m.em) { this.fault(); this.emit('c.raise(6);'); return false; }
    if (m.ts) { this.fault(); this.emit('c.raise(7);'); return false; }
    return true;
  }

  /** x87 instructions: #NM if CR0.EM or CR0.TS (WAIT/FWAIT: only if CR0.TS and CR0.MP; pass `wait`). */
  requireFpu(wait = false): boolean {
    const m = this.mode;
    if (wait ? m.ts && m.mp : m.em || m.ts) { this.fault(); this.emit('c.raise(7);'); return false; }
    return true;
  }

  // ---- control flow ----

  /** Sets RIP to a constant (a direct branch). */
  jumpTo(target: number): void {
    this.emit(`st.rip = ${num(this.maskIp(target))};`);
    this.wroteRip = true;
  }

  maskIp(v: number): number {
    if (this.is64) return v;
    return this.mode.bitness === 32 ? v >>> 0 : v & 0xffff;
  }

  /** Sets RIP from a runtime value (lo/hi int32 pair or a narrower value). */
  jumpToValue(lo: string, hi: string, size: number): void {
    if (size === 8) { this.fault(); this.emit(`st.rip = canon(c, ${hi} * 4294967296 + (${lo} >>> 0));`); }
    else if (size === 4) this.emit(`st.rip = ${lo} >>> 0;`);
    else this.emit(`st.rip = ${lo} & 0xffff;`);
    this.wroteRip = true;
  }
}

export const TMP_HI = 36;

export function num(v: number): string {
  return Object.is(v, -0) ? '0' : String(v);
}

export function sext(size: number, v: string): string {
  if (size === 1) return `((${v}) << 24 >> 24)`;
  if (size === 2) return `((${v}) << 16 >> 16)`;
  return `(${v})`;
}

export function memRead(size: number): string {
  switch (size) {
    case 1: return 'rd8';
    case 2: return 'rd16';
    case 4: return 'rd32';
    default: throw new UnsupportedInsn(`memory read of ${size} bytes`);
  }
}

export function memWrite(size: number): string {
  switch (size) {
    case 1: return 'wr8';
    case 2: return 'wr16';
    case 4: return 'wr32';
    default: throw new UnsupportedInsn(`memory write of ${size} bytes`);
  }
}

export function readGpr(rc: RC, reg: number, size: number): string {
  if (rc === RC.Gpr8Hi) return `r8[${8 * reg + 1}]`;
  if (rc !== RC.Gpr) throw new UnsupportedInsn(`register class ${rc} as a general operand`);
  switch (size) {
    case 1: return `r8[${8 * reg}]`;
    case 2: return `r16[${4 * reg}]`;
    case 4: return `r[${2 * reg}]`;
    default: throw new UnsupportedInsn(`readGpr of ${size} bytes`);
  }
}

export function writeGpr(rc: RC, reg: number, size: number, v: string): string {
  if (rc === RC.Gpr8Hi) return `r8[${8 * reg + 1}] = ${v};`;
  if (rc !== RC.Gpr) throw new UnsupportedInsn(`register class ${rc} as a general operand`);
  switch (size) {
    case 1: return `r8[${8 * reg}] = ${v};`;
    case 2: return `r16[${4 * reg}] = ${v};`;
    case 4: return `r[${2 * reg}] = ${v}; r[${2 * reg + 1}] = 0;`;
    default: throw new UnsupportedInsn(`writeGpr of ${size} bytes`);
  }
}

/** Source of a condition-code test on the lazy flags (iced `ConditionCode` numbering). */
export function condition(cc: number): string {
  const CF = '(r[34] & 1)';
  const ZF = '((r[32] | r[33]) === 0)';
  const SF = '(((r[33] >>> 31) ^ (r[34] >> 7)) & 1)';
  const OF = '((r[34] >> 11) & 1)';
  const PF = '((P[r[32] & 255] ^ (r[34] >> 2)) & 1)';
  switch (cc) {
    case 1: return `(${OF} !== 0)`;
    case 2: return `(${OF} === 0)`;
    case 3: return `(${CF} !== 0)`;
    case 4: return `(${CF} === 0)`;
    case 5: return ZF;
    case 6: return `!${ZF}`;
    case 7: return `(${CF} !== 0 || ${ZF})`;
    case 8: return `(${CF} === 0 && !${ZF})`;
    case 9: return `(${SF} !== 0)`;
    case 10: return `(${SF} === 0)`;
    case 11: return `(${PF} !== 0)`;
    case 12: return `(${PF} === 0)`;
    case 13: return `(${SF} !== ${OF})`;
    case 14: return `(${SF} === ${OF})`;
    case 15: return `(${ZF} || ${SF} !== ${OF})`;
    case 16: return `(!${ZF} && ${SF} === ${OF})`;
    default: throw new UnsupportedInsn(`condition code ${cc}`);
  }
}
