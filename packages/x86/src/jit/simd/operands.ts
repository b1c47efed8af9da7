// Operand plumbing for the `simd` group. Vector values are int32 lanes, low lane first:
// XMM n is st.xmm[4n..4n+3], MM n is the significand of physical x87 register n, st.fpr[2n..2n+1]
// (each bound to a block-unique local by the dispatcher: `X`, `F`). Memory operands are read into
// temporaries (or the scratch vector `simd.T` for out-of-line helpers) before any register is
// written, so a fault leaves the state untouched.
import { Code } from '../../iced/iced.js';
import { OK, RC, type Insn, type Operand } from '../../ir.js';
import { type Emitter, UnsupportedInsn } from '../emitter.js';

export type Handler = (o: Ops, i: Insn) => void;

/** Handlers by iced `Code`; the modules of this folder fill it at load time. */
export const table = new Map<number, Handler>();

export function on(codes: readonly number[], h: Handler): void {
  for (const c of codes) {
    if (c === undefined) throw new Error('simd: unknown iced Code');
    table.set(c, h);
  }
}

/** The legacy-SSE forms whose 16-byte memory operand may be misaligned; every other one must be aligned. */
const UNALIGNED = new Set<number>([
  Code.Movups_xmm_xmmm128, Code.Movups_xmmm128_xmm, Code.Movupd_xmm_xmmm128, Code.Movupd_xmmm128_xmm,
  Code.Movdqu_xmm_xmmm128, Code.Movdqu_xmmm128_xmm,
]);

export class Ops {
  private aligned = false;
  /** Locals holding st.xmm and st.fpr in the instruction's code (set by the dispatcher). */
  X = 'st.xmm';
  F = 'st.fpr';

  constructor(readonly e: Emitter, readonly i: Insn) {}

  /** Assignable lane references of a vector register. */
  reg(op: Operand): string[] {
    if (op.k !== OK.Reg) throw new UnsupportedInsn('vector register expected');
    if (op.rc === RC.Xmm) return [0, 1, 2, 3].map((k) => `${this.X}[${4 * op.reg + k}]`);
    if (op.rc === RC.Mmx) return [`${this.F}[${2 * op.reg}]`, `${this.F}[${2 * op.reg + 1}]`];
    throw new UnsupportedInsn(`register class ${op.rc} in a vector operand`);
  }

  /** The operand's linear address; a 16-byte operand of an aligned form checks alignment (#GP(0)) first. */
  ea(op: Operand): string {
    const ea = this.e.ea(op);
    if (op.size === 16 && !UNALIGNED.has(this.i.code) && !this.aligned) {
      this.e.emit(`if ((${ea} & 15) !== 0) throw simd.GP0;`);
      this.aligned = true;
    }
    return ea;
  }

  /** `ea + k`, wrapping at 4 GiB outside 64-bit mode. */
  plus(ea: string, k: number): string {
    return this.e.is64 ? `${ea} + ${k}` : `((${ea} + ${k}) >>> 0)`;
  }

  /** Lanes of a source: register references, or temporaries holding `bytes` bytes read from memory. */
  src(op: Operand, bytes = op.size): string[] {
    if (op.k === OK.Reg) return this.reg(op);
    if (op.k !== OK.Mem) throw new UnsupportedInsn('vector source must be a register or memory');
    const ea = this.ea(op);
    const t = (n: number) => Array.from({ length: n }, () => this.e.tmp('m'));
    switch (bytes) {
      case 16: {
        const [a, b, c, d] = t(4);
        this.e.emit(`const ${a} = rd64(c, ${ea}), ${b} = r[36], ${c} = rd64(c, ${this.plus(ea, 8)}), ${d} = r[36];`);
        return [a, b, c, d];
      }
      case 8: {
        const [a, b] = t(2);
        this.e.emit(`const ${a} = rd64(c, ${ea}), ${b} = r[36];`);
        return [a, b];
      }
      case 4: {
        const [a] = t(1);
        this.e.emit(`const ${a} = rd32(c, ${ea});`);
        return [a];
      }
      case 2: {
        const [a] = t(1);
        this.e.emit(`const ${a} = rd16(c, ${ea});`);
        return [a];
      }
      default: throw new UnsupportedInsn(`vector memory operand of ${bytes} bytes`);
    }
  }

  /** Copies lanes into fresh temporaries (before a destination they may alias is written). */
  temps(lanes: string[]): string[] {
    return lanes.map((l) => {
      if (/^[a-z]+\$?\d+$/.test(l)) return l;
      const t = this.e.tmp('v');
      this.e.emit(`const ${t} = ${l};`);
      return t;
    });
  }

  /** Writes whole lanes of a vector register (an MMX write also sets the register's sign/exponent to ones). */
  setReg(op: Operand, lanes: string[]): void {
    const d = this.reg(op);
    if (lanes.length !== d.length) throw new Error(`simd: ${lanes.length} lanes for a ${d.length}-lane register`);
    this.e.emit(d.map((x, k) => `${x} = ${lanes[k]};`).join(' '));
    this.markMm(op);
  }

