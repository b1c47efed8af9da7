// A static x86-64 Linux program that only uses write and exit: the smallest thing `serval run`
// can run, built here without any toolchain.
import { assemble } from '@serval/x86';
import { buildElf64, PF } from '../elf/index.js';

const TEXT = 0x401000;

export const HELLO_SOURCE = String.raw`
bits 64
_start:
        mov eax, 1                  ; write(1, msg, len)
        mov edi, 1
        lea rsi, [rel msg]
        mov edx, msg_end - msg
        syscall
        mov eax, 60                 ; exit(status)
        mov edi, STATUS
        syscall
        ud2
msg:    db "Hello from Serval: a static x86-64 program on the LWK", 10
msg_end:
`;

export function buildHelloElf(status = 0): Uint8Array {
  const { bytes } = assemble(HELLO_SOURCE, { bitness: 64, origin: TEXT, defines: { STATUS: status } });
  return buildElf64({ entry: TEXT, segments: [{ vaddr: TEXT, bytes, flags: PF.R | PF.X }] });
}
