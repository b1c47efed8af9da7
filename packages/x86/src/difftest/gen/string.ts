// The string group: MOVS/CMPS/SCAS/LODS/STOS at every width, with and without REP/REPE/REPNE,
// both directions, 64- and 32-bit address size, segment overrides on the source, counts from zero
// up, equal runs that stop REPE/REPNE at a chosen element, and runs that walk off the data region
// (the fault must leave rCX/rSI/rDI at the faulting iteration).
import { DATA_BASE, DATA_SIZE, type Case } from '../format.js';
import { CaseBuilder, type GenContext } from './builder.js';

const OPS = {
  movs: 0xa4, cmps: 0xa6, stos: 0xaa, lods: 0xac, scas: 0xae,
} as const;
type StrOp = keyof typeof OPS;
export const STRING_OPS = Object.keys(OPS) as StrOp[];
const SIZES = [1, 2, 4, 8];
const SEGS = [0x26, 0x2e, 0x36, 0x3e]; // ES CS SS DS (no base in 64-bit mode)

export function stringCase(g: GenContext, op: StrOp): Case {
  const b = new CaseBuilder(g);
  const rng = b.rng, val = b.val;
  const size = rng.pick(SIZES);
  const rep = rng.weighted([3, 5, op === 'cmps' || op === 'scas' ? 4 : 1]); // none, F3, F2
  const a32 = rng.bool(0.2);
  const df = val.bool(0.3);
  b.rflags = (b.rflags & ~0x400) | (df ? 0x400 : 0);

  const count = rep ? val.pick([0, 1, 2, 3, 5, 8, 16, 31, val.int(64), val.int(300)]) : 1;
  const off = (room: number) => {
    // Room for the run in its direction; sometimes too little, so the run faults at the edge.
    const span = count * size;
    if (val.bool(0.06)) return df ? val.int(Math.min(span, 64) + 1) : DATA_SIZE - val.int(Math.min(span, 64) + 1);
    const lo = df ? span + room : room, hi = DATA_SIZE - (df ? room : span + room) - size;
    return lo + val.int(Math.max(1, hi - lo));
  };
  const src = off(8), dst = off(8);
  const rcx = a32 ? (val.bool(0.3) ? val.u64() & ~0xffffffffn : 0n) | BigInt(count) : BigInt(count);
  if (rep) b.setReg(1, rcx);
  const hi32 = (v: bigint) => (a32 && val.bool(0.3) ? (val.u64() & ~0xffffffffn) | v : v);
  b.setReg(6, hi32(BigInt(DATA_BASE + src)));
  b.setReg(7, hi32(BigInt(DATA_BASE + dst)));
  if (op === 'cmps' || op === 'scas') {
    // Equal elements up to a chosen stop, so REPE/REPNE end inside the run as often as not.
    const stop = val.int(count + 2);
    const acc = val.bytes(size);
    for (let k = 0; k < Math.min(count, 80); k++) {
      const at = (base: number) => base + (df ? -k : k) * size;
      const equal = rep === 2 ? k === stop : k !== stop;
      const x = op === 'cmps' ? val.bytes(size) : acc;
      const y = equal ? x : val.bytes(size);
      if (op === 'cmps') b.patch(at(src), x);
      b.patch(at(dst), y);
    }
    if (op === 'scas') {
      let v = 0n;
      for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(acc[k]);
      b.gpr[0] = size === 8 ? v : (b.gpr[0] & ~((1n << BigInt(size * 8)) - 1n)) | v;
    }
  }

  const bytes: number[] = [];
  if ((op === 'movs' || op === 'cmps' || op === 'lods') && rng.bool(0.2)) bytes.push(rng.pick(SEGS));
  if (a32) bytes.push(0x67);
  if (size === 2) bytes.push(0x66);
  if (rep) bytes.push(rep === 1 ? 0xf3 : 0xf2);
  if (size === 8) bytes.push(0x48);
  bytes.push(OPS[op] + (size === 1 ? 0 : 1));
  b.rawInsn(new Uint8Array(bytes));
  return b.build('string');
}
