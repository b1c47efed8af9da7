import { buildElf64 } from '@serval/guest-tools';
import { Node } from '@serval/machine';
import { assemble } from '@serval/x86';
import { expect, it } from 'vitest';
import { BufferedHostIo } from '../host-io.js';
import { Lwk } from '../kernel.js';

// The expected descriptor and access rights are what Linux 6.1 on this project's machines gave
// for the same calls (test/fixtures/c/ldt.c compares the whole set against native when gcc is
// there); this runs without a compiler. The program exits with the number of the first failed check.
const PROGRAM = `bits 64
  mov eax, 154            ; modify_ldt(0x11, d0, 16): a 32-bit, page-granular data segment
  mov edi, 0x11
  lea rsi, [rel d0]
  mov edx, 16
  syscall
  mov edi, 1
  test rax, rax
  jnz fail
  mov eax, 154            ; a present conforming code segment: refused, -EINVAL zero-extended
  mov edi, 0x11
  lea rsi, [rel d2]
  mov edx, 16
  syscall
  mov edi, 2
  mov rbx, 0xffffffea
  cmp rax, rbx
  jne fail
  mov eax, 154            ; read it back as Linux encoded it
  xor edi, edi
  lea rsi, [rel buf]
  mov edx, 16
  syscall
  mov edi, 3
  cmp rax, 16
  jne fail
  mov rbx, 0x12cff3345678ffff
  cmp [rel buf], rbx
  jne fail
  mov ecx, 7              ; LAR reads the LDT...
  lar eax, ecx
  mov edi, 4
  jnz fail
  and eax, 0x00f0ff00
  cmp eax, 0xc0f300
  jne fail
  mov ecx, 0x23           ; ...and the GDT's 32-bit user code segment
  lar eax, ecx
  mov edi, 5
  jnz fail
  and eax, 0x00f0ff00
  cmp eax, 0xc0fb00
  jne fail
  push 0x23               ; a far return into 32-bit code, which jumps back to 0x33
  lea rax, [rel c32]
  push rax
  db 0x48, 0xcb
bits 32
c32:
  mov ecx, ss
  jmp 0x33:back
bits 64
back:
  mov edi, 6
  cmp ecx, 0x2b
  jne fail
  xor edi, edi
fail:
  mov eax, 60
  syscall
d0: dd 0, 0x12345678, 0xfffff, 0x11
d2: dd 2, 0, 0xfff, 0x7
buf: dq 0, 0
`;

it('modify_ldt encodes, refuses and reads back entries as Linux does; LAR and far transfers see the LDT and GDT', () => {
  const { bytes } = assemble(PROGRAM, { bitness: 64, origin: 0x401000 });
  const elf = buildElf64({ entry: 0x401000, segments: [{ vaddr: 0x401000, bytes, flags: 7 }] });
  const lwk = new Lwk(new Node({ cores: 1, memory: 64 * 1024 * 1024 }), { io: new BufferedHostIo(''), log: () => {} });
  const p = lwk.spawn(elf, { argv: ['ldt'], path: 'ldt' });
  lwk.run();
  expect(p.status).toEqual({ kind: 'exited', code: 0 });
});
