// Test support: random x87 machine states (stack depth, TOP, control word with masked and
// unmasked exceptions, sticky flags) and memory operands, for the instruction-level comparisons.
import { assemble } from '../../asm/index.js';
import type { FxState } from '../../fpu/native/fximage.js';
import { Gen, type X80 } from '../../fpu/native/values.js';
import { DATA_BASE } from './harness.js';

const cache = new Map<string, Uint8Array>();

/** Assembles one instruction (64-bit). `D` in the text stands for the data block's address. */
export function asm(text: string): Uint8Array {
  let b = cache.get(text);
  if (!b) {
    b = assemble(text.replaceAll('D', `0x${DATA_BASE.toString(16)}`), { bitness: 64, origin: 0 }).bytes;
    cache.set(text, b);
  }
  return b;
}

export interface StateOpts {
  /** Minimum number of valid registers from ST(0) (default 2). */
  minDepth?: number;
  /** Probability that some exceptions are unmasked (default 0.2). */
  unmasked?: number;
  /** Probability of a fuller stack with ST(7) in use (default 0.1). */
  full?: number;
  /** Probability of an empty register among the operands (default 0.05). */
  empty?: number;
  specials?: number;
}

export function randomState(g: Gen, o: StateOpts = {}): FxState {
  const top = g.below(8);
  const min = o.minDepth ?? 2;
  let depth = g.below(1000) < (o.empty ?? 0.05) * 1000 ? g.below(min + 1) : min + g.below(3);
  if (g.below(1000) < (o.full ?? 0.1) * 1000) depth = 8;
  depth = Math.min(8, depth);
  const st: X80[] = [];
  for (let i = 0; i < 8; i++) {
    const a = i > 0 && g.bool() ? g.related(st[0]) : g.value(o.specials ?? 0.2);
    st.push(a);
  }
  let tags = 0;
  for (let i = 0; i < depth; i++) tags |= 1 << ((top + i) & 7);
  const pc = g.pick([0, 2, 3, 3, 3, 1]), rc = g.below(4);
  let masks = 0x3f;
  if (g.below(1000) < (o.unmasked ?? 0.2) * 1000) masks = g.u32() & 0x3f;
  const fcw = masks | 0x40 | (pc << 8) | (rc << 10) | (g.below(8) === 0 ? 0x1000 : 0);
  // Sticky flags that are masked (an unmasked one would be a pending exception) and random C0-C3.
  const flags = g.u32() & masks & 0x3f & (g.bool() ? 0x3f : 0);
  const cond = g.u32() & 0x4700;
  return { fcw, fsw: flags | cond | (top << 11), ftw: tags, st };
}

/** Random bytes for a memory operand of `size` bytes, biased toward interesting encodings. */
export function memOperand(g: Gen, size: number, kind: 'f' | 'i' | 'bcd'): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  if (kind === 'f' && size === 4) {
    const r = g.below(8);
    const v = r === 0 ? g.pick([0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0x00000001, 0x807fffff, 0x7f7fffff])
      : r === 1 ? (g.u32() & 0x807fffff) >>> 0 : g.u32();
    dv.setUint32(0, v, true);
  } else if (kind === 'f' && size === 8) {
    const r = g.below(8);
    if (r === 0) {
      const [hi, lo] = g.pick([[0, 0], [0x80000000, 0], [0x7ff00000, 0], [0xfff80000, 0], [0x7ff00000, 1], [0, 1], [0x000fffff, 0xffffffff], [0x7fefffff, 0xffffffff], [0x3ff00000, 0]]);
      dv.setUint32(0, lo, true); dv.setUint32(4, hi, true);
    } else if (r === 1) { dv.setUint32(0, g.u32(), true); dv.setUint32(4, g.u32() & 0x800fffff, true); } else {
      dv.setUint32(0, g.u32(), true);
      dv.setUint32(4, (g.u32() & 0x800fffff) | ((0x3ff + g.below(200) - 100) << 20), true);
      if (g.below(4) === 0) dv.setUint32(4, g.u32(), true);
    }
  } else if (kind === 'f' && size === 10) {
    const v = g.value(0.3);
    dv.setUint32(0, v.lo, true); dv.setUint32(4, v.hi, true); dv.setUint16(8, v.se, true);
  } else if (kind === 'bcd') {
    for (let k = 0; k < 9; k++) b[k] = g.below(10) * 16 + g.below(10);
    if (g.below(10) === 0) b[g.below(9)] = g.u32() & 0xff;
    b[9] = g.bool() ? 0x80 : 0;
  } else {
    for (let k = 0; k < size; k++) b[k] = g.u32() & 0xff;
    if (g.below(4) === 0) { b.fill(0); b[0] = g.below(8); if (g.bool()) b.fill(0xff); }
    if (g.below(6) === 0) { b.fill(0); b[size - 1] = 0x80; }
  }
  return b;
}
