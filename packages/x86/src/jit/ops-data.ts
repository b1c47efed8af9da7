// Data movement: MOV and its extending forms, LEA, XCHG/XADD/CMPXCHG, CMOVcc/SETcc, the stack,
// sign extensions of the accumulator, BSWAP.
import { OK, RC, type Insn, type Operand } from '../ir.js';
import { Code, Mnemonic as M } from '../iced/iced.js';
import { type Emitter, TMP_HI, UnsupportedInsn, condition, memRead, sext, num } from './emitter.js';
import { probeRmw } from './ops-alu.js';

export function mov(e: Emitter, i: Insn): void {
  const [d, s] = i.ops;
  if (d.rc === RC.Seg && d.k === OK.Reg) {
    e.fault();
    e.emit(`loadSeg(c, ${d.reg}, ${e.load(s, 2)});`);
    return;
  }
  if (s.k === OK.Reg && s.rc === RC.Seg) {
    // MOV r/m, Sreg: a register destination takes the zero-extended selector.
    const v = `c.state.segSel[${s.reg}]`;
    if (d.k === OK.Reg && d.size === 8) e.emit(`r[${2 * d.reg}] = ${v}; r[${2 * d.reg + 1}] = 0;`);
    else e.store(d, v, d.k === OK.Mem ? 2 : d.size);
    return;
  }
  if ((d.k === OK.Reg && (d.rc === RC.Cr || d.rc === RC.Dr)) || (s.k === OK.Reg && (s.rc === RC.Cr || s.rc === RC.Dr))) {
    return movControl(e, i);
  }
  if (d.size === 8) {
    const [lo, hi] = e.load64(s);
    e.store64(d, lo, hi);
    return;
  }
  e.store(d, e.load(s, d.size));
}

function movControl(e: Emitter, i: Insn): void {
  const [d, s] = i.ops;
  e.fault();
  const isCr = d.rc === RC.Cr || s.rc === RC.Cr;
  if (d.rc === RC.Cr || d.rc === RC.Dr) {
    const lo = `r[${2 * s.reg}]`, hi = e.is64 ? `r[${2 * s.reg + 1}]` : '0';
    e.emit(`${isCr ? 'writeCr' : 'writeDr'}(c, ${d.reg}, ${lo}, ${hi});`);
  } else {
    e.emit(`${isCr ? 'readCr' : 'readDr'}(c, ${s.reg}, ${d.reg}, ${e.is64});`);
  }
}

export function movExtend(e: Emitter, i: Insn, signed: boolean): void {
  const [d, s] = i.ops;
  const v = e.tmp('v');
  e.emit(`const ${v} = ${signed ? sext(s.size, e.load(s)) : e.load(s)};`);
  if (d.size === 8) {
    e.store64(d, v, signed ? `(${v} >> 31)` : '0');
  } else {
    e.store(d, v);
  }
}

export function lea(e: Emitter, i: Insn): void {
  const [d, m] = i.ops;
  const as = i.addrSize;
  if (d.size === 8 && as === 64) {
    // Exact 64-bit arithmetic: LEA is used as an adder, so no rounding through doubles.
    if (m.base === 16) {
      const lo = m.disp | 0, hi = Math.floor(m.disp / 4294967296) | 0;
      e.emit(`r[${2 * d.reg}] = ${lo}; r[${2 * d.reg + 1}] = ${hi};`);
      return;
    }
    const s = e.tmp('s');
    const lo: string[] = [], hi: string[] = [];
    if (m.base >= 0) { lo.push(`(r[${2 * m.base}] >>> 0)`); hi.push(`r[${2 * m.base + 1}]`); }
    if (m.index >= 0) {
      lo.push(`(r[${2 * m.index}] >>> 0) * ${m.scale}`);
      hi.push(`r[${2 * m.index + 1}] * ${m.scale}`);
    }
    lo.push(num(m.disp | 0));
    e.emit(`const ${s} = ${lo.join(' + ')};`);
    e.emit(`r[${2 * d.reg + 1}] = (${[...hi, `Math.floor(${s} / 4294967296)`].join(' + ')}) | 0;`);
    e.emit(`r[${2 * d.reg}] = ${s} | 0;`);
    return;
  }
  const off = e.offset(m);
  if (d.size === 8) e.emit(`r[${2 * d.reg}] = ${off} | 0; r[${2 * d.reg + 1}] = 0;`);
  else if (d.size === 4) e.emit(`r[${2 * d.reg}] = ${off} | 0; r[${2 * d.reg + 1}] = 0;`);
  else e.emit(`r16[${4 * d.reg}] = ${off};`);
}

