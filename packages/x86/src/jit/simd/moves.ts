// Data movement: MOVD/MOVQ in all their forms, full-register moves (aligned, unaligned,
// non-temporal), the scalar and half-register moves, masked stores, mask extraction, PEXTRW/PINSRW.
import { Code as C } from '../../iced/iced.js';
import { OK, RC } from '../../ir.js';
import { type Handler, on, word } from './operands.js';

// ---- MOVD / MOVQ ----

on([C.Movd_mm_rm32, C.Movd_xmm_rm32, C.Movq_mm_rm64, C.Movq_xmm_rm64], (o, i) => {
  const [d, s] = i.ops;
  const v = s.k === OK.Mem ? o.src(s) : o.gpr(s);
  const lanes = [v[0], v[1] ?? '0', '0', '0'];
  o.setReg(d, lanes.slice(0, o.lanes(d)));
});

on([C.Movd_rm32_mm, C.Movd_rm32_xmm], (o, i) => {
  const [d, s] = i.ops;
  o.e.store(d, o.reg(s)[0], 4);
});

on([C.Movq_rm64_mm, C.Movq_rm64_xmm], (o, i) => {
  const [d, s] = i.ops;
  const [lo, hi] = o.reg(s);
  o.e.store64(d, lo, hi);
});

// MOVQ mm, mm/m64 and MOVQ mm/m64, mm; MOVNTQ m64, mm.
on([C.Movq_mm_mmm64, C.Movq_mmm64_mm, C.Movntq_m64_mm], (o, i) => {
  const [d, s] = i.ops;
  o.put(d, o.src(s, 8));
});

// MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64, xmm (66 0F D6): a register destination is zero-extended.
on([C.Movq_xmm_xmmm64, C.Movq_xmmm64_xmm], (o, i) => {
  const [d, s] = i.ops;
  const [lo, hi] = o.src(s, 8);
  if (d.k === OK.Reg) o.setReg(d, [lo, hi, '0', '0']);
  else o.store(d, [lo, hi]);
});

on([C.Movq2dq_xmm_mm], (o, i) => {
  const [d, s] = i.ops;
  const [lo, hi] = o.reg(s);
  o.setReg(d, [lo, hi, '0', '0']);
});

on([C.Movdq2q_mm_xmm], (o, i) => {
  const [d, s] = i.ops;
  o.setReg(d, o.reg(s).slice(0, 2));
});

// ---- whole-register moves (alignment is checked by Ops for the aligned forms) ----

on([C.Movaps_xmm_xmmm128, C.Movapd_xmm_xmmm128, C.Movdqa_xmm_xmmm128, C.Movups_xmm_xmmm128,
  C.Movupd_xmm_xmmm128, C.Movdqu_xmm_xmmm128, C.Movaps_xmmm128_xmm, C.Movapd_xmmm128_xmm,
  C.Movdqa_xmmm128_xmm, C.Movups_xmmm128_xmm, C.Movupd_xmmm128_xmm, C.Movdqu_xmmm128_xmm,
  C.Movntps_m128_xmm, C.Movntpd_m128_xmm, C.Movntdq_m128_xmm], (o, i) => {
  const [d, s] = i.ops;
  o.put(d, o.src(s));
});

// MOVNTI is a general-register store: no SIMD state involved (the dispatcher skips the checks).
on([C.Movnti_m32_r32, C.Movnti_m64_r64], (o, i) => {
  const [d, s] = i.ops;
  if (s.size === 8) o.e.store64(d, `r[${2 * s.reg}]`, `r[${2 * s.reg + 1}]`);
  else o.e.store(d, `r[${2 * s.reg}]`, 4);
});

// ---- scalar moves: register forms merge the low lane(s), loads zero the rest, stores write the low lane(s) ----

function scalarMove(n: number): Handler {
  return (o, i) => {
    const [d, s] = i.ops;
    if (d.k === OK.Mem) { o.store(d, o.reg(s).slice(0, n)); return; }
    if (s.k === OK.Mem) {
      const v = o.src(s);
      o.setReg(d, [...v, '0', '0', '0'].slice(0, 4));
      return;
    }
    const dl = o.reg(d), sl = o.reg(s);
    o.e.emit(dl.slice(0, n).map((x, k) => `${x} = ${sl[k]};`).join(' '));
  };
}
on([C.Movss_xmm_xmmm32, C.Movss_xmmm32_xmm], scalarMove(1));
on([C.Movsd_xmm_xmmm64, C.Movsd_xmmm64_xmm], scalarMove(2));

// ---- half-register moves ----

