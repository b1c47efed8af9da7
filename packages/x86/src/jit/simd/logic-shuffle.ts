// Bitwise logic on any lane type, shuffles and unpacks: all inline lane arithmetic (glibc's
// string functions and memset broadcast bytes with PUNPCKLBW/PSHUFD and test with POR/PAND).
import { Code as C } from '../../iced/iced.js';
import { type Handler, on, word } from './operands.js';

// ---- logic ----

on([C.Pand_mm_mmm64, C.Pand_xmm_xmmm128, C.Andps_xmm_xmmm128, C.Andpd_xmm_xmmm128], (o) => o.lanewise((a, b) => `${a} & ${b}`));
on([C.Pandn_mm_mmm64, C.Pandn_xmm_xmmm128, C.Andnps_xmm_xmmm128, C.Andnpd_xmm_xmmm128], (o) => o.lanewise((a, b) => `~${a} & ${b}`));
on([C.Por_mm_mmm64, C.Por_xmm_xmmm128, C.Orps_xmm_xmmm128, C.Orpd_xmm_xmmm128], (o) => o.lanewise((a, b) => `${a} | ${b}`));
// XOR of a register with itself is the usual way to clear it: no need to read anything.
on([C.Pxor_mm_mmm64, C.Pxor_xmm_xmmm128, C.Xorps_xmm_xmmm128, C.Xorpd_xmm_xmmm128], (o, i) => {
  const [d, s] = i.ops;
  if (s.k === d.k && s.rc === d.rc && s.reg === d.reg) o.setReg(d, o.reg(d).map(() => '0'));
  else o.lanewise((a, b) => `${a} ^ ${b}`);
});

// ---- shuffles ----

on([C.Pshufd_xmm_xmmm128_imm8], (o, i) => {
  const b = o.temps(o.src(i.ops[1]));
  const imm = o.imm;
  o.setReg(i.ops[0], [0, 1, 2, 3].map((k) => b[(imm >> (2 * k)) & 3]));
});

/** Four words picked by imm8 from the four words starting at lane `from` of `b`, as two lanes. */
function pickWords(b: string[], from: number, imm: number): string[] {
  const w = (k: number) => {
    const j = (imm >> (2 * k)) & 3;
    return word(b[from + (j >> 1)], j);
  };
  return [`${w(0)} | (${w(1)} << 16)`, `${w(2)} | (${w(3)} << 16)`];
}

on([C.Pshufw_mm_mmm64_imm8], (o, i) => {
  const b = o.temps(o.src(i.ops[1]));
  o.setReg(i.ops[0], pickWords(b, 0, o.imm));
});

on([C.Pshuflw_xmm_xmmm128_imm8], (o, i) => {
  const b = o.temps(o.src(i.ops[1]));
  o.setReg(i.ops[0], [...pickWords(b, 0, o.imm), b[2], b[3]]);
});

on([C.Pshufhw_xmm_xmmm128_imm8], (o, i) => {
  const b = o.temps(o.src(i.ops[1]));
  o.setReg(i.ops[0], [b[0], b[1], ...pickWords(b, 2, o.imm)]);
});

on([C.Shufps_xmm_xmmm128_imm8], (o, i) => {
  const [d, s] = i.ops;
  const b = o.temps(o.src(s));
  const a = o.temps(o.reg(d));
  const imm = o.imm;
  o.setReg(d, [a[imm & 3], a[(imm >> 2) & 3], b[(imm >> 4) & 3], b[(imm >> 6) & 3]]);
});

on([C.Shufpd_xmm_xmmm128_imm8], (o, i) => {
  const [d, s] = i.ops;
  const b = o.temps(o.src(s));
  const a = o.temps(o.reg(d));
  const x = 2 * (o.imm & 1), y = 2 * ((o.imm >> 1) & 1);
  o.setReg(d, [a[x], a[x + 1], b[y], b[y + 1]]);
});

// ---- unpacks: interleave the low (or high) halves of destination and source ----

/** The inputs of an unpack as temporaries: destination lanes, source lanes (an m32 source of an MMX low unpack has one). */
function unpackInputs(o: Parameters<Handler>[0], i: Parameters<Handler>[1]): [string[], string[]] {
  const [d, s] = i.ops;
  const b = o.temps(o.src(s));
  return [o.temps(o.reg(d)), b];
}

function unpackBytes(high: boolean): Handler {
  return (o, i) => {
    const [a, b] = unpackInputs(o, i);
    const n = a.length;
    o.setReg(i.ops[0], a.map((_, k) => {
      const j = (high ? n : 0) + k;
      const wa = o.temps([word(a[j >> 1], j)])[0], wb = o.temps([word(b[j >> 1], j)])[0];
      return `(${wa} & 0xff) | ((${wb} & 0xff) << 8) | ((${wa} & 0xff00) << 8) | ((${wb} & 0xff00) << 16)`;
    }));
  };
}

function unpackWords(high: boolean): Handler {
  return (o, i) => {
    const [a, b] = unpackInputs(o, i);
    const n = a.length;
    o.setReg(i.ops[0], a.map((_, k) => {
      const j = (high ? n : 0) + k;
      return `${word(a[j >> 1], j)} | (${word(b[j >> 1], j)} << 16)`;
    }));
  };
}

function unpackDwords(high: boolean): Handler {
  return (o, i) => {
    const [a, b] = unpackInputs(o, i);
    const base = high ? a.length / 2 : 0;
    o.setReg(i.ops[0], a.map((_, k) => ((k & 1) === 0 ? a : b)[base + (k >> 1)]));
  };
}

function unpackQwords(high: boolean): Handler {
  return (o, i) => {
    const [a, b] = unpackInputs(o, i);
    const base = high ? 2 : 0;
    o.setReg(i.ops[0], [a[base], a[base + 1], b[base], b[base + 1]]);
  };
}

on([C.Punpcklbw_mm_mmm32, C.Punpcklbw_xmm_xmmm128], unpackBytes(false));
on([C.Punpckhbw_mm_mmm64, C.Punpckhbw_xmm_xmmm128], unpackBytes(true));
on([C.Punpcklwd_mm_mmm32, C.Punpcklwd_xmm_xmmm128], unpackWords(false));
on([C.Punpckhwd_mm_mmm64, C.Punpckhwd_xmm_xmmm128], unpackWords(true));
on([C.Punpckldq_mm_mmm32, C.Punpckldq_xmm_xmmm128, C.Unpcklps_xmm_xmmm128], unpackDwords(false));
on([C.Punpckhdq_mm_mmm64, C.Punpckhdq_xmm_xmmm128, C.Unpckhps_xmm_xmmm128], unpackDwords(true));
on([C.Punpcklqdq_xmm_xmmm128, C.Unpcklpd_xmm_xmmm128], unpackQwords(false));
on([C.Punpckhqdq_xmm_xmmm128, C.Unpckhpd_xmm_xmmm128], unpackQwords(true));
