// The default demo guest: a small 64-bit kernel that drives the serial port itself (polling the
// 16550's line status register), asks the CPU who it is, does some arithmetic, and reports its
// status through the debug-exit port. Booted directly in long mode (see the hypervisor's ELF64
// loader): RDI = memory size in bytes, RSI = command line or 0.
import { assemble } from '@serval/x86';
import { buildElf64 } from '../elf/index.js';
import { PUTS_64, SERIAL_INIT_64 } from './serial-asm.js';

export const DEMO_KERNEL_BASE = 0x100000;

export const DEMO_KERNEL_SOURCE = String.raw`
bits 64
COM1    equ 0x3f8
EXITPORT equ 0xf4

start:
        mov r15, rdi                ; memory size
        mov r14, rsi                ; command line
        call serial_init
        lea rsi, [rel banner]
        call puts

        lea rsi, [rel cpu_label]
        call puts
        xor eax, eax
        cpuid
        lea rdi, [rel vendor]
        mov [rdi], ebx
        mov [rdi+4], edx
        mov [rdi+8], ecx
        mov byte [rdi+12], 0
        mov rsi, rdi
        call puts
        lea rsi, [rel slash]
        call puts
        mov eax, 0x80000002
        lea rdi, [rel brand]
.brand: push rax
        cpuid
        mov [rdi], eax
        mov [rdi+4], ebx
        mov [rdi+8], ecx
        mov [rdi+12], edx
        add rdi, 16
        pop rax
        inc eax
        cmp eax, 0x80000005
        jne .brand
        mov byte [rdi], 0
        lea rsi, [rel brand]
        call puts
        call newline

        lea rsi, [rel mem_label]
        call puts
        mov rax, r15
        shr rax, 20
        call putdec
        lea rsi, [rel mib]
        call puts

        test r14, r14
        jz .nocmd
        lea rsi, [rel cmd_label]
        call puts
        mov rsi, r14
        call puts
        call newline
.nocmd:
        lea rsi, [rel primes_label]
        call puts
        call count_primes
        call putdec
        call newline

        lea rsi, [rel bye]
        call puts
        xor eax, eax
        mov dx, EXITPORT
        out dx, al
.halt:  cli
        hlt
        jmp .halt

; Sieve of Eratosthenes below 10000 in a bitmap at 'sieve'; returns the count in rax.
count_primes:
        lea rdi, [rel sieve]
        mov ecx, 10000
        xor eax, eax
        rep stosb
        lea rdi, [rel sieve]
        xor eax, eax
        mov ecx, 2
.outer: cmp ecx, 10000
        jae .done
        cmp byte [rdi+rcx], 0
        jne .next
        inc eax
        mov edx, ecx
        imul edx, ecx
.mark:  cmp edx, 10000
        jae .next
        mov byte [rdi+rdx], 1
        add edx, ecx
        jmp .mark
.next:  inc ecx
        jmp .outer
.done:  ret

${SERIAL_INIT_64}
${PUTS_64}

newline:
        mov al, 10
        jmp putc

; putdec: prints rax in decimal.
putdec: push rbx
        push rcx
        push rdx
        mov rbx, 10
        xor ecx, ecx
.div:   xor edx, edx
        div rbx
        push rdx
        inc ecx
        test rax, rax
        jnz .div
.out:   pop rax
        add al, '0'
        call putc
        loop .out
        pop rdx
        pop rcx
        pop rbx
        ret

banner:       db "Serval demo guest kernel: x86-64 long mode, booted by the Serval hypervisor", 10, 0
cpu_label:    db "  cpu:    ", 0
slash:        db " / ", 0
mem_label:    db "  memory: ", 0
mib:          db " MiB", 10, 0
cmd_label:    db "  cmdline: ", 0
primes_label: db "  primes below 10000: ", 0
bye:          db "demo guest done, exiting with status 0", 10, 0
; Data the kernel writes lives on its own pages: writing next to code would throw away compiled code.
align 4096
vendor:       times 16 db 0
brand:        times 64 db 0
sieve:        times 10000 db 0
`;

/** Builds the demo kernel as an ELF64 image (reproducible: same source, same bytes). */
export function buildDemoKernel(): Uint8Array {
  const { bytes } = assemble(DEMO_KERNEL_SOURCE, { bitness: 64, origin: DEMO_KERNEL_BASE });
  return buildElf64({ entry: DEMO_KERNEL_BASE, segments: [{ vaddr: DEMO_KERNEL_BASE, bytes, flags: 7 }] });
}