export function xchg(e: Emitter, i: Insn): void {
  const [a, b] = i.ops;
  probeRmw(e, a.k === OK.Mem ? a : b, a.size);
  if (a.size === 8) {
    const [al, ah] = e.load64(a);
    const [bl, bh] = e.load64(b);
    const t = [e.tmp(), e.tmp(), e.tmp(), e.tmp()];
    e.emit(`const ${t[0]} = ${al}, ${t[1]} = ${ah}, ${t[2]} = ${bl}, ${t[3]} = ${bh};`);
    // Memory first: if the store faults, no register has changed yet.
    if (a.k === OK.Mem) { e.store64(a, t[2], t[3]); e.store64(b, t[0], t[1]); }
    else { e.store64(b, t[0], t[1]); e.store64(a, t[2], t[3]); }
    return;
  }
  const x = e.tmp(), y = e.tmp();
  e.emit(`const ${x} = ${e.load(a)}, ${y} = ${e.load(b)};`);
  if (a.k === OK.Mem) { e.store(a, y); e.store(b, x); } else { e.store(b, x); e.store(a, y); }
}

export function xadd(e: Emitter, i: Insn): void {
  const [d, s] = i.ops;
  const size = d.size;
  probeRmw(e, d, size);
  if (size === 8) {
    const [dl, dh] = e.load64(d);
    const [sl, sh] = e.load64(s);
    const t = [e.tmp(), e.tmp(), e.tmp(), e.tmp()];
    const x = e.tmp('s'), rl = e.tmp('rl'), rh = e.tmp('rh');
    e.emit(`const ${t[0]} = ${dl}, ${t[1]} = ${dh}, ${t[2]} = ${sl}, ${t[3]} = ${sh};`);
    e.emit(`const ${x} = (${t[0]} >>> 0) + (${t[2]} >>> 0);`);
    e.emit(`const ${rl} = ${x} | 0, ${rh} = (${t[1]} + ${t[3]} + (${x} > 4294967295 ? 1 : 0)) | 0;`);
    if (d.k === OK.Mem) { e.store64(d, rl, rh); e.store64(s, t[0], t[1]); }
    else { e.store64(s, t[0], t[1]); e.store64(d, rl, rh); }
    e.setFlags(8, rl, `auxAdd64(${t[0]}, ${t[2]}, ${rl}, ${t[1]}, ${t[3]}, ${rh})`, rh);
    return;
  }
  const a = e.tmp('a'), b = e.tmp('b'), res = e.tmp('r');
  e.emit(`const ${a} = ${e.load(d)}, ${b} = ${e.load(s)};`);
  e.emit(`const ${res} = (${a} + ${b}) | 0;`);
  // SRC ← DEST, then DEST ← sum: with one register as both operands the sum wins. Memory is
  // written first so that a fault leaves the register unchanged.
  if (d.k === OK.Mem) { e.store(d, res); e.store(s, a); } else { e.store(s, a); e.store(d, res); }
  e.setFlags(size, res, `auxAdd(${a}, ${b}, ${res}, ${size * 8 - 1})`);
}

