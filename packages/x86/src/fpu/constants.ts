// The constants FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ load (opcodes D9 E8-EE, in
// that order), rounded to 64 bits per the rounding control. They are derived once, at load time,
// from bigfloat.ts; loading one raises no precision exception and leaves C1 clear.
import * as B from './bigfloat.js';
import { Fpu, lastCarry, roundBits, ua } from './ext.js';

export interface Constant { se: number; h: number; l: number; x: number; s: number }

function fromBF(v: B.BF): Constant {
  if (v.m === 0n) return { se: 0, h: 0, l: 0, x: 0, s: 0 };
  const n = v.m.toString(2).length;
  const top = v.m >> BigInt(n - 96);
  return {
    se: n - 1 + v.e + 16383,
    h: Number(top >> 64n) >>> 0,
    l: Number((top >> 32n) & 0xffffffffn) >>> 0,
    x: Number(top & 0xffffffffn) >>> 0,
    s: n > 96 && (v.m & ((1n << BigInt(n - 96)) - 1n)) !== 0n ? 1 : 0,
  };
}

const LN10 = B.ln(B.fromInt(10));
export const CONSTANTS: readonly Constant[] = [
  fromBF(B.fromInt(1)),
  fromBF(B.div(LN10, B.LN2)),
  fromBF(B.div(B.fromInt(1), B.LN2)),
  fromBF(B.PI),
  fromBF(B.div(B.LN2, LN10)),
  fromBF(B.LN2),
  fromBF(B.ZERO),
];

export function loadConstant(f: Fpu, k: Constant): void {
  if (k.h === 0) { f.set(0, 0, 0); return; }
  ua.h = k.h; ua.l = k.l; ua.x = k.x; ua.s = k.s;
  roundBits(f.cw, 0, ua, 0);
  if (lastCarry()) f.set(k.se + 1, 0x80000000, 0);
  else f.set(k.se, ua.h, ua.l);
  f.c1 = 0;
}
