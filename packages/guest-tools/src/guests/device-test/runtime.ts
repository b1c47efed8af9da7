// The device test kernel's runtime: entry, its IDT (a counting handler for vectors 0x20-0x5F that
// also acknowledges the UART and the RTC, then the 8259 or the local APIC), bounded waits for an
// interrupt, polled serial output, and the data the tests share. The tests (legacy.ts,
// platform.ts) sit between RUNTIME_CODE and RUNTIME_DATA.

export const FIRST_VECTOR = 0x20;
export const LAST_VECTOR = 0x5f;

const stubs = Array.from({ length: LAST_VECTOR - FIRST_VECTOR + 1 }, (_, i) => {
  const v = FIRST_VECTOR + i;
  return `isr_${v.toString(16)}: push ${v}\n        jmp isr_common`;
}).join('\n');
const stubTable = Array.from({ length: LAST_VECTOR - FIRST_VECTOR + 1 }, (_, i) => `        dd isr_${(FIRST_VECTOR + i).toString(16)}`).join('\n');

export const RUNTIME_CODE = String.raw`
bits 32
COM1    equ 0x3f8
LAPIC   equ 0xfee00000
IOAPIC  equ 0xfec00000
HPET    equ 0xfed00000
PM_TMR  equ 0x608
SPIN    equ 3000000

start:  cli
        mov esp, stack_top
        lgdt [gdtr]                     ; the same selectors as the loader's GDT: CS stays valid
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        call idt_init
        call uart_init
        mov esi, banner
        call puts
        call t_pic
        call t_pit
        call t_pit2
        call t_uart
        call t_uart_rx
        call t_rtc
        call t_cmos
        call t_i8042
        call t_post
        call t_lapic
        call t_ioapic
        call t_hpet
        call t_acpipm
        call t_pci
        call t_generic
        mov esi, done_msg
        call puts
        mov eax, [failures]
        call putdec
        call newline
        mov eax, [failures]
        out 0xf4, al
.halt:  cli
        hlt
        jmp .halt

; ---- interrupts -------------------------------------------------------------------------
idt_init:
        ; every vector: "unexpected" (prints the vector, exits 99)
        xor ecx, ecx
.all:   mov eax, unexpected
        call set_gate
        inc ecx
        cmp ecx, 256
        jne .all
        mov ecx, ${FIRST_VECTOR}
.stub:  mov eax, [stub_table + ecx*4 - ${FIRST_VECTOR * 4}]
        call set_gate
        inc ecx
        cmp ecx, ${LAST_VECTOR + 1}
        jne .stub
        lidt [idtr]
        ret

set_gate:                               ; ecx = vector, eax = handler
        mov [idt + ecx*8], ax
        mov word [idt + ecx*8 + 2], 0x08
        mov word [idt + ecx*8 + 4], 0x8e00
        shr eax, 16
        mov [idt + ecx*8 + 6], ax
        ret

unexpected:
        mov esi, unexpected_msg
        call puts
        mov eax, [esp]
        call puthex8
        call newline
        mov al, 99
        out 0xf4, al
        cli
        hlt

isr_common:
        pushad
        mov eax, [esp + 32]
        inc dword [counts + eax*4 - ${FIRST_VECTOR * 4}]
        cmp eax, 0x24                   ; COM1 (IRQ 4): what interrupted, and the byte if any
        jne .rtc
        mov dx, COM1 + 2
        in al, dx
        mov [uart_iir], al
        and al, 0x0f
        cmp al, 0x04
        jne .eoi
        mov dx, COM1
        in al, dx
        mov [uart_rx], al
        jmp .eoi
.rtc:   cmp eax, 0x28                   ; RTC (IRQ 8): register C says why, and reading it acknowledges
        jne .eoi
        mov al, 0x0c
        out 0x70, al
        in al, 0x71
        mov [rtc_c], al
.eoi:   mov eax, [esp + 32]
        cmp eax, 0x30
        jae .apic
        cmp eax, 0x28
        jb .master
        mov al, 0x20
        out 0xa0, al
.master:
        mov al, 0x20
        out 0x20, al
        jmp .out
.apic:  mov dword [LAPIC + 0xb0], 0
.out:   popad
        add esp, 4
        iretd

${stubs}

; eax = vector, ebx = count wanted; interrupts on while waiting. ecx = 0 if it never came.
wait_irq:
        mov ecx, SPIN
        sti
.l:     cmp [counts + eax*4 - ${FIRST_VECTOR * 4}], ebx
        jae .ok
        dec ecx
        jnz .l
.ok:    cli
        ret

; ---- output -----------------------------------------------------------------------------
uart_init:
        mov dx, COM1 + 1
        xor al, al
        out dx, al                      ; IER: no interrupts
        mov dx, COM1 + 3
        mov al, 0x80
        out dx, al                      ; DLAB
        mov dx, COM1
        mov al, 1
        out dx, al                      ; 115200 baud
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x03
        out dx, al                      ; 8N1
        ret

putc:   push edx
        push eax
        mov dx, COM1 + 5
.w:     in al, dx
        test al, 0x20
        jz .w
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret

puts:   push eax
.n:     lodsb
        test al, al
        jz .d
        call putc
        jmp .n
.d:     pop eax
        ret

newline:
        push eax
        mov al, 10
        call putc
        pop eax
        ret

space:  push eax
        mov al, ' '
        call putc
        pop eax
        ret

puthex8:                                ; al
        push ecx
        mov ecx, 2
        call puthex
        pop ecx
        ret

puthex:                                 ; eax = value, ecx = digits
        push eax
        push ebx
        push ecx
        mov ebx, eax
.l:     dec ecx
        mov eax, ebx
        push ecx
        shl ecx, 2
        shr eax, cl
        pop ecx
        and eax, 0x0f
        mov al, [hexdigits + eax]
        call putc
        test ecx, ecx
        jnz .l
        pop ecx
        pop ebx
        pop eax
        ret

putdec:                                 ; eax unsigned
        push eax
        push ebx
        push edx
        push esi
        mov esi, decbuf + 11
        mov byte [esi], 0
        mov ebx, 10
.l:     xor edx, edx
        div ebx
        add dl, '0'
        dec esi
        mov [esi], dl
        test eax, eax
        jnz .l
        call puts
        pop esi
        pop edx
        pop ebx
        pop eax
        ret

; A test calls "fail" with esi = why, at its own stack depth: the line ends and the test returns.
fail:   push esi
        mov esi, fail_msg
        call puts
        pop esi
        call puts
        call newline
        inc dword [failures]
        ret

ok:     push esi
        mov esi, ok_msg
        call puts
        pop esi
        ret

`;

export const RUNTIME_DATA = String.raw`
; ---- data ---------------------------------------------------------------------------------
banner:         db "serval device test", 10, 0
done_msg:       db "device test done, failures=", 0
unexpected_msg: db "unexpected interrupt or exception, vector/error 0x", 0
ok_msg:         db "ok", 0
fail_msg:       db "FAIL ", 0
hexdigits:      db "0123456789abcdef"

align 4
stub_table:
${stubTable}
failures:   dd 0
uart_iir:   db 0
uart_rx:    db 0
rtc_c:      db 0
kbc_ctr:    db 0
date:       dd 0
ioapic_ver: dd 0
tsc_mhz:    dd 0
pm_delta:   dd 0
tsc_delta:  dd 0
pci_id:     dd 0
decbuf:     times 12 db 0
align 8
gdt:        dq 0
            dq 0x00cf9a000000ffff
            dq 0x00cf92000000ffff
gdtr:       dw 23
            dd gdt
idtr:       dw 256 * 8 - 1
            dd idt
align 8
idt:        times 256 * 8 db 0
counts:     times ${LAST_VECTOR - FIRST_VECTOR + 1} dd 0
            times 4096 db 0
stack_top:
`;
