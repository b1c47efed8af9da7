// Integer arithmetic and logic: the two-operand ALU group, INC/DEC/NEG/NOT, shifts and rotates,
// multiplication and division, bit tests and scans.
import { OK, type Insn, type Operand } from '../ir.js';
import { Mnemonic as M } from '../iced/iced.js';
import { type Emitter, TMP_HI, sext } from './emitter.js';
import { TLB_MASK } from './runtime.js';

/**
 * A read-modify-write memory operand is checked for writing before it is read, so that a
 * not-present page faults as a write (W=1 in the #PF error code), as the hardware reports it.
 * Only a TLB miss (or a page-crossing operand) leaves the inline check.
 */
export function probeRmw(e: Emitter, op: Operand, size: number): void {
  if (op.k !== OK.Mem) return;
  probeRmwAt(e, e.ea(op), size);
}

export function probeRmwAt(e: Emitter, ea: string, size: number): void {
  e.fault();
  const user = e.mode.cpl === 3;
  e.emit(`if (c.tagW[Math.floor(${ea} / 4096) & ${TLB_MASK}] !== Math.floor(${ea} / 4096) || (${ea} & 4095) > ${4096 - size}) ` +
    `{ c.translate(${ea}, 1, ${user}); if ((${ea} & 4095) > ${4096 - size}) c.translate(Math.floor(${ea} / 4096) * 4096 + 4096, 1, ${user}); }`);
}

type AluOp = 'add' | 'or' | 'adc' | 'sbb' | 'and' | 'sub' | 'xor' | 'cmp' | 'test';

export function alu(e: Emitter, i: Insn, op: AluOp): void {
  const [d, s] = i.ops;
  const size = d.size;
  const writes = op !== 'cmp' && op !== 'test';
  if (size === 8) return alu64(e, i, op, writes);
  const sh = size * 8 - 1;
  const a = e.tmp('a'), b = e.tmp('b'), res = e.tmp('r');
  if (writes) probeRmw(e, d, size);
  e.emit(`const ${a} = ${e.load(d)};`);
  e.emit(`const ${b} = ${e.load(s, size)};`);
  switch (op) {
    case 'add':
      e.emit(`const ${res} = (${a} + ${b}) | 0;`);
      e.setFlags(size, res, `auxAdd(${a}, ${b}, ${res}, ${sh})`);
      break;
    case 'adc':
      e.emit(`const ${res} = (${a} + ${b} + (r[34] & 1)) | 0;`);
      e.setFlags(size, res, `auxAdd(${a}, ${b}, ${res}, ${sh})`);
      break;
    case 'sub': case 'cmp':
      e.emit(`const ${res} = (${a} - ${b}) | 0;`);
      e.setFlags(size, res, `auxSub(${a}, ${b}, ${res}, ${sh})`);
      break;
    case 'sbb':
      e.emit(`const ${res} = (${a} - ${b} - (r[34] & 1)) | 0;`);
      e.setFlags(size, res, `auxSub(${a}, ${b}, ${res}, ${sh})`);
      break;
    case 'and': case 'test':
      e.emit(`const ${res} = ${a} & ${b};`);
      e.setFlags(size, res, '0');
      break;
    case 'or':
      e.emit(`const ${res} = ${a} | ${b};`);
      e.setFlags(size, res, '0');
      break;
    case 'xor':
      e.emit(`const ${res} = ${a} ^ ${b};`);
      e.setFlags(size, res, '0');
      break;
  }
  if (writes) e.store(d, res);
}

