// Out-of-line semantics for the instructions too large to emit inline: shifts and rotates,
// multiplication and division at every width, bit scans. All exact; 64-bit values travel as int32
// pairs, a second result in r[TMP_HI].
import type { Cpu } from '../cpu.js';
import { VEC } from '../arch.js';
import { R } from '../state.js';
import { Fault } from '../signals.js';

const TMP = R.TMP_HI;
const CF_OF = 1 | 2048;

function sx(v: number, bits: number): number {
  return bits === 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits);
}

function setResult(c: Cpu, res: number, bits: number, aux: number): void {
  const r = c.r;
  r[R.LF_RES] = sx(res, bits);
  r[R.LF_RESH] = r[R.LF_RES] >> 31;
  r[R.LF_AUX] = aux;
}

function setCfOf(c: Cpu, cf: number, of: number): void {
  c.r[R.LF_AUX] = (c.r[R.LF_AUX] & ~CF_OF) | cf | (of << 11);
}

/** ROL ROR RCL RCR SHL SHR - SAR on an 8/16/32-bit value (kinds 0-5, 7 as in the ModRM reg field). */
export function shift32(c: Cpu, kind: number, v: number, count: number, bits: number): number {
  const n = count & 31;
  if (n === 0) return v;
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  v &= mask;
  const msb = bits - 1;
  switch (kind) {
    case 0: { // ROL
      const k = n % bits;
      const res = k === 0 ? v : ((v << k) | (v >>> (bits - k))) & mask;
      const cf = res & 1;
      setCfOf(c, cf, ((res >>> msb) & 1) ^ cf);
      return res;
    }
    case 1: { // ROR
      const k = n % bits;
      const res = k === 0 ? v : ((v >>> k) | (v << (bits - k))) & mask;
      const cf = (res >>> msb) & 1;
      setCfOf(c, cf, cf ^ ((res >>> (msb - 1)) & 1));
      return res;
    }
    case 2: case 3: { // RCL, RCR: rotate through CF, one bit at a time (rare; clarity over speed)
      const k = n % (bits + 1);
      let cf = c.r[R.LF_AUX] & 1;
      let res = v;
      if (k === 0) return v;
      const of0 = ((res >>> msb) & 1) ^ cf;
      for (let s = 0; s < k; s++) {
        if (kind === 2) {
          const out = (res >>> msb) & 1;
          res = ((res << 1) | cf) & mask;
          cf = out;
        } else {
          const out = res & 1;
          res = ((res >>> 1) | (cf << msb)) & mask;
          cf = out;
        }
      }
      const of = kind === 2 ? ((res >>> msb) & 1) ^ cf : of0;
      setCfOf(c, cf, of);
      return res;
    }
    case 4: case 6: { // SHL/SAL
      const res = (v << n) & mask;
      const cf = n <= bits ? (v >>> (bits - n)) & 1 : 0;
      setResult(c, res, bits, cf | ((((res >>> msb) & 1) ^ cf) << 11));
      return res;
    }
    case 5: { // SHR
      const res = (v >>> n) & mask;
      const cf = (v >>> (n - 1)) & 1;
      setResult(c, res, bits, cf | (((v >>> msb) & 1) << 11));
      return res;
    }
    default: { // SAR
      const s = sx(v, bits);
      const res = (s >> n) & mask;
      const cf = (s >> (n - 1)) & 1;
      setResult(c, res, bits, cf);
      return res;
    }
  }
}