  /** After writing part of an MM register directly. */
  markMm(op: Operand): void {
    if (op.rc === RC.Mmx) this.e.emit(`st.fpe[${op.reg}] = 0xffff;`);
  }

  /** Stores lanes (4, 2 or 1 of them; `bytes` 2 stores the low word of one) to a memory operand. */
  store(op: Operand, lanes: string[], bytes = lanes.length * 4): void {
    const ea = this.ea(op);
    switch (bytes) {
      case 16: {
        const lo = `wr64(c, ${ea}, ${lanes[0]}, ${lanes[1]});`, hi = `wr64(c, ${this.plus(ea, 8)}, ${lanes[2]}, ${lanes[3]});`;
        if (!UNALIGNED.has(this.i.code)) { this.e.emit(`${lo} ${hi}`); return; }
        // Two 8-byte writes must not leave half a store behind when the second page faults. A
        // write that itself spans the pages checks both first (with CR2 at the second page's
        // start); so when the high half spans them or starts the second page, it goes first.
        this.e.emit(`if (((${ea} & 4095) - 4081 >>> 0) < 8) { ${hi} ${lo} } else { ${lo} ${hi} }`);
        return;
      }
      case 8: this.e.emit(`wr64(c, ${ea}, ${lanes[0]}, ${lanes[1]});`); return;
      case 4: this.e.emit(`wr32(c, ${ea}, ${lanes[0]});`); return;
      case 2: this.e.emit(`wr16(c, ${ea}, ${lanes[0]});`); return;
      default: throw new UnsupportedInsn(`vector store of ${bytes} bytes`);
    }
  }

  /** Writes a register or stores to memory, whichever the operand is. */
  put(op: Operand, lanes: string[], bytes?: number): void {
    if (op.k === OK.Reg) this.setReg(op, lanes);
    else this.store(op, lanes, bytes);
  }

  /**
   * An operand as `array, offset` arguments for an out-of-line helper: registers in place, memory
   * read into the scratch vector simd.T (`bytes` of it; the rest of T is stale).
   */
  arg(op: Operand, bytes = op.size): string {
    if (op.k === OK.Reg) return op.rc === RC.Xmm ? `${this.X}, ${4 * op.reg}` : `${this.F}, ${2 * op.reg}`;
    const lanes = this.src(op, bytes);
    this.e.emit(`${lanes.map((l, k) => `simd.T[${k}] = ${l};`).join(' ')}`);
    return 'simd.T, 0';
  }

  /**
   * dest = f(dest, src) lane by lane (lane k of the result depends on lane k of the inputs only, so
   * each lane is written as soon as it is computed). `bind` first copies both inputs into locals,
   * for expressions that use them more than once; f may then emit intermediate steps (`let`).
   */
  lanewise(f: (a: string, b: string) => string, bind = false): void {
    const [d, s] = this.i.ops;
    const b = this.src(s);
    const a = this.reg(d);
    a.forEach((x, k) => {
      if (!bind) { this.e.emit(`${x} = ${f(x, b[k])};`); return; }
      const ta = this.e.tmp('a'), tb = this.e.tmp('b');
      this.e.emit(`const ${ta} = ${x}, ${tb} = ${b[k]};`);
      const v = f(ta, tb);
      this.e.emit(`${x} = ${v};`);
    });
    this.markMm(d);
  }

  /** Emits `const t = v;` and returns t (for helpers building multi-step lane expressions). */
  let(v: string): string {
    const t = this.e.tmp('w');
    this.e.emit(`const ${t} = ${v};`);
    return t;
  }

  /** dest = simd[name](dest, src, lanes): an out-of-line lane-wise helper. */
  call(name: string): void {
    const [d, s] = this.i.ops;
    const src = this.arg(s);
    this.e.emit(`simd.${name}(${this.arg(d)}, ${src}, ${this.lanes(d)});`);
    this.markMm(d);
  }

  /** Number of int32 lanes of a vector register operand. */
  lanes(op: Operand): number {
    return op.rc === RC.Xmm ? 4 : 2;
  }

  /** Source lanes of a GPR (32-bit: one lane; 64-bit: two). */
  gpr(op: Operand, size = op.size): string[] {
    return size === 8 ? [`r[${2 * op.reg}]`, `r[${2 * op.reg + 1}]`] : [`r[${2 * op.reg}]`];
  }

  /** The instruction's imm8 (last operand). */
  get imm(): number {
    const op = this.i.ops[this.i.ops.length - 1];
    if (op.k !== OK.Imm) throw new UnsupportedInsn('imm8 expected');
    return op.lo & 0xff;
  }
}

/** `(v >>> sh) & 0xffff` without the shift when sh is 0, and without the mask at the top. */
export function word(v: string, index: number): string {
  const sh = 16 * (index & 1);
  return sh === 0 ? `(${v} & 0xffff)` : `(${v} >>> 16)`;
}