export function cmpxchg(e: Emitter, i: Insn): void {
  const [d, s] = i.ops;
  const size = d.size;
  probeRmw(e, d, size);
  if (size === 8) {
    const [dl, dh] = e.load64(d);
    const t = [e.tmp(), e.tmp()];
    const x = e.tmp('s'), rl = e.tmp('rl'), rh = e.tmp('rh');
    e.emit(`const ${t[0]} = ${dl}, ${t[1]} = ${dh};`);
    e.emit(`const ${x} = (r[0] >>> 0) - (${t[0]} >>> 0);`);
    e.emit(`const ${rl} = ${x} | 0, ${rh} = (r[1] - ${t[1]} - (${x} < 0 ? 1 : 0)) | 0;`);
    e.emit(`r[32] = ${rl}; r[33] = ${rh}; r[34] = auxSub64(r[0], ${t[0]}, ${rl}, r[1], ${t[1]}, ${rh});`);
    e.emit(`if ((${rl} | ${rh}) === 0) {`);
    e.store64(d, `r[${2 * s.reg}]`, `r[${2 * s.reg + 1}]`);
    e.emit('} else {');
    // The destination is written back even on failure (a locked RMW cycle always writes).
    if (d.k === OK.Mem) e.store64(d, t[0], t[1]);
    e.emit(`r[0] = ${t[0]}; r[1] = ${t[1]};`);
    e.emit('}');
    return;
  }
  const acc: Operand = { ...d, k: OK.Reg, rc: RC.Gpr, reg: 0 };
  const a = e.tmp('a'), v = e.tmp('v'), res = e.tmp('r');
  e.emit(`const ${v} = ${e.load(d)}, ${a} = ${e.load(acc)};`);
  e.emit(`const ${res} = (${a} - ${v}) | 0;`);
  e.emit(`r[32] = ${sext(size, res)}; r[33] = r[32] >> 31; r[34] = auxSub(${a}, ${v}, ${res}, ${size * 8 - 1});`);
  e.emit(`if (${sext(size, res)} === 0) {`);
  e.store(d, e.load(s));
  e.emit('} else {');
  if (d.k === OK.Mem) e.store(d, v);
  e.store(acc, v);
  e.emit('}');
}

export function cmov(e: Emitter, i: Insn): void {
  const [d, s] = i.ops;
  if (d.size === 8) {
    const [lo, hi] = e.load64(s);
    e.emit(`if (${condition(i.cc)}) { r[${2 * d.reg}] = ${lo}; r[${2 * d.reg + 1}] = ${hi}; }`);
    return;
  }
  const v = e.load(s);
  // A 32-bit CMOV zero-extends its destination even when the condition is false.
  if (d.size === 4) e.emit(`if (${condition(i.cc)}) r[${2 * d.reg}] = ${v}; r[${2 * d.reg + 1}] = 0;`);
  else e.emit(`if (${condition(i.cc)}) r16[${4 * d.reg}] = ${v};`);
}

export function setcc(e: Emitter, i: Insn): void {
  e.store(i.ops[0], `(${condition(i.cc)} ? 1 : 0)`);
}

/** The operand size of a stack operation: from iced's stack-pointer increment. */
function stackOpSize(e: Emitter, i: Insn): number {
  const op = i.ops[0];
  if (op && op.k === OK.Reg && op.rc === RC.Gpr) return op.size;
  if (op && op.k === OK.Mem) return op.size;
  return Math.abs(i.stackInc) || e.mode.stackSize;
}

export function push(e: Emitter, i: Insn): void {
  const s = i.ops[0];
  const size = stackOpSize(e, i);
  if (s.k === OK.Reg && s.rc === RC.Seg) {
    e.push(size, `c.state.segSel[${s.reg}]`, '0');
    return;
  }
  if (size === 8) {
    if (s.k === OK.Imm) { e.push(8, String(s.lo | 0), String(s.hi | 0)); return; }
    const [lo, hi] = e.load64(s);
    const a = e.tmp(), b = e.tmp();
    e.emit(`const ${a} = ${lo}, ${b} = ${hi};`);
    e.push(8, a, b);
    return;
  }
  const v = e.tmp();
  e.emit(`const ${v} = ${e.load(s, size)};`);
  e.push(size, v);
}

export function pop(e: Emitter, i: Insn): void {
  const d = i.ops[0];
  const size = d.k === OK.Reg && d.rc === RC.Seg ? e.mode.stackSize : stackOpSize(e, i);
  const { lo, hi, commit } = e.pop(size);
  if (d.k === OK.Reg && d.rc === RC.Seg) {
    e.emit(`loadSeg(c, ${d.reg}, ${lo} & 0xffff);`);
    e.emit(commit);
    return;
  }
  if (d.k === OK.Mem) {
    // Memory destination: write first so a fault leaves RSP unchanged. An rSP base addresses the
    // destination as it is after the pop, so the write happens there.
    const dst: Operand = d.base === 4 ? { ...d, disp: d.disp + size } : d;
    if (size === 8) e.store64(dst, lo, hi); else e.store(dst, lo, size);
    e.emit(commit);
    return;
  }
  e.emit(commit);
  if (size === 8) e.store64(d, lo, hi); else e.store(d, lo, size);
}

