// Shifts: PSLL/PSRL/PSRA by word, dword and qword, and the whole-register byte shifts. Immediate
// counts are known when compiling, so those forms are inline; a count from a register or memory
// is a 64-bit unsigned number, handled by shift-helpers.ts. Counts beyond the element width give
// zeroes (logical) or copies of the sign bit (arithmetic).
import { Code as C } from '../../iced/iced.js';
import { OK } from '../../ir.js';
import { type Handler, type Ops, on } from './operands.js';

/** Shift kinds (shared with shift-helpers.ts): left/right-logical/right-arithmetic by word, dword, qword. */
export const SK = { Llw: 0, Rlw: 1, Raw: 2, Lld: 3, Rld: 4, Rad: 5, Llq: 6, Rlq: 7 } as const;
type Kind = (typeof SK)[keyof typeof SK];

/** Lane expressions of the shift of lanes `a` by a constant count. */
function shiftConst(o: Ops, a: string[], kind: Kind, n: number): string[] {
  switch (kind) {
    case SK.Llw: return n > 15 ? a.map(() => '0') : a.map((x) => `(${x} << ${n}) & ${((0xffff << n) & 0xffff) * 0x10001 | 0}`);
    case SK.Rlw: return n > 15 ? a.map(() => '0') : a.map((x) => `(${x} >>> ${n}) & ${(0xffff >>> n) * 0x10001}`);
    case SK.Raw: {
      const k = Math.min(n, 15);
      return a.map((x) => `(((${x} << 16) >> ${16 + k}) & 0xffff) | ((${x} >> ${k}) & -65536)`);
    }
    case SK.Lld: return n > 31 ? a.map(() => '0') : a.map((x) => `${x} << ${n}`);
    case SK.Rld: return n > 31 ? a.map(() => '0') : a.map((x) => `${x} >>> ${n}`);
    case SK.Rad: return a.map((x) => `${x} >> ${Math.min(n, 31)}`);
    case SK.Llq: case SK.Rlq: {
      const out: string[] = [];
      for (let k = 0; k < a.length; k += 2) out.push(...qshift(a[k], a[k + 1], n, kind === SK.Llq));
      return out;
    }
  }
}

function qshift(lo: string, hi: string, n: number, left: boolean): [string, string] {
  if (n > 63) return ['0', '0'];
  if (n === 0) return [lo, hi];
  if (left) {
    if (n >= 32) return ['0', `${lo} << ${n - 32}`];
    return [`${lo} << ${n}`, `(${hi} << ${n}) | (${lo} >>> ${32 - n})`];
  }
  if (n >= 32) return [`${hi} >>> ${n - 32}`, '0'];
  return [`(${lo} >>> ${n}) | (${hi} << ${32 - n})`, `${hi} >>> ${n}`];
}

function byImmediate(kind: Kind): Handler {
  return (o, i) => {
    const d = i.ops[0];
    const a = o.temps(o.reg(d));
    o.setReg(d, shiftConst(o, a, kind, o.imm));
  };
}

function byOperand(kind: Kind): Handler {
  return (o, i) => {
    const [d, s] = i.ops;
    // Only the low 64 bits count, but a memory operand is read (and alignment-checked) whole.
    const c = s.k === OK.Mem ? o.src(s) : o.reg(s);
    o.e.emit(`simd.shift(${o.arg(d)}, ${o.lanes(d)}, ${kind}, ${c[0]}, ${c[1]});`);
    o.markMm(d);
  };
}

const forms: [Kind, number[], number[]][] = [
  [SK.Llw, [C.Psllw_mm_imm8, C.Psllw_xmm_imm8], [C.Psllw_mm_mmm64, C.Psllw_xmm_xmmm128]],
  [SK.Rlw, [C.Psrlw_mm_imm8, C.Psrlw_xmm_imm8], [C.Psrlw_mm_mmm64, C.Psrlw_xmm_xmmm128]],
  [SK.Raw, [C.Psraw_mm_imm8, C.Psraw_xmm_imm8], [C.Psraw_mm_mmm64, C.Psraw_xmm_xmmm128]],
  [SK.Lld, [C.Pslld_mm_imm8, C.Pslld_xmm_imm8], [C.Pslld_mm_mmm64, C.Pslld_xmm_xmmm128]],
  [SK.Rld, [C.Psrld_mm_imm8, C.Psrld_xmm_imm8], [C.Psrld_mm_mmm64, C.Psrld_xmm_xmmm128]],
  [SK.Rad, [C.Psrad_mm_imm8, C.Psrad_xmm_imm8], [C.Psrad_mm_mmm64, C.Psrad_xmm_xmmm128]],
  [SK.Llq, [C.Psllq_mm_imm8, C.Psllq_xmm_imm8], [C.Psllq_mm_mmm64, C.Psllq_xmm_xmmm128]],
  [SK.Rlq, [C.Psrlq_mm_imm8, C.Psrlq_xmm_imm8], [C.Psrlq_mm_mmm64, C.Psrlq_xmm_xmmm128]],
];
for (const [kind, imm, op] of forms) {
  on(imm, byImmediate(kind));
  on(op, byOperand(kind));
}

// ---- PSLLDQ / PSRLDQ: the whole register by imm8 bytes (16 or more clears it) ----

function byteShift(left: boolean): Handler {
  return (o, i) => {
    const d = i.ops[0];
    const n = o.imm;
    const a = o.temps(o.reg(d));
    const q = n >> 2, sh = 8 * (n & 3);
    const at = (k: number) => (k >= 0 && k < 4 && n < 16 ? a[k] : '0');
    o.setReg(d, [0, 1, 2, 3].map((k) => {
      if (left) {
        const x = at(k - q), y = at(k - q - 1);
        if (sh === 0) return x;
        return `(${x} << ${sh}) | (${y} >>> ${32 - sh})`;
      }
      const x = at(k + q), y = at(k + q + 1);
      if (sh === 0) return x;
      return `(${x} >>> ${sh}) | (${y} << ${32 - sh})`;
    }));
  };
}
on([C.Pslldq_xmm_imm8], byteShift(true));
on([C.Psrldq_xmm_imm8], byteShift(false));