function alu64(e: Emitter, i: Insn, op: AluOp, writes: boolean): void {
  const [d, s] = i.ops;
  if (writes) probeRmw(e, d, 8);
  const [al0, ah0] = e.load64(d);
  const [bl0, bh0] = e.load64(s);
  const al = e.tmp('al'), ah = e.tmp('ah'), bl = e.tmp('bl'), bh = e.tmp('bh');
  e.emit(`const ${al} = ${al0}, ${ah} = ${ah0}, ${bl} = ${bl0}, ${bh} = ${bh0};`);
  const rl = e.tmp('rl'), rh = e.tmp('rh'), t = e.tmp('s');
  switch (op) {
    case 'add': case 'adc':
      e.emit(`const ${t} = (${al} >>> 0) + (${bl} >>> 0)${op === 'adc' ? ' + (r[34] & 1)' : ''};`);
      e.emit(`const ${rl} = ${t} | 0, ${rh} = (${ah} + ${bh} + (${t} > 4294967295 ? 1 : 0)) | 0;`);
      e.setFlags(8, rl, `auxAdd64(${al}, ${bl}, ${rl}, ${ah}, ${bh}, ${rh})`, rh);
      break;
    case 'sub': case 'cmp': case 'sbb':
      e.emit(`const ${t} = (${al} >>> 0) - (${bl} >>> 0)${op === 'sbb' ? ' - (r[34] & 1)' : ''};`);
      e.emit(`const ${rl} = ${t} | 0, ${rh} = (${ah} - ${bh} - (${t} < 0 ? 1 : 0)) | 0;`);
      e.setFlags(8, rl, `auxSub64(${al}, ${bl}, ${rl}, ${ah}, ${bh}, ${rh})`, rh);
      break;
    default: {
      const js = op === 'and' || op === 'test' ? '&' : op === 'or' ? '|' : '^';
      e.emit(`const ${rl} = ${al} ${js} ${bl}, ${rh} = ${ah} ${js} ${bh};`);
      e.setFlags(8, rl, '0', rh);
    }
  }
  if (writes) e.store64(d, rl, rh);
}

export function incDec(e: Emitter, i: Insn, inc: boolean): void {
  const d = i.ops[0];
  const size = d.size;
  probeRmw(e, d, size);
  if (size === 8) {
    const [l0, h0] = e.load64(d);
    const al = e.tmp('al'), ah = e.tmp('ah'), rl = e.tmp('rl'), rh = e.tmp('rh');
    e.emit(`const ${al} = ${l0}, ${ah} = ${h0};`);
    if (inc) e.emit(`const ${rl} = (${al} + 1) | 0, ${rh} = (${ah} + (${rl} === 0 ? 1 : 0)) | 0;`);
    else e.emit(`const ${rl} = (${al} - 1) | 0, ${rh} = (${ah} - (${al} === 0 ? 1 : 0)) | 0;`);
    e.setFlags(8, rl, `(r[34] & 1) | (${inc ? 'auxAdd64' : 'auxSub64'}(${al}, 1, ${rl}, ${ah}, 0, ${rh}) & ~1)`, rh);
    e.store64(d, rl, rh);
    return;
  }
  const a = e.tmp('a'), res = e.tmp('r');
  e.emit(`const ${a} = ${e.load(d)};`);
  e.emit(`const ${res} = (${a} ${inc ? '+' : '-'} 1) | 0;`);
  e.setFlags(size, res, `(r[34] & 1) | (${inc ? 'auxAdd' : 'auxSub'}(${a}, 1, ${res}, ${size * 8 - 1}) & ~1)`);
  e.store(d, res);
}

export function neg(e: Emitter, i: Insn): void {
  const d = i.ops[0];
  const size = d.size;
  probeRmw(e, d, size);
  if (size === 8) {
    const [l0, h0] = e.load64(d);
    const al = e.tmp('al'), ah = e.tmp('ah'), rl = e.tmp('rl'), rh = e.tmp('rh');
    e.emit(`const ${al} = ${l0}, ${ah} = ${h0};`);
    e.emit(`const ${rl} = (-${al}) | 0, ${rh} = (-${ah} - (${al} !== 0 ? 1 : 0)) | 0;`);
    e.setFlags(8, rl, `auxSub64(0, ${al}, ${rl}, 0, ${ah}, ${rh})`, rh);
    e.store64(d, rl, rh);
    return;
  }
  const a = e.tmp('a'), res = e.tmp('r');
  e.emit(`const ${a} = ${e.load(d)};`);
  e.emit(`const ${res} = (-${a}) | 0;`);
  e.setFlags(size, res, `auxSub(0, ${a}, ${res}, ${size * 8 - 1})`);
  e.store(d, res);
}

