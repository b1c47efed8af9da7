// The shared backdrop of a run: a few data-region images (every case starts from one of them plus
// its own patches) and a pool of FXSAVE images for cases that do not need a state of their own.
import { DATA_BASE, DATA_SIZE } from '../format.js';
import type { Rng } from './rng.js';
import { f32Bits, f64Bits, f80Parts, intValue, regValue } from './values.js';

/** A data image: 8-byte slots of integers, floats and pointers back into the region. */
export function makeImage(rng: Rng): Uint8Array {
  const img = new Uint8Array(DATA_SIZE);
  const dv = new DataView(img.buffer);
  for (let o = 0; o < DATA_SIZE; o += 8) {
    let v: bigint;
    switch (rng.weighted([30, 8, 5, 17, 10, 10, 10, 10])) {
      case 0: v = rng.u64(); break;
      case 1: v = 0n; break;
      case 2: v = (1n << 64n) - 1n; break;
      case 3: v = intValue(rng, 64); break;
      case 4: v = f64Bits(rng); break;
      case 5: v = (BigInt(f32Bits(rng)) << 32n) | BigInt(f32Bits(rng)); break;
      case 6: v = BigInt(DATA_BASE + rng.int(DATA_SIZE / 8) * 8); break;
      default: v = regValue(rng);
    }
    dv.setBigUint64(o, v, true);
  }
  return img;
}

export interface FxOptions {
  /** Probability that an x87 exception is unmasked in FCW, and that an SSE exception is unmasked in MXCSR. */
  unmaskX87?: number;
  unmaskSse?: number;
  /** Probability that a physical x87 register is empty. */
  emptyReg?: number;
  /** How XMM lanes are filled. */
  lanes?: 'int' | 'f32' | 'f64' | 'mixed';
}

/** A random FXSAVE image: x87 stack, control/status words, MXCSR and XMM registers. */
export function makeFx(rng: Rng, o: FxOptions = {}): Uint8Array {
  const fx = new Uint8Array(512);
  const dv = new DataView(fx.buffer);
  // FCW: bit 6 is reserved-as-1 on real parts; exceptions masked unless asked; RC and PC varied.
  let fcw = 0x037f;
  if (rng.bool(0.3)) fcw = (fcw & ~0x0c00) | (rng.int(4) << 10);
  if (rng.bool(0.2)) fcw = (fcw & ~0x0300) | (rng.pick([0, 2, 3]) << 8);
  if (o.unmaskX87 && rng.bool(o.unmaskX87)) fcw &= ~(1 << rng.int(6));
  dv.setUint16(0, fcw | 0x40, true);
  const top = rng.int(8);
  const cbits = rng.bool(0.5) ? (rng.int(16) & 7) << 8 | (rng.bool() ? 0x4000 : 0) : 0;
  dv.setUint16(2, (top << 11) | cbits, true);
  let ftw = 0;
  const empty = o.emptyReg ?? 0.25;
  for (let p = 0; p < 8; p++) if (!rng.bool(empty)) ftw |= 1 << p;
  fx[4] = ftw;
  for (let i = 0; i < 8; i++) {
    const [m, e] = f80Parts(rng);
    dv.setBigUint64(32 + 16 * i, m, true);
    dv.setUint16(40 + 16 * i, e, true);
  }
  let mxcsr = 0x1f80;
  if (rng.bool(0.3)) mxcsr = (mxcsr & ~0x6000) | (rng.int(4) << 13);
  if (rng.bool(0.15)) mxcsr |= 0x8000; // FTZ
  if (rng.bool(0.15)) mxcsr |= 0x0040; // DAZ
  if (rng.bool(0.2)) mxcsr |= rng.int(64); // sticky flags already set
  if (o.unmaskSse && rng.bool(o.unmaskSse)) mxcsr &= ~(0x80 << rng.int(6));
  dv.setUint32(24, mxcsr, true);
  dv.setUint32(28, 0xffff, true);
  for (let r = 0; r < 16; r++) fillXmm(rng, fx, 160 + 16 * r, o.lanes ?? 'mixed');
  return fx;
}

export function fillXmm(rng: Rng, fx: Uint8Array, at: number, lanes: 'int' | 'f32' | 'f64' | 'mixed'): void {
  const dv = new DataView(fx.buffer, fx.byteOffset);
  const kind = lanes === 'mixed' ? rng.pick(['int', 'f32', 'f64'] as const) : lanes;
  for (let k = 0; k < 2; k++) {
    const o = at + 8 * k;
    if (kind === 'f64') dv.setBigUint64(o, f64Bits(rng), true);
    else if (kind === 'f32') { dv.setUint32(o, f32Bits(rng), true); dv.setUint32(o + 4, f32Bits(rng), true); }
    else dv.setBigUint64(o, rng.bool(0.5) ? intValue(rng, 64) : (BigInt(intValue(rng, 32)) << 32n) | intValue(rng, rng.pick([8, 16, 32])), true);
  }
}