export function leave(e: Emitter, i: Insn): void {
  const ss = e.mode.stackSize;
  const size = i.code === Code.Leavew ? 2 : i.code === Code.Leaved ? 4 : i.code === Code.Leaveq ? 8 : ss;
  // RSP ← RBP, then pop rBP: the saved value is read at rBP first, so a fault changes nothing.
  e.fault();
  const v = e.tmp('p'), vh = e.tmp('ph'), sp = e.tmp('sp');
  if (ss === 8) {
    e.emit(`const ${sp} = r[11] * 4294967296 + (r[10] >>> 0);`);
    if (size === 8) e.emit(`const ${v} = rd64(c, ${sp}), ${vh} = r[${TMP_HI}];`);
    else e.emit(`const ${v} = ${memRead(size)}(c, ${sp});`);
    e.emit(`r[8] = (${sp} + ${size}) | 0; r[9] = Math.floor((${sp} + ${size}) / 4294967296) | 0;`);
  } else {
    e.emit(`const ${sp} = ${ss === 4 ? 'r[10] >>> 0' : 'r16[20]'};`);
    e.emit(`const ${v} = ${memRead(size)}(c, ${ss === 4 ? `(sb[2] + ${sp}) >>> 0` : `sb[2] + ${sp}`});`);
    if (ss === 4) e.emit(`r[8] = (${sp} + ${size}) | 0; r[9] = 0;`);
    else e.emit(`r16[16] = (${sp} + ${size}) & 0xffff;`);
  }
  if (size === 8) e.emit(`r[10] = ${v}; r[11] = ${vh};`);
  else if (size === 4) e.emit(`r[10] = ${v}; r[11] = 0;`);
  else e.emit(`r16[20] = ${v};`);
}

/** CBW/CWDE/CDQE: sign-extend the accumulator in place. */
export function extendAcc(e: Emitter, i: Insn): void {
  switch (i.mnem) {
    case M.Cbw: e.emit('r16[0] = (r8[0] << 24 >> 24) & 0xffff;'); break;
    case M.Cwde: e.emit('r[0] = r16[0] << 16 >> 16; r[1] = 0;'); break;
    case M.Cdqe: e.emit('r[1] = r[0] >> 31;'); break;
    default: throw new UnsupportedInsn('extendAcc');
  }
}

/** CWD/CDQ/CQO: sign of the accumulator into rDX. */
export function signToDx(e: Emitter, i: Insn): void {
  switch (i.mnem) {
    case M.Cwd: e.emit('r16[8] = (r16[0] & 0x8000) ? 0xffff : 0;'); break;
    case M.Cdq: e.emit('r[4] = r[0] >> 31; r[5] = 0;'); break;
    case M.Cqo: e.emit('r[4] = r[1] >> 31; r[5] = r[1] >> 31;'); break;
    default: throw new UnsupportedInsn('signToDx');
  }
}

export function bswap(e: Emitter, i: Insn): void {
  const d = i.ops[0];
  const sw = (x: string) => `((${x} << 24) | ((${x} & 0xff00) << 8) | ((${x} >>> 8) & 0xff00) | (${x} >>> 24))`;
  if (d.size === 8) {
    const lo = e.tmp(), hi = e.tmp();
    e.emit(`const ${lo} = r[${2 * d.reg}], ${hi} = r[${2 * d.reg + 1}];`);
    e.emit(`r[${2 * d.reg}] = ${sw(hi)}; r[${2 * d.reg + 1}] = ${sw(lo)};`);
  } else if (d.size === 4) {
    const v = e.tmp();
    e.emit(`const ${v} = r[${2 * d.reg}];`);
    e.emit(`r[${2 * d.reg}] = ${sw(v)}; r[${2 * d.reg + 1}] = 0;`);
  } else {
    // BSWAP of a 16-bit register is undefined; hardware clears it.
    e.emit(`r16[${4 * d.reg}] = 0;`);
  }
}