export function not(e: Emitter, i: Insn): void {
  const d = i.ops[0];
  probeRmw(e, d, d.size);
  if (d.size === 8) {
    const [l0, h0] = e.load64(d);
    const rl = e.tmp('rl'), rh = e.tmp('rh');
    e.emit(`const ${rl} = ~${l0}, ${rh} = ~${h0};`);
    e.store64(d, rl, rh);
    return;
  }
  const res = e.tmp('r');
  e.emit(`const ${res} = ~${e.load(d)};`);
  e.store(d, res);
}

const SHIFT_KIND: Record<number, number> = {
  [M.Rol]: 0, [M.Ror]: 1, [M.Rcl]: 2, [M.Rcr]: 3, [M.Shl]: 4, [M.Sal]: 4, [M.Shr]: 5, [M.Sar]: 7,
};

/**
 * Shifts and rotates go through one runtime helper per width: it applies the count masking, the
 * count-of-zero rule (no flag change) and each operation's flag definition in one place.
 */
export function shift(e: Emitter, i: Insn): void {
  const d = i.ops[0];
  const kind = SHIFT_KIND[i.mnem];
  const cnt = i.ops.length > 1 ? i.ops[1] : undefined;
  probeRmw(e, d, d.size);
  const imm = cnt === undefined ? 1 : cnt.k === OK.Imm ? cnt.lo & (d.size === 8 ? 63 : 31) : -1;
  if (d.size === 4 && imm > 0 && kind !== 2 && kind !== 3) return shiftImm32(e, i, kind, imm);
  if (d.size === 8 && imm > 0 && kind !== 2 && kind !== 3) return shiftImm64(e, i, kind, imm);
  const count = cnt ? e.load(cnt, 1) : '1';
  e.fault();
  if (d.size === 8) {
    const [l0, h0] = e.load64(d);
    const rl = e.tmp('rl'), rh = e.tmp('rh');
    e.emit(`const ${rl} = shift64(c, ${kind}, ${l0}, ${h0}, ${count}), ${rh} = r[${TMP_HI}];`);
    e.store64(d, rl, rh);
    return;
  }
  const res = e.tmp('r');
  e.emit(`const ${res} = shift32(c, ${kind}, ${e.load(d)}, ${count}, ${d.size * 8});`);
  e.store(d, res);
}

/**
 * SHL/SHR/SAR of a 32-bit operand by a constant 1-31: the common compiled-code case, inline. Flags
 * as the helper computes them (CF = last bit out; OF = MSB(result) XOR CF for SHL, MSB(source) for
 * SHR, 0 for SAR; AF cleared).
 */
function shiftImm32(e: Emitter, i: Insn, kind: number, n: number): void {
  const d = i.ops[0];
  const a = e.tmp('a'), res = e.tmp('r');
  e.emit(`const ${a} = ${e.load(d)};`);
  if (kind === 0 || kind === 1) {
    // ROL/ROR change only CF and OF.
    e.emit(`const ${res} = ${kind === 0 ? `(${a} << ${n}) | (${a} >>> ${32 - n})` : `(${a} >>> ${n}) | (${a} << ${32 - n})`};`);
    if (e.flagsLive) {
      const cf = kind === 0 ? `(${res} & 1)` : `(${res} >>> 31)`;
      const of = kind === 0 ? `(((${res} >>> 31) ^ ${res}) & 1)` : `(((${res} >>> 31) ^ (${res} >>> 30)) & 1)`;
      e.emit(`r[34] = (r[34] & ~2049) | ${cf} | (${of} << 11);`);
    }
    e.store(d, res);
    return;
  }
  if (kind === 4) {
    e.emit(`const ${res} = ${a} << ${n};`);
    e.setFlags(4, res, `((${a} >>> ${32 - n}) & 1) | ((((${res} >>> 31) ^ (${a} >>> ${32 - n})) & 1) << 11)`);
  } else if (kind === 5) {
    e.emit(`const ${res} = (${a} >>> ${n}) | 0;`);
    e.setFlags(4, res, `((${a} >>> ${n - 1}) & 1) | ((${a} >>> 31) << 11)`);
  } else {
    e.emit(`const ${res} = ${a} >> ${n};`);
    e.setFlags(4, res, `((${a} >> ${n - 1}) & 1)`);
  }
  e.store(d, res);
}

