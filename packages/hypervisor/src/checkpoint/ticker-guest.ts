// A guest for checkpoint tests: a 64-bit kernel whose output depends on exactly when each timer
// interrupt lands. It programs the 8259 pair and the 8254 (IRQ 0 every 100 us), then alternates
// short bursts of work that end in HLT with long ones that run across several ticks, folding the
// tick count into its hash at every step; every 10 ticks it prints the tick count, the hash and
// the TSC. Any difference in interrupt timing, memory, registers or time after a restore shows in
// the output.
import { assemble } from '@serval/x86';
import { buildElf64, PUTS_64 } from '@serval/guest-tools';

const BASE = 0x100000;

export const TICKER_GUEST_SOURCE = String.raw`
bits 64
COM1 equ 0x3f8
TICKS_END equ 60

start:
        ; IDT: vector 0x20 (IRQ 0 after the remap) and nothing else
        lea rdi, [rel idt + 0x20 * 16]
        lea rax, [rel irq0]
        mov word [rdi], ax
        mov word [rdi + 2], 8
        mov word [rdi + 4], 0x8e00
        shr rax, 16
        mov word [rdi + 6], ax
        shr rax, 16
        mov dword [rdi + 8], eax
        mov dword [rdi + 12], 0
        lea rax, [rel idt]
        mov [rel idtr + 2], rax
        lidt [rel idtr]

        mov al, 0x11
        out 0x20, al
        out 0xa0, al
        mov al, 0x20
        out 0x21, al
        mov al, 0x28
        out 0xa1, al
        mov al, 4
        out 0x21, al
        mov al, 2
        out 0xa1, al
        mov al, 1
        out 0x21, al
        out 0xa1, al
        mov al, 0xfe
        out 0x21, al
        mov al, 0xff
        out 0xa1, al

        mov al, 0x34
        out 0x43, al
        mov al, 119
        out 0x40, al
        xor al, al
        out 0x40, al

        lea rsi, [rel hello]
        call puts
        mov r12, 0x9e3779b97f4a7c15  ; hash
        xor r13, r13                ; burst number
        sti

.loop:  mov rax, [rel ticks]
        cmp rax, TICKS_END
        jae .end
        inc r13
        mov ecx, 3000
        test r13, 1
        jz .burst
        mov ecx, 40000
.burst: call work
        mov rax, [rel ticks]
        cmp rax, [rel reported]
        jb .nowait
        call report
.nowait:
        test r13, 1
        jnz .loop
        hlt
        jmp .loop

.end:   cli
        lea rsi, [rel bye]
        call puts
        mov rax, r12
        call puthex
        call newline
        xor eax, eax
        mov dx, 0xf4
        out dx, al
.halt:  hlt
        jmp .halt

; work: rcx steps of xorshift over a 64 KiB buffer, folding in the tick count each step.
work:   lea rdi, [rel buf]
.step:  mov rax, r12
        shl rax, 13
        xor r12, rax
        mov rax, r12
        shr rax, 7
        xor r12, rax
        mov rax, r12
        shl rax, 17
        xor r12, rax
        xor r12, [rel ticks]
        mov rax, r12
        and eax, 0xfff8
        xor [rdi + rax], r12
        add r12, [rdi + rax]
        dec ecx
        jnz .step
        ret

report: mov rax, [rel reported]
        add rax, 10
        mov [rel reported], rax
        lea rsi, [rel tick_label]
        call puts
        mov rax, [rel ticks]
        call puthex
        lea rsi, [rel hash_label]
        call puts
        mov rax, r12
        call puthex
        lea rsi, [rel tsc_label]
        call puts
        rdtsc
        shl rdx, 32
        or rax, rdx
        call puthex
        call newline
        ret

irq0:   push rax
        inc qword [rel ticks]
        mov al, 0x20
        out 0x20, al
        pop rax
        iretq

${PUTS_64}

newline:
        mov al, 10
        jmp putc

puthex: push rcx
        push rbx
        mov rbx, rax
        mov ecx, 16
.digit: rol rbx, 4
        mov al, bl
        and al, 15
        add al, '0'
        cmp al, '9'
        jbe .put
        add al, 7
.put:   call putc
        dec ecx
        jnz .digit
        pop rbx
        pop rcx
        ret

hello:      db "ticker: 10 kHz timer, 60 ticks", 10, 0
tick_label: db "ticks=", 0
hash_label: db " hash=", 0
tsc_label:  db " tsc=", 0
bye:        db "ticker done hash=", 0
align 4096
idtr:       dw 256 * 16 - 1
            dq 0
ticks:      dq 0
reported:   dq 10
align 4096
idt:        times 4096 db 0
buf:        times 65536 db 0
`;

/** The ticker guest as an ELF64 image for direct 64-bit boot (needs pic8259, pit8254, uart16550 and debug-exit). */
export function buildTickerGuest(): Uint8Array {
  const { bytes } = assemble(TICKER_GUEST_SOURCE, { bitness: 64, origin: BASE });
  return buildElf64({ entry: BASE, segments: [{ vaddr: BASE, bytes, flags: 7 }] });
}

/** A VM config for the ticker guest with the devices it drives. */
export function tickerVmConfig(kernelPath: string, name = 'ticker'): Record<string, unknown> {
  return {
    name, memory: '16M', kernel: { path: kernelPath },
    devices: [
      { id: 'pic', class: 'pic8259' },
      { id: 'pit', class: 'pit8254' },
      { id: 'com1', class: 'uart16550' },
      { id: 'exit', class: 'debug-exit' },
    ],
  };
}
