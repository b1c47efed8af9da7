// Packed integer arithmetic and compares. The forms glibc's string and memory functions run in
// their inner loops (byte/word/dword add and subtract, PCMPEQ, PMINUB/PMAXUB) are inline SWAR
// expressions on int32 lanes; the rest call arith-helpers.ts.
import { Code as C } from '../../iced/iced.js';
import { type Handler, on } from './operands.js';

const B_LO = '0x7f7f7f7f', B_HI = '0x80808080', W_LO = '0x7fff7fff', W_HI = '0x80008000';

// Carries stay inside each element: add the low bits, then fix the top bit of every element.
const addSwar = (lo: string, hi: string) => (a: string, b: string) => `((${a} & ${lo}) + (${b} & ${lo})) ^ ((${a} ^ ${b}) & ${hi})`;
// Borrows stay inside each element: every element of (a | hi) is at least 0x80.. and of (b & lo) below it.
const subSwar = (lo: string, hi: string) => (a: string, b: string) => `((${a} | ${hi}) - (${b} & ${lo})) ^ ((${a} ^ ~${b}) & ${hi})`;

on([C.Paddb_mm_mmm64, C.Paddb_xmm_xmmm128], (o) => o.lanewise(addSwar(B_LO, B_HI), true));
on([C.Paddw_mm_mmm64, C.Paddw_xmm_xmmm128], (o) => o.lanewise(addSwar(W_LO, W_HI), true));
on([C.Paddd_mm_mmm64, C.Paddd_xmm_xmmm128], (o) => o.lanewise((a, b) => `(${a} + ${b}) | 0`));
on([C.Psubb_mm_mmm64, C.Psubb_xmm_xmmm128], (o) => o.lanewise(subSwar(B_LO, B_HI), true));
on([C.Psubw_mm_mmm64, C.Psubw_xmm_xmmm128], (o) => o.lanewise(subSwar(W_LO, W_HI), true));
on([C.Psubd_mm_mmm64, C.Psubd_xmm_xmmm128], (o) => o.lanewise((a, b) => `(${a} - ${b}) | 0`));

function qwords(sub: boolean): Handler {
  return (o, i) => {
    const [d, s] = i.ops;
    const b = o.src(s);
    const a = o.reg(d);
    for (let k = 0; k < a.length; k += 2) {
      const t = o.e.tmp('q');
      if (sub) {
        o.e.emit(`const ${t} = (${a[k]} >>> 0) - (${b[k]} >>> 0); ${a[k + 1]} = (${a[k + 1]} - ${b[k + 1]} - (${t} < 0 ? 1 : 0)) | 0; ${a[k]} = ${t} | 0;`);
      } else {
        o.e.emit(`const ${t} = (${a[k]} >>> 0) + (${b[k]} >>> 0); ${a[k + 1]} = (${a[k + 1]} + ${b[k + 1]} + (${t} > 4294967295 ? 1 : 0)) | 0; ${a[k]} = ${t} | 0;`);
      }
    }
    o.markMm(d);
  };
}
on([C.Paddq_mm_mmm64, C.Paddq_xmm_xmmm128], qwords(false));
on([C.Psubq_mm_mmm64, C.Psubq_xmm_xmmm128], qwords(true));

// ---- compares ----

// An element of x is zero exactly when adding "all ones below the top bit" leaves its top bit clear
// and the top bit was clear already; spread that top bit over the element.
const eqSwar = (lo: string, hi: string, sh: number, ones: string) => (a: string, b: string) =>
  `((~((((${a} ^ ${b}) & ${lo}) + ${lo}) | (${a} ^ ${b})) & ${hi}) >>> ${sh}) * ${ones} | 0`;

