import { it } from 'vitest';
import { requireNative, runNative } from './testing/native.js';
import { makeCases } from './testing/compare.js';
import { GUARD_ADDR, mmSlot } from './testing/state.js';
it('x', (ctx) => {
  const exe = requireNative(ctx);
  for (const form of ['maskmovq mm1, mm2', 'maskmovdqu xmm1, xmm2']) {
    const n = form.includes('xmm') ? 16 : 8;
    for (const [rdiOff, maskBits] of [[-n, 0], [0, 0], [-1, 0], [-1, 1], [-2, 1], [-4, 3], [-n, 0xffff], [-n + 1, 1], [-n+1, 0xffff], [-n+1, 1 << (n-1)], [-n, 1 << (n-1)]]) {
      const cs = makeCases([form], { perForm: 1, state: { top: 5, tags: 0x0f } });
      const c = cs[0];
      c.gpr[7] = BigInt(GUARD_ADDR + rdiOff);
      const dv = new DataView(c.fx.buffer);
      for (let k = 0; k < n; k++) {
        const b = (maskBits >> k) & 1 ? 0x80 : 0;
        if (n === 16) dv.setUint8(160 + 32 + k, b); else dv.setUint8(mmSlot(c.fx, 2) + k, b);
      }
      const r = runNative(exe, cs)[0];
      console.log(form, 'rdi', rdiOff, 'mask', maskBits.toString(16), r.fault ? `fault ${r.fault.vector} cr2 ${r.fault.cr2.toString(16)}` : 'ok', 'top', (r.fx[3] >> 3) & 7, 'tags', r.fx[4].toString(16));
    }
  }
});
