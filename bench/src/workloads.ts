// Benchmark programs, assembled here so that Serval and its peers run the very same bytes.
import { assemble } from '@serval/x86';
import { buildElf64, PF } from '@serval/guest-tools';

export interface Workload {
  name: string;
  elf: Uint8Array;
  /** Guest instructions one run retires (known from the program's structure). */
  instructions: number;
  expectedStatus: number;
}

const TEXT = 0x401000;

/**
 * A CPU-bound integer loop: register ALU work, a load and a store per iteration, a counted
 * branch. 7 instructions per iteration.
 */
export function loopWorkload(iterations: number): Workload {
  const src = `
bits 64
_start: mov ecx, ${iterations}
        xor eax, eax
        lea rsi, [rel buf]
.loop:  add eax, ecx
        xor eax, 0x5a5a
        mov [rsi], eax
        add eax, [rsi + 4]
        shl eax, 1
        dec ecx
        jnz .loop
        movzx edi, al
        mov eax, 60
        syscall
align 4096
buf:    dq 0, 0
`;
  const code = assemble(src, { bitness: 64, origin: TEXT });
  const bytes = code.bytes;
  const elf = buildElf64({ entry: TEXT, segments: [{ vaddr: TEXT, bytes, flags: PF.R | PF.W | PF.X }] });
  let eax = 0;
  const mem = [0, 0];
  for (let ecx = iterations; ecx > 0; ecx--) {
    eax = (eax + ecx) | 0;
    eax ^= 0x5a5a;
    mem[0] = eax;
    eax = (eax + mem[1]) | 0;
    eax = (eax << 1) | 0;
  }
  return { name: 'loop', elf, instructions: 3 + 7 * iterations + 3, expectedStatus: eax & 0xff };
}
