import { E } from '../errno.js';
import type { Syscall } from './context.js';

const SET_GS = 0x1001, SET_FS = 0x1002, GET_FS = 0x1003, GET_GS = 0x1004;
const FS = 4, GS = 5;

export const archPrctl: Syscall = {
  nr: 158,
  name: 'arch_prctl',
  handler(ctx, [code, addr]) {
    const s = ctx.task.core.cpu.state;
    const canonical = addr < 0x800000000000;
    switch (code) {
      case SET_FS: if (!canonical) return -E.PERM; s.segBase[FS] = addr; return 0;
      case SET_GS: if (!canonical) return -E.PERM; s.segBase[GS] = addr; return 0;
      case GET_FS: case GET_GS: {
        const v = s.segBase[code === GET_FS ? FS : GS];
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
        return ctx.writeUser(addr, b) ? 0 : -E.FAULT;
      }
      default: return -E.INVAL;
    }
  },
};