/** The 64-bit forms of the constant-count shifts and rotates (1-63), inline on int32 halves. */
function shiftImm64(e: Emitter, i: Insn, kind: number, n: number): void {
  const d = i.ops[0];
  const [l0, h0] = e.load64(d);
  const al = e.tmp('al'), ah = e.tmp('ah'), rl = e.tmp('rl'), rh = e.tmp('rh');
  e.emit(`const ${al} = ${l0}, ${ah} = ${h0};`);
  // Bit b of the source as an expression.
  const bit = (b: number) => (b < 32 ? `((${al} >>> ${b}) & 1)` : `((${ah} >>> ${b - 32}) & 1)`);
  const shl = (k: number): [string, string] => k === 0 ? [al, ah] : k < 32 ? [`(${al} << ${k})`, `((${ah} << ${k}) | (${al} >>> ${32 - k}))`] : k === 32 ? ['0', al] : ['0', `(${al} << ${k - 32})`];
  const shr = (k: number): [string, string] => k === 0 ? [al, ah] : k < 32 ? [`((${al} >>> ${k}) | (${ah} << ${32 - k}))`, `(${ah} >>> ${k})`] : k === 32 ? [ah, '0'] : [`(${ah} >>> ${k - 32})`, '0'];
  let cf: string, of: string | undefined;
  switch (kind) {
    case 4: { const [l, h] = shl(n); e.emit(`const ${rl} = ${l} | 0, ${rh} = ${h} | 0;`); cf = bit(64 - n); of = `((${rh} >>> 31) ^ ${cf})`; break; }
    case 5: { const [l, h] = shr(n); e.emit(`const ${rl} = ${l} | 0, ${rh} = ${h} | 0;`); cf = bit(n - 1); of = `(${ah} >>> 31)`; break; }
    case 7: {
      if (n < 32) e.emit(`const ${rl} = ((${al} >>> ${n}) | (${ah} << ${32 - n})) | 0, ${rh} = ${ah} >> ${n};`);
      else e.emit(`const ${rl} = ${ah} >> ${n - 32}, ${rh} = ${ah} >> 31;`);
      cf = n - 1 < 32 ? bit(n - 1) : `((${ah} >> ${n - 33}) & 1)`;
      of = '0';
      break;
    }
    default: {
      // ROL by n = (x << n) | (x >>> 64-n); ROR by n = ROL by 64-n.
      const k = kind === 0 ? n : 64 - n;
      const [l1, h1] = shl(k), [l2, h2] = shr(64 - k);
      e.emit(`const ${rl} = (${l1} | ${l2}) | 0, ${rh} = (${h1} | ${h2}) | 0;`);
      if (e.flagsLive) {
        const c = kind === 0 ? `(${rl} & 1)` : `(${rh} >>> 31)`;
        const o = kind === 0 ? `(((${rh} >>> 31) ^ ${rl}) & 1)` : `(((${rh} >>> 31) ^ (${rh} >>> 30)) & 1)`;
        e.emit(`r[34] = (r[34] & ~2049) | ${c} | (${o} << 11);`);
      }
      e.store64(d, rl, rh);
      return;
    }
  }
  e.setFlags(8, rl, `${cf} | (${of} << 11)`, rh);
  e.store64(d, rl, rh);
}

