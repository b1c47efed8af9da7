// Out-of-line helpers of the `simd` group: prebuilt faults, the scratch vector, masked stores.
// Lane-wise arithmetic lives in arith-helpers.ts, shifts in shift-helpers.ts. Vectors are passed as
// (array, offset) pairs of int32 lanes, so the same helper serves XMM (st.xmm), MMX (st.fpr) and
// memory operands read into the scratch vector T.
import type { Cpu } from '../../cpu.js';
import { Access } from '../../mmu.js';
import { Fault } from '../../signals.js';
import { wr8 } from '../runtime.js';

// Faults that inline checks throw directly (`throw simd.GP0`): unlike a call into the Cpu, a throw
// needs no write-back of the block's cached registers around it (the block's finally does that).
export const GP0 = new Fault(13, 0);
export const MF = new Fault(16);

/** Scratch vector for memory sources of out-of-line helpers (one instruction at a time uses it). */
export const T = new Int32Array(4);

/**
 * Checks that [first, last] (at most two pages) is writable before a store that is done in pieces
 * writes anything. A fault reports the lowest inaccessible address (CR2), as hardware does: the
 * start of the second page when only that one is missing.
 */
export function probeWrite(c: Cpu, first: number, last: number): void {
  const user = c.state.cpl === 3;
  c.translate(first, Access.Write, user);
  const page = last - (((last % 4096) + 4096) % 4096);
  if (page > first) c.translate(page, Access.Write, user);
}

/**
 * MASKMOVQ/MASKMOVDQU: stores the bytes of D whose mask byte in M has its top bit set to
 * [ea + k]. Which bytes may fault with a sparse mask is implementation-specific; the reference CPU
 * (AMD Zen) checks the whole n-byte range for writing whatever the mask, even an all-zero one,
 * and writes nothing when that faults.
 */
export function maskmov(c: Cpu, ea: number, D: Int32Array, di: number, M: Int32Array, mi: number, n: number, wrap: boolean): void {
  const at = (k: number) => wrap ? (ea + k) >>> 0 : ea + k;
  probeWrite(c, at(0), at(n - 1));
  for (let k = 0; k < n; k++) {
    if (((M[mi + (k >> 2)] >>> (8 * (k & 3))) & 0x80) !== 0) wr8(c, at(k), (D[di + (k >> 2)] >>> (8 * (k & 3))) & 0xff);
  }
}