on([C.Movlps_xmm_m64, C.Movlpd_xmm_m64, C.Movhps_xmm_m64, C.Movhpd_xmm_m64], (o, i) => {
  const [d, s] = i.ops;
  const [lo, hi] = o.src(s, 8);
  const high = i.code === C.Movhps_xmm_m64 || i.code === C.Movhpd_xmm_m64;
  const dl = o.reg(d);
  o.e.emit(`${dl[high ? 2 : 0]} = ${lo}; ${dl[high ? 3 : 1]} = ${hi};`);
});

on([C.Movlps_m64_xmm, C.Movlpd_m64_xmm, C.Movhps_m64_xmm, C.Movhpd_m64_xmm], (o, i) => {
  const [d, s] = i.ops;
  const sl = o.reg(s);
  const high = i.code === C.Movhps_m64_xmm || i.code === C.Movhpd_m64_xmm;
  o.store(d, high ? sl.slice(2) : sl.slice(0, 2));
});

on([C.Movhlps_xmm_xmm], (o, i) => {
  const [d, s] = [o.reg(i.ops[0]), o.reg(i.ops[1])];
  o.e.emit(`${d[0]} = ${s[2]}; ${d[1]} = ${s[3]};`);
});

on([C.Movlhps_xmm_xmm], (o, i) => {
  const [d, s] = [o.reg(i.ops[0]), o.reg(i.ops[1])];
  o.e.emit(`${d[2]} = ${s[0]}; ${d[3]} = ${s[1]};`);
});

// ---- masked stores: [rDI] (DS, overridable) gets the bytes of the first register selected by the second ----

on([C.Maskmovq_rDI_mm_mm, C.Maskmovdqu_rDI_xmm_xmm], (o, i) => {
  const [m, data, mask] = i.ops;
  const ea = o.e.ea(m);
  const xmm = data.rc === RC.Xmm;
  o.e.emit(`simd.maskmov(c, ${ea}, ${o.arg(data)}, ${o.arg(mask)}, ${xmm ? 16 : 8}, ${!o.e.is64});`);
});

// ---- sign-bit masks into a general register (zero-extended) ----

function toGpr(reg: number, v: string): string {
  return `r[${2 * reg}] = ${v}; r[${2 * reg + 1}] = 0;`;
}

on([C.Movmskps_r32_xmm, C.Movmskps_r64_xmm], (o, i) => {
  const s = o.reg(i.ops[1]);
  o.e.emit(toGpr(i.ops[0].reg, `(${s[0]} >>> 31) | ((${s[1]} >>> 31) << 1) | ((${s[2]} >>> 31) << 2) | ((${s[3]} >>> 31) << 3)`));
});

on([C.Movmskpd_r32_xmm, C.Movmskpd_r64_xmm], (o, i) => {
  const s = o.reg(i.ops[1]);
  o.e.emit(toGpr(i.ops[0].reg, `(${s[1]} >>> 31) | ((${s[3]} >>> 31) << 1)`));
});

/** The top bits of a lane's four bytes as a 4-bit number: one multiply gathers them into bits 28-31. */
export function byteSigns(v: string): string {
  return `(Math.imul((${v} >>> 7) & 0x01010101, 0x10204080) >>> 28)`;
}

on([C.Pmovmskb_r32_mm, C.Pmovmskb_r64_mm, C.Pmovmskb_r32_xmm, C.Pmovmskb_r64_xmm], (o, i) => {
  const s = o.reg(i.ops[1]);
  o.e.emit(toGpr(i.ops[0].reg, s.map((l, k) => k === 0 ? byteSigns(l) : `(${byteSigns(l)} << ${4 * k})`).join(' | ')));
});

// ---- PEXTRW / PINSRW ----

on([C.Pextrw_r32_mm_imm8, C.Pextrw_r64_mm_imm8, C.Pextrw_r32_xmm_imm8, C.Pextrw_r64_xmm_imm8,
  C.Pextrw_r32m16_xmm_imm8, C.Pextrw_r64m16_xmm_imm8], (o, i) => {
  const [d, s] = i.ops;
  const sl = o.reg(s);
  const w = o.imm & (sl.length * 2 - 1);
  const v = word(sl[w >> 1], w);
  if (d.k === OK.Mem) o.store(d, [v], 2);
  else o.e.emit(toGpr(d.reg, v));
});

on([C.Pinsrw_mm_r32m16_imm8, C.Pinsrw_mm_r64m16_imm8, C.Pinsrw_xmm_r32m16_imm8, C.Pinsrw_xmm_r64m16_imm8], (o, i) => {
  const [d, s] = i.ops;
  const v = s.k === OK.Mem ? o.src(s, 2)[0] : `r[${2 * s.reg}]`;
  const dl = o.reg(d);
  const w = o.imm & (dl.length * 2 - 1);
  const l = dl[w >> 1];
  o.e.emit((w & 1) === 0 ? `${l} = (${l} & -65536) | (${v} & 0xffff);` : `${l} = (${l} & 0xffff) | (${v} << 16);`);
  o.markMm(d);
});