on([C.Pcmpeqb_mm_mmm64, C.Pcmpeqb_xmm_xmmm128], (o) => o.lanewise(eqSwar(B_LO, B_HI, 7, '255'), true));
on([C.Pcmpeqw_mm_mmm64, C.Pcmpeqw_xmm_xmmm128], (o) => o.lanewise(eqSwar(W_LO, W_HI, 15, '0xffff'), true));
on([C.Pcmpeqd_mm_mmm64, C.Pcmpeqd_xmm_xmmm128], (o) => o.lanewise((a, b) => `(${a} === ${b} ? -1 : 0)`));
on([C.Pcmpgtd_mm_mmm64, C.Pcmpgtd_xmm_xmmm128], (o) => o.lanewise((a, b) => `(${a} > ${b} ? -1 : 0)`));
on([C.Pcmpgtb_mm_mmm64, C.Pcmpgtb_xmm_xmmm128], (o) => o.call('pcmpgtb'));
on([C.Pcmpgtw_mm_mmm64, C.Pcmpgtw_xmm_xmmm128], (o) => o.call('pcmpgtw'));

// ---- unsigned byte minimum/maximum (strlen/strcmp-style loops fold blocks with PMINUB) ----

function minMaxUb(max: boolean): Handler {
  return (o) => o.lanewise((a, b) => {
    // Top bit of each byte of d: (a & 0x7f) >= (b & 0x7f); combined with the top bits, a < b.
    const d = o.let(`(${a} | ${B_HI}) - (${b} & ${B_LO})`);
    const lt = o.let(`((~${a} & ${b}) | (~(${a} ^ ${b}) & ~${d})) & ${B_HI}`);
    const m = o.let(`((${lt} >>> 7) * 255) | 0`);
    return max ? `${a} ^ ((${a} ^ ${b}) & ${m})` : `${b} ^ ((${a} ^ ${b}) & ${m})`;
  }, true);
}
on([C.Pminub_mm_mmm64, C.Pminub_xmm_xmmm128], minMaxUb(false));
on([C.Pmaxub_mm_mmm64, C.Pmaxub_xmm_xmmm128], minMaxUb(true));

// ---- out of line ----

const helper = (name: string): Handler => (o) => o.call(name);
on([C.Paddsb_mm_mmm64, C.Paddsb_xmm_xmmm128], helper('paddsb'));
on([C.Paddsw_mm_mmm64, C.Paddsw_xmm_xmmm128], helper('paddsw'));
on([C.Paddusb_mm_mmm64, C.Paddusb_xmm_xmmm128], helper('paddusb'));
on([C.Paddusw_mm_mmm64, C.Paddusw_xmm_xmmm128], helper('paddusw'));
on([C.Psubsb_mm_mmm64, C.Psubsb_xmm_xmmm128], helper('psubsb'));
on([C.Psubsw_mm_mmm64, C.Psubsw_xmm_xmmm128], helper('psubsw'));
on([C.Psubusb_mm_mmm64, C.Psubusb_xmm_xmmm128], helper('psubusb'));
on([C.Psubusw_mm_mmm64, C.Psubusw_xmm_xmmm128], helper('psubusw'));
on([C.Pmullw_mm_mmm64, C.Pmullw_xmm_xmmm128], helper('pmullw'));
on([C.Pmulhw_mm_mmm64, C.Pmulhw_xmm_xmmm128], helper('pmulhw'));
on([C.Pmulhuw_mm_mmm64, C.Pmulhuw_xmm_xmmm128], helper('pmulhuw'));
on([C.Pmuludq_mm_mmm64, C.Pmuludq_xmm_xmmm128], helper('pmuludq'));
on([C.Pmaddwd_mm_mmm64, C.Pmaddwd_xmm_xmmm128], helper('pmaddwd'));
on([C.Pavgb_mm_mmm64, C.Pavgb_xmm_xmmm128], helper('pavgb'));
on([C.Pavgw_mm_mmm64, C.Pavgw_xmm_xmmm128], helper('pavgw'));
on([C.Pminsw_mm_mmm64, C.Pminsw_xmm_xmmm128], helper('pminsw'));
on([C.Pmaxsw_mm_mmm64, C.Pmaxsw_xmm_xmmm128], helper('pmaxsw'));
on([C.Psadbw_mm_mmm64, C.Psadbw_xmm_xmmm128], helper('psadbw'));
on([C.Packsswb_mm_mmm64, C.Packsswb_xmm_xmmm128], helper('packsswb'));
on([C.Packssdw_mm_mmm64, C.Packssdw_xmm_xmmm128], helper('packssdw'));
on([C.Packuswb_mm_mmm64, C.Packuswb_xmm_xmmm128], helper('packuswb'));
