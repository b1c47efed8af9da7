// db/dw/dd/dq: strings, integers and floats, little-endian.
import { issue } from './errors.js';
import { evaluate, type EvalContext } from './expr.js';
import type { DataItem } from './parser.js';

const RANGE: Record<number, [bigint, bigint]> = {
  1: [-0x80n, 0xffn],
  2: [-0x8000n, 0xffffn],
  4: [-0x8000_0000n, 0xffff_ffffn],
  8: [-(1n << 63n), (1n << 64n) - 1n],
};

export function encodeData(unit: number, items: DataItem[], ctx: EvalContext): Uint8Array {
  const out: number[] = [];
  for (const item of items) {
    if (item.k === 'bytes') {
      // NASM pads a string to a whole number of units (dw 'abc' is 4 bytes).
      out.push(...item.v);
      for (let i = item.v.length; i % unit !== 0; i++) out.push(0);
    } else if (item.k === 'float') {
      if (unit !== 4 && unit !== 8) issue('floating-point data needs dd or dq');
      const view = new DataView(new ArrayBuffer(unit));
      if (unit === 4) view.setFloat32(0, item.v, true); else view.setFloat64(0, item.v, true);
      out.push(...new Uint8Array(view.buffer));
    } else {
      const v = evaluate(item.e, ctx);
      const [lo, hi] = RANGE[unit];
      if (v < lo || v > hi) issue(`value ${v} out of range for a ${unit}-byte item`);
      let u = BigInt.asUintN(unit * 8, v);
      for (let i = 0; i < unit; i++) { out.push(Number(u & 0xffn)); u >>= 8n; }
    }
  }
  return new Uint8Array(out);
}