function shl64(lo: number, hi: number, n: number): number {
  if (n === 0) { tmp = hi; return lo; }
  if (n < 32) { tmp = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  tmp = n < 64 ? lo << (n - 32) : 0; return 0;
}
function shr64(lo: number, hi: number, n: number): number {
  if (n === 0) { tmp = hi; return lo; }
  if (n < 32) { tmp = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  tmp = 0; return n < 64 ? hi >>> (n - 32) : 0;
}
let tmp = 0;

function bit64(lo: number, hi: number, b: number): number {
  return b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1;
}

function setResult64(c: Cpu, lo: number, hi: number, aux: number): void {
  c.r[R.LF_RES] = lo; c.r[R.LF_RESH] = hi; c.r[R.LF_AUX] = aux;
}

export function shift64(c: Cpu, kind: number, lo: number, hi: number, count: number): number {
  const n = count & 63;
  const r = c.r;
  if (n === 0) { r[TMP] = hi; return lo; }
  switch (kind) {
    case 0: case 1: { // ROL, ROR
      const k = kind === 0 ? n : 64 - n;
      const al = shl64(lo, hi, k), ah = tmp;
      const bl = shr64(lo, hi, 64 - k), bh = tmp;
      const rl = al | bl, rh = ah | bh;
      if (kind === 0) { const cf = rl & 1; setCfOf(c, cf, (rh >>> 31) ^ cf); } else { const cf = rh >>> 31; setCfOf(c, cf, cf ^ ((rh >>> 30) & 1)); }
      r[TMP] = rh; return rl;
    }
    case 2: case 3: {
      let cf = r[R.LF_AUX] & 1;
      let l = lo, h = hi;
      const of0 = (h >>> 31) ^ cf;
      for (let s = 0; s < n; s++) {
        if (kind === 2) {
          const out = h >>> 31;
          h = (h << 1) | (l >>> 31); l = (l << 1) | cf; cf = out;
        } else {
          const out = l & 1;
          l = (l >>> 1) | (h << 31); h = (h >>> 1) | (cf << 31); cf = out;
        }
      }
      setCfOf(c, cf, kind === 2 ? (h >>> 31) ^ cf : of0);
      r[TMP] = h; return l;
    }
    case 4: case 6: {
      const rl = shl64(lo, hi, n), rh = tmp;
      const cf = bit64(lo, hi, 64 - n);
      setResult64(c, rl, rh, cf | (((rh >>> 31) ^ cf) << 11));
      r[TMP] = rh; return rl;
    }
    case 5: {
      const rl = shr64(lo, hi, n), rh = tmp;
      const cf = bit64(lo, hi, n - 1);
      setResult64(c, rl, rh, cf | ((hi >>> 31) << 11));
      r[TMP] = rh; return rl;
    }
    default: {
      let rl: number, rh: number;
      if (n < 32) { rl = (lo >>> n) | (hi << (32 - n)); rh = hi >> n; } else { rl = hi >> (n - 32); rh = hi >> 31; }
      const cf = n - 1 < 32 ? (lo >>> (n - 1)) & 1 : (hi >> (n - 33)) & 1;
      setResult64(c, rl, rh, cf);
      r[TMP] = rh; return rl;
    }
  }
}

/** SHLD/SHRD on 16/32-bit operands. */
export function shd32(c: Cpu, left: boolean, d: number, s: number, count: number, bits: number): number {
  const n = count & 31;
  if (n === 0) return d;
  if (bits === 16) {
    // Operate on the 32-bit concatenation; counts above 16 give the pattern hardware produces.
    const x = left ? ((d & 0xffff) << 16) | (s & 0xffff) : ((s & 0xffff) << 16) | (d & 0xffff);
    const y = left ? ((x << n) | (n > 16 ? (d & 0xffff) << (n - 16) : 0)) >>> 16 : (x >>> n) | (n > 16 ? (d & 0xffff) << (32 - n) : 0);
    const res = y & 0xffff;
    const cf = left ? (n <= 16 ? (d >>> (16 - n)) & 1 : (s >>> (32 - n)) & 1) : (n <= 16 ? (d >>> (n - 1)) & 1 : (s >>> (n - 17)) & 1);
    setResult(c, res, 16, cf | ((((res ^ d) >>> 15) & 1) << 11));
    return res;
  }
  const res = left ? (d << n) | (s >>> (32 - n)) : (d >>> n) | (s << (32 - n));
  const cf = left ? (d >>> (32 - n)) & 1 : (d >>> (n - 1)) & 1;
  setResult(c, res, 32, cf | ((((res ^ d) >>> 31) & 1) << 11));
  return res;
}

export function shd64(c: Cpu, left: boolean, dl: number, dh: number, sl: number, sh: number, count: number): number {
  const n = count & 63;
  const r = c.r;
  if (n === 0) { r[TMP] = dh; return dl; }
  let rl: number, rh: number, cf: number;
  if (left) {
    const al = shl64(dl, dh, n), ah = tmp;
    const bl = shr64(sl, sh, 64 - n), bh = tmp;
    rl = al | bl; rh = ah | bh; cf = bit64(dl, dh, 64 - n);
  } else {
    const al = shr64(dl, dh, n), ah = tmp;
    const bl = shl64(sl, sh, 64 - n), bh = tmp;
    rl = al | bl; rh = ah | bh; cf = bit64(dl, dh, n - 1);
  }
  setResult64(c, rl, rh, cf | ((((rh ^ dh) >>> 31) & 1) << 11));
  r[TMP] = rh;
  return rl;
}

/** Unsigned 32×32 → 64; high half in `tmp`. */
function mul32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  tmp = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return ((p00 & 0xffff) | (mid << 16)) | 0;
}

/** Unsigned 64×64 → 128 into `limbs` (four uint32 values, least significant first). */
const limbs = new Uint32Array(4);
function mul64(al: number, ah: number, bl: number, bh: number): void {
  const ll = mul32(al, bl), llh = tmp >>> 0;
  const lh = mul32(al, bh), lhh = tmp >>> 0;
  const hl = mul32(ah, bl), hlh = tmp >>> 0;
  const hh = mul32(ah, bh), hhh = tmp >>> 0;
  limbs[0] = ll;
  let s1 = llh + (lh >>> 0) + (hl >>> 0);
  limbs[1] = s1 >>> 0;
  let carry = Math.floor(s1 / 4294967296);
  const s2 = lhh + hlh + (hh >>> 0) + carry;
  limbs[2] = s2 >>> 0;
  carry = Math.floor(s2 / 4294967296);
  s1 = hhh + carry;
  limbs[3] = s1 >>> 0;
}

/** Signed correction of an unsigned 128-bit product: subtract b<<64 if a<0 and a<<64 if b<0. */
function signedAdjust(al: number, ah: number, bl: number, bh: number): void {
  const sub = (xl: number, xh: number) => {
    const s = limbs[2] - (xl >>> 0);
    limbs[2] = s >>> 0;
    limbs[3] = (limbs[3] - (xh >>> 0) - (s < 0 ? 1 : 0)) >>> 0;
  };
  if (ah < 0) sub(bl, bh);
  if (bh < 0) sub(al, ah);
}

export function mulAcc(c: Cpu, signed: boolean, v: number, size: number): void {
  const r = c.r;
  if (size === 1) {
    const a = signed ? (r[0] << 24) >> 24 : r[0] & 0xff;
    const b = signed ? (v << 24) >> 24 : v & 0xff;
    const p = a * b;
    c.r16[0] = p & 0xffff;
    const over = signed ? p !== ((p << 24) >> 24) : (p & 0xff00) !== 0;
    setResult(c, p, 8, over ? CF_OF : 0);
    return;
  }
  if (size === 2) {
    const a = signed ? (r[0] << 16) >> 16 : r[0] & 0xffff;
    const b = signed ? (v << 16) >> 16 : v & 0xffff;
    const p = a * b;
    c.r16[0] = p & 0xffff;
    c.r16[8] = (p >> 16) & 0xffff;
    const over = signed ? p !== ((p << 16) >> 16) : (p >>> 16) !== 0;
    setResult(c, p, 16, over ? CF_OF : 0);
    return;
  }
  const a = r[0], b = v | 0;
  const lo = mul32(a, b);
  let hi = tmp;
  if (signed) hi = (hi - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
  r[0] = lo; r[1] = 0; r[4] = hi; r[5] = 0;
  const over = signed ? hi !== (lo >> 31) : hi !== 0;
  setResult(c, lo, 32, over ? CF_OF : 0);
}

export function mul128(c: Cpu, signed: boolean, bl: number, bh: number): void {
  const r = c.r;
  const al = r[0], ah = r[1];
  mul64(al, ah, bl, bh);
  if (signed) signedAdjust(al, ah, bl, bh);
  r[0] = limbs[0] | 0; r[1] = limbs[1] | 0; r[4] = limbs[2] | 0; r[5] = limbs[3] | 0;
  const over = signed
    ? !(r[4] === r[1] >> 31 && r[5] === r[1] >> 31)
    : (r[4] | r[5]) !== 0;
  setResult64(c, r[0], r[1], over ? CF_OF : 0);
}

/** Two/three-operand IMUL at 16 or 32 bits: truncated product, CF=OF on signed overflow. */
export function imulN(c: Cpu, a: number, b: number, size: number): number {
  if (size === 2) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    setResult(c, p, 16, p !== ((p << 16) >> 16) ? CF_OF : 0);
    return p & 0xffff;
  }
  const lo = Math.imul(a, b);
  const exact = (a | 0) * (b | 0);
  setResult(c, lo, 32, exact !== lo ? CF_OF : 0);
  return lo;
}

export function imul64(c: Cpu, al: number, ah: number, bl: number, bh: number): number {
  mul64(al, ah, bl, bh);
  signedAdjust(al, ah, bl, bh);
  const lo = limbs[0] | 0, hi = limbs[1] | 0;
  const over = !((limbs[2] | 0) === hi >> 31 && (limbs[3] | 0) === hi >> 31);
  setResult64(c, lo, hi, over ? CF_OF : 0);
  c.r[TMP] = hi;
  return lo;
}

const DE = () => new Fault(VEC.DE);

export function divAcc(c: Cpu, signed: boolean, v: number, size: number): void {
  const r = c.r;
  if (size === 1) {
    const d = signed ? (v << 24) >> 24 : v & 0xff;
    if (d === 0) throw DE();
    const n = signed ? (c.r16[0] << 16) >> 16 : c.r16[0];
    const q = Math.trunc(n / d), m = n - q * d;
    if (signed ? q !== ((q << 24) >> 24) : q > 0xff) throw DE();
    c.r8[0] = q; c.r8[1] = m;
    return;
  }
  if (size === 2) {
    const d = signed ? (v << 16) >> 16 : v & 0xffff;
    if (d === 0) throw DE();
    const n = signed ? ((c.r16[8] << 16) | c.r16[0]) : (c.r16[8] * 65536 + c.r16[0]);
    const q = Math.trunc(n / d), m = n - q * d;
    if (signed ? q !== ((q << 16) >> 16) : q > 0xffff) throw DE();
    c.r16[0] = q & 0xffff; c.r16[8] = m & 0xffff;
    return;
  }
  const d = signed ? v | 0 : v >>> 0;
  if (d === 0) throw DE();
  const lo = r[0], hi = r[4];
  let q: number, m: number;
  if (!signed && hi === 0) {
    q = Math.floor((lo >>> 0) / d); m = (lo >>> 0) - q * d;
  } else if (signed && hi === (lo >> 31)) {
    q = Math.trunc((lo | 0) / d); m = (lo | 0) - q * d;
  } else {
    const n = signed ? (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const bq = n / BigInt(d), bm = n % BigInt(d);
    if (signed ? bq !== BigInt.asIntN(32, bq) : bq > 0xffffffffn) throw DE();
    q = Number(bq); m = Number(bm);
  }
  if (signed ? q !== (q | 0) : q > 0xffffffff) throw DE();
  r[0] = q | 0; r[1] = 0; r[4] = m | 0; r[5] = 0;
}

const TWO53 = 9007199254740992;

export function div128(c: Cpu, signed: boolean, dl: number, dh: number): void {
  const r = c.r;
  if ((dl | dh) === 0) throw DE();
  const al = r[0], ah = r[1], xl = r[4], xh = r[5];
  // Fast path: the dividend and divisor both fit in 53 bits (the common `xor edx,edx; div` case).
  if (!signed && (xl | xh) === 0 && ah >>> 0 < 0x200000 && dh >>> 0 < 0x200000) {
    const n = (ah >>> 0) * 4294967296 + (al >>> 0), d = (dh >>> 0) * 4294967296 + (dl >>> 0);
    let q = Math.floor(n / d), m = n - q * d;
    if (m < 0) { q--; m += d; } else if (m >= d) { q++; m -= d; }
    if (q < TWO53) {
      r[0] = q | 0; r[1] = Math.floor(q / 4294967296) | 0; r[4] = m | 0; r[5] = Math.floor(m / 4294967296) | 0;
      return;
    }
  }
  const big = (l: number, h: number) => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);
  let n = (big(xl, xh) << 64n) | big(al, ah);
  let d = big(dl, dh);
  if (signed) { n = BigInt.asIntN(128, n); d = BigInt.asIntN(64, d); }
  const q = n / d, m = n % d;
  if (signed ? q !== BigInt.asIntN(64, q) : q > 0xffffffffffffffffn) throw DE();
  const uq = BigInt.asUintN(64, q), um = BigInt.asUintN(64, m);
  r[0] = Number(uq & 0xffffffffn) | 0; r[1] = Number(uq >> 32n) | 0;
  r[4] = Number(um & 0xffffffffn) | 0; r[5] = Number(um >> 32n) | 0;
}

/** BSF/BSR: ZF=1 and the destination untouched for a zero source; else the index in r[TMP_HI]. */
export function bitScan(c: Cpu, reverse: boolean, lo: number, hi: number, bits: number): boolean {
  const r = c.r;
  if (bits < 32) lo &= (1 << bits) - 1;
  if (bits < 64) hi = 0;
  if ((lo | hi) === 0) {
    r[R.LF_RES] = 0; r[R.LF_RESH] = 0; r[R.LF_AUX] = 0;
    return false;
  }
  let idx: number;
  if (reverse) idx = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
  else idx = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 63 - Math.clz32(hi & -hi);
  r[TMP] = idx;
  r[R.LF_RES] = 1; r[R.LF_RESH] = 0; r[R.LF_AUX] = 0;
  return true;
}

/** A 64-bit branch target must be canonical: #GP at the branch otherwise. */
export function canon(_c: Cpu, v: number): number {
  if (v < -140737488355328 || v >= 140737488355328) throw new Fault(VEC.GP, 0);
  return v;
}

export function loadSeg(c: Cpu, seg: number, sel: number): void { c.loadSegment(seg, sel & 0xffff); }
export function writeCr(c: Cpu, n: number, lo: number, hi: number): void { c.writeCr(n, lo, hi); }
export function readCr(c: Cpu, n: number, reg: number, wide: boolean): void { c.readCr(n, reg, wide); }
/** Debug registers are CPL-0 only; DR4/DR5 alias DR6/DR7 (CR4.DE clear) or are #UD (CR4.DE set). */
function drIndex(c: Cpu, n: number): number {
  if (c.state.cpl !== 0) throw new Fault(VEC.GP, 0);
  if (n === 4 || n === 5) {
    if (c.state.cr4 & 8) throw new Fault(VEC.UD);
    return n + 2;
  }
  if (n > 7) throw new Fault(VEC.UD);
  return n;
}
export function writeDr(c: Cpu, n: number, lo: number, hi: number): void { c.state.dr[drIndex(c, n)] = (hi >>> 0) * 4294967296 + (lo >>> 0); }
export function readDr(c: Cpu, n: number, reg: number, _wide: boolean): void { c.state.set64(reg, c.state.dr[drIndex(c, n)]); }
