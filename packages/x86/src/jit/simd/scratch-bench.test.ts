import { it } from 'vitest';
import { encode, emulator } from './testing/compare.js';
function bench(name: string, src: string) {
  const emu = emulator();
  const code = encode(src + '\nsyscall');
  const at = 0x3a0000 + Math.floor(Math.random() * 16) * 256;
  emu.mem.write(at, code);
  const s = emu.cpu.state;
  let best = Infinity, n = 0;
  for (let rep = 0; rep < 12; rep++) {
    s.rip = at; s.set64(7, 0x300000); s.set64(6, 0x300000); s.set64(1, 200000); s.set64(2, 0x300000);
    const i0 = emu.cpu.icount, u0 = process.cpuUsage();
    const x = emu.cpu.run(1e9);
    const u1 = process.cpuUsage(u0); const dt = (u1.user + u1.system) / 1000; n = emu.cpu.icount - i0;
    if (x.kind !== 'syscall') throw new Error(x.kind + JSON.stringify(x));
    best = Math.min(best, dt);
  }
  console.log(`${name}: ${(n / best / 1000).toFixed(1)} MIPS (${n} insns)`);
}
it('bench', () => {
  for (let r = 0; r < 2; r++) {
  bench('int load', `L: mov rax, [rdi]\n dec rcx\n jnz L`);
  bench('movdqa load', `L: movdqa xmm1, [rdi]\n dec rcx\n jnz L`);
  bench('movdqu store', `L: movdqu [rdx], xmm0\n dec rcx\n jnz L`);
  bench('sse2 strlen-like', `L: movdqa xmm1, [rdi]\n pxor xmm0, xmm0\n pcmpeqb xmm0, xmm1\n pmovmskb eax, xmm0\n add rdi, 0\n dec rcx\n jnz L`);
  bench('memcpy-like', `L: movdqu xmm0, [rsi]\n movdqu xmm1, [rsi+16]\n movdqu [rdx+32], xmm0\n movdqu [rdx+48], xmm1\n dec rcx\n jnz L`);
  }
});
import { rd64 } from '../runtime.js';
it('rd64 raw', () => {
  const emu = emulator();
  const c = emu.cpu;
  c.translate(0x300000, 0 as any, true);
  let x = 0;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    for (let k = 0; k < 1e7; k++) x ^= rd64(c, 0x300000 + (k & 0xff0));
    console.log('rd64 ns/op', ((performance.now() - t0) / 1e7 * 1e6).toFixed(2), x);
  }
  console.log(c.tagR[0x300] , c.tagR[0x300 & 2047], (c as any).tlbs?.length);
});