/** SHLD/SHRD: the helper returns the result and sets flags. */
export function shiftDouble(e: Emitter, i: Insn, left: boolean): void {
  const [d, s, n] = i.ops;
  probeRmw(e, d, d.size);
  const count = e.load(n, 1);
  if (d.size === 8) {
    const [l0, h0] = e.load64(d);
    const [sl, shi] = e.load64(s);
    const rl = e.tmp('rl'), rh = e.tmp('rh');
    e.emit(`const ${rl} = shd64(c, ${left}, ${l0}, ${h0}, ${sl}, ${shi}, ${count}), ${rh} = r[${TMP_HI}];`);
    e.store64(d, rl, rh);
    return;
  }
  const res = e.tmp('r');
  e.emit(`const ${res} = shd32(c, ${left}, ${e.load(d)}, ${e.load(s)}, ${count}, ${d.size * 8});`);
  e.store(d, res);
}

/** One-operand MUL/IMUL (into rDX:rAX), two- and three-operand IMUL. */
export function mul(e: Emitter, i: Insn, signed: boolean): void {
  if (i.ops.length === 1) {
    const s = i.ops[0];
    e.fault();
    if (s.size === 8) {
      const [l, h] = e.load64(s);
      e.emit(`mul128(c, ${signed}, ${l}, ${h});`);
    } else {
      e.emit(`mulAcc(c, ${signed}, ${e.load(s)}, ${s.size});`);
    }
    return;
  }
  const d = i.ops[0];
  const a = i.ops.length === 3 ? i.ops[1] : i.ops[0];
  const b = i.ops.length === 3 ? i.ops[2] : i.ops[1];
  e.fault();
  if (d.size === 8) {
    const [al, ah] = e.load64(a);
    const [bl, bh] = e.load64(b);
    const rl = e.tmp('rl'), rh = e.tmp('rh');
    e.emit(`const ${rl} = imul64(c, ${al}, ${ah}, ${bl}, ${bh}), ${rh} = r[${TMP_HI}];`);
    e.store64(d, rl, rh);
    return;
  }
  const res = e.tmp('r');
  const bv = b.k === OK.Imm ? String(b.size === 1 ? (b.lo << 24) >> 24 : b.lo) : e.load(b);
  e.emit(`const ${res} = imulN(c, ${e.load(a)}, ${bv}, ${d.size});`);
  e.store(d, res);
}

export function div(e: Emitter, i: Insn, signed: boolean): void {
  const s = i.ops[0];
  e.fault();
  if (s.size === 8) {
    const [l, h] = e.load64(s);
    e.emit(`div128(c, ${signed}, ${l}, ${h});`);
  } else {
    e.emit(`divAcc(c, ${signed}, ${e.load(s)}, ${s.size});`);
  }
}

