// Out-of-line helpers of the `simd` group: memory probing and masked stores, x87 interaction.
// Lane-wise arithmetic lives in arith-helpers.ts and shuffle-helpers.ts. Vectors are passed as
// (array, offset) pairs of int32 lanes, so the same helper serves XMM (st.xmm), MMX (st.fpr) and
// memory operands read into the scratch vector T.
import { CR0 } from '../../arch.js';
import type { Cpu } from '../../cpu.js';
import { Access } from '../../mmu.js';
import { wr8 } from '../runtime.js';

/** Scratch vector for memory sources of out-of-line helpers (one instruction at a time uses it). */
export const T = new Int32Array(4);

/** Checks that the page of `la` is writable (a store about to span two pages checks its second). */
export function probeWrite(c: Cpu, la: number): void {
  c.translate(la, Access.Write, c.state.cpl === 3);
}

/**
 * An MMX instruction found an unmasked x87 exception pending (FSW.ES): #MF with CR0.NE set. With
 * NE clear hardware signals FERR# to an external interrupt controller instead, which this core
 * does not model; the instruction then proceeds.
 */
export function fpuPending(c: Cpu): void {
  if ((c.state.cr0 & CR0.NE) !== 0) c.raise(16);
}

/**
 * MASKMOVQ/MASKMOVDQU: stores the bytes of D whose mask byte in M has its top bit set to
 * [ea + k]. Every page a selected byte falls on is checked before the first byte is written; with
 * an all-zero mask nothing is accessed (no fault), as on the reference CPU.
 */
export function maskmov(c: Cpu, ea: number, D: Int32Array, di: number, M: Int32Array, mi: number, n: number, wrap: boolean): void {
  let first = -1, last = -1;
  for (let k = 0; k < n; k++) {
    if (((M[mi + (k >> 2)] >>> (8 * (k & 3))) & 0x80) !== 0) {
      if (first < 0) first = k;
      last = k;
    }
  }
  if (first < 0) return;
  const at = (k: number) => wrap ? (ea + k) >>> 0 : ea + k;
  probeWrite(c, at(first));
  probeWrite(c, at(last));
  for (let k = first; k <= last; k++) {
    if (((M[mi + (k >> 2)] >>> (8 * (k & 3))) & 0x80) !== 0) wr8(c, at(k), (D[di + (k >> 2)] >>> (8 * (k & 3))) & 0xff);
  }
}
