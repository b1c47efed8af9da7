// Clocks come from the node's virtual time: the same run gives the same readings.
import { E } from '../errno.js';
import type { Syscall } from './context.js';

/** Virtual time starts at this wall-clock instant (2024-01-01T00:00:00Z), so dates look sane. */
export const EPOCH_NS = 1704067200 * 1e9;

function timespec(ns: number): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  const sec = Math.floor(ns / 1e9);
  dv.setBigInt64(0, BigInt(sec), true);
  dv.setBigInt64(8, BigInt(Math.floor(ns - sec * 1e9)), true);
  return b;
}

export const clockGettime: Syscall = {
  nr: 228,
  name: 'clock_gettime',
  handler(ctx, [clock, tp]) {
    const realtime = clock === 0 || clock === 5 || clock === 8;
    if (clock > 11) return -E.INVAL;
    const ns = ctx.now() + (realtime ? EPOCH_NS : 0);
    return ctx.writeUser(tp, timespec(ns)) ? 0 : -E.FAULT;
  },
};

export const gettimeofday: Syscall = {
  nr: 96,
  name: 'gettimeofday',
  handler(ctx, [tv]) {
    if (!tv) return 0;
    const ns = ctx.now() + EPOCH_NS;
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
    dv.setBigInt64(8, BigInt(Math.floor((ns % 1e9) / 1000)), true);
    return ctx.writeUser(tv, b) ? 0 : -E.FAULT;
  },
};