/** BT/BTS/BTR/BTC. With a register bit offset and a memory operand, the offset reaches outside the operand. */
export function bitTest(e: Emitter, i: Insn, op: 0 | 1 | 2 | 3): void {
  const [d, s] = i.ops;
  const size = d.size;
  const bits = size * 8;
  const opJs = op === 1 ? '|' : op === 2 ? '& ~' : '^';
  if (d.k === OK.Mem && s.k === OK.Reg) {
    // The signed bit offset selects an operand-sized unit relative to the operand's address, and
    // that unit is what the instruction reads and writes (so it faults where the hardware does).
    const off = e.tmp('bo');
    if (s.size === 8) e.emit(`const ${off} = r[${2 * s.reg + 1}] * 4294967296 + (r[${2 * s.reg}] >>> 0);`);
    else e.emit(`const ${off} = ${sext(s.size, e.load(s))};`);
    const unit = e.tmp('bu'), ea = e.tmp('ea'), bit = e.tmp('bit');
    e.fault();
    e.emit(`const ${unit} = Math.floor(${off} / ${bits});`);
    const addr = `${e.ea(d)} + ${unit} * ${size}`;
    e.emit(`const ${ea} = ${i.addrSize === 64 ? addr : `(${addr}) >>> 0`};`);
    e.emit(`const ${bit} = ${off} - ${unit} * ${bits};`);
    if (op !== 0) probeRmwAt(e, ea, size);
    if (size === 8) {
      const lo = e.tmp('lo'), hi = e.tmp('hi');
      e.emit(`let ${lo} = rd64(c, ${ea}), ${hi} = r[${TMP_HI}];`);
      e.emit(`r[34] = (r[34] & ~1) | (((${bit} < 32 ? ${lo} >>> ${bit} : ${hi} >>> (${bit} - 32))) & 1);`);
      if (op !== 0) {
        e.emit(`if (${bit} < 32) ${lo} = ${lo} ${opJs} (1 << ${bit}); else ${hi} = ${hi} ${opJs} (1 << (${bit} - 32));`);
        e.emit(`wr64(c, ${ea}, ${lo}, ${hi});`);
      }
      return;
    }
    const v = e.tmp('v');
    e.emit(`const ${v} = ${size === 4 ? 'rd32' : 'rd16'}(c, ${ea});`);
    e.emit(`r[34] = (r[34] & ~1) | ((${v} >>> ${bit}) & 1);`);
    if (op !== 0) e.emit(`${size === 4 ? 'wr32' : 'wr16'}(c, ${ea}, ${v} ${opJs} (1 << ${bit}));`);
    return;
  }
  const idx = e.tmp('bi');
  const maskBits = bits - 1;
  if (op !== 0) probeRmw(e, d, size);
  e.emit(`const ${idx} = ${s.k === OK.Imm ? String(s.lo & maskBits) : `(${e.load(s, Math.min(s.size, 4))}) & ${maskBits}`};`);
  if (size === 8) {
    const [l0, h0] = e.load64(d);
    const lo = e.tmp('lo'), hi = e.tmp('hi');
    e.emit(`let ${lo} = ${l0}, ${hi} = ${h0};`);
    e.emit(`r[34] = (r[34] & ~1) | (((${idx} < 32 ? ${lo} >>> ${idx} : ${hi} >>> (${idx} - 32))) & 1);`);
    if (op !== 0) {
      e.emit(`if (${idx} < 32) ${lo} = ${lo} ${opJs} (1 << ${idx}); else ${hi} = ${hi} ${opJs} (1 << (${idx} - 32));`);
      e.store64(d, lo, hi);
    }
    return;
  }
  const v = e.tmp('v');
  e.emit(`const ${v} = ${e.load(d)};`);
  e.emit(`r[34] = (r[34] & ~1) | ((${v} >>> ${idx}) & 1);`);
  if (op !== 0) e.store(d, `${v} ${opJs} (1 << ${idx})`);
}

/** BSF/BSR (and TZCNT/LZCNT when a host enables them) through one helper. */
export function bitScan(e: Emitter, i: Insn, kind: 'bsf' | 'bsr'): void {
  const [d, s] = i.ops;
  e.fault();
  const found = e.tmp('nz');
  if (s.size === 8) {
    const [l, h] = e.load64(s);
    e.emit(`const ${found} = bitScan(c, ${kind === 'bsr'}, ${l}, ${h}, 64);`);
  } else {
    e.emit(`const ${found} = bitScan(c, ${kind === 'bsr'}, ${e.load(s)}, 0, ${s.size * 8});`);
  }
  // The destination is left alone for a zero source (as the hardware does).
  if (d.size === 2) e.emit(`if (${found}) r16[${4 * d.reg}] = r[${TMP_HI}];`);
  else e.emit(`if (${found}) { r[${2 * d.reg}] = r[${TMP_HI}]; r[${2 * d.reg + 1}] = 0; }`);
}
