// A multiboot test kernel that exercises every device of Serval's PC and reports one line per
// device on COM1: "<device>: ok <what it saw>" or "<device>: FAIL <why>". It runs in 32-bit
// protected mode without paging (the APIC, I/O APIC and HPET pages are reachable as is), takes
// interrupts through its own IDT (a counter per vector from 0x20 to 0x5F), and exits through the
// debug-exit port with the number of failures as its status. Every wait for an interrupt or a
// device is bounded, so a broken device gives a FAIL line rather than a hang.
//
// It expects: the 8259 pair, 8254 with port 61h, 16550 at 0x3F8 (IRQ 4) with one byte of input,
// CMOS RTC (default start 2024-01-01, BCD), i8042, port 80h, local APIC, I/O APIC, HPET, the ACPI
// PM block at 0x600, the PCI host bridge (1b36:0008), a generic device at 0x378-0x37F and
// debug-exit at 0xF4 (`DEVICE_TEST_DEVICES`).
import { buildMultibootKernel } from '../multiboot/build.js';

/** The device lines the kernel prints, in order. */
export const DEVICE_TEST_LINES = ['pic', 'pit', 'pit-ch2', 'uart', 'uart-rx', 'rtc', 'cmos', 'i8042', 'post', 'lapic', 'ioapic', 'hpet', 'acpi-pm', 'pci', 'generic'] as const;

/** The byte the UART test waits for on its serial input. */
export const DEVICE_TEST_INPUT = 'Q';

/** The VM's devices, as config entries (the order and options the kernel expects). */
export const DEVICE_TEST_DEVICES = [
  { id: 'pic', class: 'pic8259' },
  { id: 'ioapic', class: 'ioapic' },
  { id: 'lapic', class: 'lapic' },
  { id: 'hpet', class: 'hpet' },
  { id: 'pm', class: 'acpi-pm' },
  { id: 'pci', class: 'pci' },
  { id: 'pit', class: 'pit8254' },
  { id: 'rtc', class: 'rtc' },
  { id: 'kbc', class: 'i8042' },
  { id: 'post', class: 'port80', options: { print: true } },
  { id: 'com1', class: 'uart16550', options: { port: 0x3f8, irq: 4 } },
  { id: 'lpt', class: 'generic', options: { base: 0x378, length: 8, mode: 'print' } },
  { id: 'exit', class: 'debug-exit', options: { port: 0xf4 } },
] as const;

const FIRST_VECTOR = 0x20;
const LAST_VECTOR = 0x5f;

const stubs = Array.from({ length: LAST_VECTOR - FIRST_VECTOR + 1 }, (_, i) => {
  const v = FIRST_VECTOR + i;
  return `isr_${v.toString(16)}: push ${v}\n        jmp isr_common`;
}).join('\n');
const stubTable = Array.from({ length: LAST_VECTOR - FIRST_VECTOR + 1 }, (_, i) => `        dd isr_${(FIRST_VECTOR + i).toString(16)}`).join('\n');

export const DEVICE_TEST_SOURCE = String.raw`
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

; ---- 8259 pair --------------------------------------------------------------------------
t_pic:  mov esi, n_pic
        call puts
        mov al, 0x11                    ; ICW1: edge, cascade, ICW4
        out 0x20, al
        out 0xa0, al
        mov al, 0x20                    ; ICW2: vectors 0x20 and 0x28
        out 0x21, al
        mov al, 0x28
        out 0xa1, al
        mov al, 0x04                    ; ICW3: slave on IRQ 2
        out 0x21, al
        mov al, 0x02
        out 0xa1, al
        mov al, 0x01                    ; ICW4: 8086 mode
        out 0x21, al
        out 0xa1, al
        mov al, 0xff
        out 0xa1, al
        mov al, 0xfb
        out 0x21, al
        in al, 0x21
        mov esi, e_imr
        cmp al, 0xfb
        jne fail
        in al, 0xa1
        cmp al, 0xff
        jne fail
        mov al, 0x0b                    ; OCW3: read ISR
        out 0x20, al
        in al, 0x20
        mov esi, e_isr
        test al, al
        jnz fail
        mov al, 0x0a                    ; back to IRR
        out 0x20, al
        call ok
        mov esi, d_pic
        call puts
        jmp newline

; ---- 8254 channel 0 (IRQ 0 through the master 8259) -------------------------------------
t_pit:  mov esi, n_pit
        call puts
        mov al, 0x34                    ; channel 0, lobyte/hibyte, mode 2
        out 0x43, al
        mov al, 1193 & 0xff             ; ~1 ms
        out 0x40, al
        mov al, 1193 >> 8
        out 0x40, al
        mov al, 0xfa                    ; unmask IRQ 0 (and the cascade)
        out 0x21, al
        mov eax, 0x20
        mov ebx, 3
        call wait_irq
        mov al, 0xfb
        out 0x21, al
        mov esi, e_noirq0
        test ecx, ecx
        jz fail
        mov al, 0x00                    ; latch channel 0 twice: it counts down
        out 0x43, al
        in al, 0x40
        mov bl, al
        in al, 0x40
        mov bh, al
        mov ecx, 2000
.d:     dec ecx
        jnz .d
        mov al, 0x00
        out 0x43, al
        in al, 0x40
        mov dl, al
        in al, 0x40
        mov dh, al
        mov esi, e_latch
        cmp bx, dx
        je fail
        cmp bx, 1193
        ja fail
        mov al, 0x30                    ; channel 0 to mode 0: one last edge, then quiet
        out 0x43, al
        mov al, 1
        out 0x40, al
        xor al, al
        out 0x40, al
        call ok
        mov esi, d_pit
        call puts
        mov eax, [counts]
        call putdec
        jmp newline

; ---- 8254 channel 2 through port 61h (what Linux calibrates the TSC with) ----------------
t_pit2: mov esi, n_pit2
        call puts
        in al, 0x61
        and al, 0xfc
        or al, 0x01                     ; gate 2 on, speaker off
        out 0x61, al
        mov al, 0xb0                    ; channel 2, lobyte/hibyte, mode 0
        out 0x43, al
        mov al, 0x00
        out 0x42, al
        mov al, 0x04                    ; 1024 ticks (~858 us)
        out 0x42, al
        in al, 0x61
        mov esi, e_out2_early
        test al, 0x20
        jnz fail
        mov ecx, SPIN
.w:     in al, 0x61
        test al, 0x20
        jnz .high
        dec ecx
        jnz .w
        mov esi, e_out2
        jmp fail
.high:  in al, 0x61
        and al, 0xfc                    ; gate off
        out 0x61, al
        call ok
        mov esi, d_pit2
        call puts
        jmp newline

; ---- 16550: scratch, FIFO, THRE interrupt ------------------------------------------------
t_uart: mov esi, n_uart
        call puts
        mov dx, COM1 + 7
        mov al, 0x5a
        out dx, al
        in al, dx
        mov esi, e_scratch
        cmp al, 0x5a
        jne fail
        mov dx, COM1 + 2
        mov al, 0x07                    ; FIFOs on and cleared
        out dx, al
        in al, dx
        mov esi, e_fifo
        and al, 0xc0
        cmp al, 0xc0
        jne fail
        mov dx, COM1 + 4
        mov al, 0x0b                    ; DTR, RTS, OUT2 (the interrupt line's gate)
        out dx, al
        mov al, 0xeb                    ; unmask IRQ 4
        out 0x21, al
        mov dx, COM1 + 1
        mov al, 0x02                    ; THRE interrupt: the transmitter is empty, so at once
        out dx, al
        mov eax, 0x24
        mov ebx, 1
        call wait_irq
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        mov esi, e_thre
        test ecx, ecx
        jz fail
        mov al, [uart_iir]
        and al, 0x0f
        cmp al, 0x02
        jne fail
        call ok
        mov esi, d_uart
        call puts
        mov al, [uart_iir]
        call puthex8
        jmp newline

; ---- 16550 input: a byte from the host arrives with a receive interrupt ------------------
t_uart_rx:
        mov esi, n_uart_rx
        call puts
        mov dx, COM1 + 1
        mov al, 0x01                    ; receive-data interrupt
        out dx, al
        mov eax, 0x24                   ; the byte takes a character time to arrive
        mov ebx, [counts + 4 * 4]
        inc ebx
        call wait_irq
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        mov al, 0xfb
        out 0x21, al
        mov esi, e_rx
        cmp byte [uart_rx], 0
        je fail
        call ok
        mov esi, d_uart_rx
        call puts
        mov al, [uart_rx]
        call putc
        mov al, 0x27
        call putc
        jmp newline

; ---- CMOS RTC: the date in BCD, and a periodic interrupt through the slave 8259 ----------
rtc_read:                               ; al = register -> al
        out 0x70, al
        in al, 0x71
        ret

t_rtc:  mov esi, n_rtc
        call puts
        mov al, 0x0b
        call rtc_read
        mov esi, e_binary
        test al, 0x04
        jnz fail
        mov ecx, SPIN
.uip:   mov al, 0x0a
        call rtc_read
        test al, 0x80
        jz .read
        dec ecx
        jnz .uip
.read:  mov al, 0x32
        call rtc_read
        mov [date + 0], al
        mov al, 0x09
        call rtc_read
        mov [date + 1], al
        mov al, 0x08
        call rtc_read
        mov [date + 2], al
        mov al, 0x07
        call rtc_read
        mov [date + 3], al
        mov al, 0x0a                    ; 1024 Hz periodic interrupt
        out 0x70, al
        mov al, 0x26
        out 0x71, al
        mov al, 0x0b
        call rtc_read
        or al, 0x40                     ; PIE
        mov ah, al
        mov al, 0x0b
        out 0x70, al
        mov al, ah
        out 0x71, al
        mov al, 0xfe                    ; unmask IRQ 8 on the slave, IRQ 2 on the master
        out 0xa1, al
        mov eax, 0x28
        mov ebx, 1
        call wait_irq
        push ecx
        mov al, 0x0b
        call rtc_read
        and al, 0xbf
        mov ah, al
        mov al, 0x0b
        out 0x70, al
        mov al, ah
        out 0x71, al
        mov al, 0xff
        out 0xa1, al
        pop ecx
        mov esi, e_rtcirq
        test ecx, ecx
        jz fail
        mov al, [rtc_c]
        and al, 0xc0
        cmp al, 0xc0                    ; IRQF and PF
        jne fail
        call ok
        call space
        mov al, [date + 0]
        call puthex8
        mov al, [date + 1]
        call puthex8
        mov al, '-'
        call putc
        mov al, [date + 2]
        call puthex8
        mov al, '-'
        call putc
        mov al, [date + 3]
        call puthex8
        mov esi, d_rtc
        call puts
        jmp newline

; ---- CMOS memory --------------------------------------------------------------------------
t_cmos: mov esi, n_cmos
        call puts
        mov al, 0x50
        out 0x70, al
        mov al, 0xa5
        out 0x71, al
        mov al, 0x51
        out 0x70, al
        mov al, 0x3c
        out 0x71, al
        mov al, 0x50
        call rtc_read
        mov esi, e_cmos
        cmp al, 0xa5
        jne fail
        mov al, 0x51
        call rtc_read
        cmp al, 0x3c
        jne fail
        call ok
        mov esi, d_cmos
        call puts
        jmp newline

; ---- i8042 --------------------------------------------------------------------------------
kbc_cmd:                                ; al = command -> al = reply (ecx = 0 if none)
        out 0x64, al
kbc_reply:
        mov ecx, 100000
.w:     in al, 0x64
        test al, 0x01
        jnz .r
        dec ecx
        jnz .w
        ret
.r:     in al, 0x60
        ret

t_i8042:
        mov esi, n_i8042
        call puts
        mov al, 0xaa                    ; controller self-test
        call kbc_cmd
        mov esi, e_selftest
        test ecx, ecx
        jz fail
        cmp al, 0x55
        jne fail
        mov al, 0xab                    ; keyboard interface test
        call kbc_cmd
        mov esi, e_kbdtest
        test ecx, ecx
        jz fail
        test al, al
        jnz fail
        mov al, 0x20                    ; read the command byte
        call kbc_cmd
        mov [kbc_ctr], al
        mov esi, e_ctr
        test ecx, ecx
        jz fail
        mov al, 0xee                    ; keyboard echo
        out 0x60, al
        call kbc_reply
        mov esi, e_echo
        test ecx, ecx
        jz fail
        cmp al, 0xee
        jne fail
        in al, 0x64
        mov esi, e_sys
        test al, 0x04                   ; the system flag, set by the self-test
        jz fail
        call ok
        mov esi, d_i8042
        call puts
        mov al, [kbc_ctr]
        call puthex8
        jmp newline

; ---- port 80h (a write-only latch: reads float) ---------------------------------------
t_post: mov esi, n_post
        call puts
        mov al, 0x42
        out 0x80, al
        in al, 0x80
        mov esi, e_post
        cmp al, 0xff
        jne fail
        call ok
        mov esi, d_post
        call puts
        jmp newline

; ---- local APIC: timer (waking HLT) and a self IPI ----------------------------------------
t_lapic:
        mov esi, n_lapic
        call puts
        mov eax, [LAPIC + 0x20]
        shr eax, 24
        mov esi, e_apicid
        test eax, eax
        jnz fail
        mov dword [LAPIC + 0xf0], 0x1ff ; software enable, spurious vector 0xFF
        mov dword [LAPIC + 0x3e0], 0x0b ; divide by 1
        mov dword [LAPIC + 0x320], 0x40 ; one-shot, vector 0x40
        mov dword [LAPIC + 0x380], 10000
        sti
        hlt                             ; the timer wakes it
        cli
        mov eax, 0x40
        mov ebx, 1
        call wait_irq
        mov esi, e_timer
        test ecx, ecx
        jz fail
        mov eax, [LAPIC + 0x390]
        mov esi, e_current
        test eax, eax
        jnz fail
        mov dword [LAPIC + 0x310], 0
        mov dword [LAPIC + 0x300], 0x00040041 ; self, fixed, vector 0x41
        mov eax, 0x41
        mov ebx, 1
        call wait_irq
        mov esi, e_ipi
        test ecx, ecx
        jz fail
        call ok
        mov esi, d_lapic
        call puts
        mov eax, [LAPIC + 0x30]
        call puthex8
        jmp newline

; ---- I/O APIC: ISA IRQ 0 (the PIT) on pin 2 to vector 0x50 --------------------------------
ioapic_write:                           ; ecx = register, eax = value
        mov [IOAPIC], ecx
        mov [IOAPIC + 0x10], eax
        ret

t_ioapic:
        mov esi, n_ioapic
        call puts
        mov dword [IOAPIC], 1
        mov eax, [IOAPIC + 0x10]
        mov [ioapic_ver], eax
        shr eax, 16
        and eax, 0xff
        mov esi, e_ioapicver
        cmp eax, 23
        jne fail
        mov al, 0xff                    ; the 8259 pair out of the way
        out 0x21, al
        mov ecx, 0x15
        xor eax, eax
        call ioapic_write
        mov ecx, 0x14
        mov eax, 0x50                   ; pin 2: fixed, edge, physical, vector 0x50
        call ioapic_write
        mov al, 0x34                    ; the PIT at ~1 ms again
        out 0x43, al
        mov al, 1193 & 0xff
        out 0x40, al
        mov al, 1193 >> 8
        out 0x40, al
        mov eax, 0x50
        mov ebx, 2
        call wait_irq
        push ecx
        mov ecx, 0x14
        mov eax, 0x10000                ; masked
        call ioapic_write
        mov al, 0x30
        out 0x43, al
        mov al, 1
        out 0x40, al
        xor al, al
        out 0x40, al
        mov al, 0xfb
        out 0x21, al
        pop ecx
        mov esi, e_ioapicirq
        test ecx, ecx
        jz fail
        call ok
        mov esi, d_ioapic
        call puts
        mov eax, [ioapic_ver]
        mov ecx, 8
        call puthex
        jmp newline

; ---- HPET: capabilities, a running counter, timer 0 to I/O APIC pin 20 -------------------
t_hpet: mov esi, n_hpet
        call puts
        mov eax, [HPET]
        shr eax, 16
        mov esi, e_hpetvendor
        cmp eax, 0x8086
        jne fail
        mov eax, [HPET + 4]
        mov esi, e_hpetperiod
        cmp eax, 10000000
        jne fail
        mov eax, [HPET + 0x104]         ; timer 0's routing capabilities
        mov esi, e_hpetroute
        test eax, 1 << 20
        jz fail
        mov dword [HPET + 0x10], 1      ; enable
        mov ebx, [HPET + 0xf0]
        mov ecx, 1000
.d:     dec ecx
        jnz .d
        mov edx, [HPET + 0xf0]
        mov esi, e_hpetcount
        cmp edx, ebx
        jbe fail
        mov ecx, 0x39                   ; pin 20 -> vector 0x51
        xor eax, eax
        call ioapic_write
        mov ecx, 0x38
        mov eax, 0x51
        call ioapic_write
        mov dword [HPET + 0x100], (20 << 9) | (1 << 2) ; edge, enabled, route 20
        mov eax, [HPET + 0xf0]
        add eax, 10000                  ; 100 us
        mov [HPET + 0x108], eax
        mov dword [HPET + 0x10c], 0
        mov eax, 0x51
        mov ebx, 1
        call wait_irq
        mov dword [HPET + 0x100], 0
        mov esi, e_hpetirq
        test ecx, ecx
        jz fail
        call ok
        mov esi, d_hpet
        call puts
        jmp newline

; ---- ACPI PM timer: 3.579545 MHz against the TSC (whose rate CPUID 0x16 gives) -----------
t_acpipm:
        mov esi, n_acpipm
        call puts
        mov dx, 0x602                   ; PM1a_EN: the power button's enable bit reads back
        mov ax, 0x0100
        out dx, ax
        in ax, dx
        mov esi, e_pmen
        cmp ax, 0x0100
        jne fail
        mov eax, 0x16
        xor ecx, ecx
        cpuid
        mov [tsc_mhz], eax
        mov dx, PM_TMR
        in eax, dx
        mov ebx, eax
        rdtsc
        mov esi, eax
        mov ecx, 200000
.d:     dec ecx
        jnz .d
        mov dx, PM_TMR
        in eax, dx
        sub eax, ebx
        and eax, 0xffffff
        mov [pm_delta], eax
        rdtsc
        sub eax, esi
        mov [tsc_delta], eax
        mov eax, [tsc_mhz]              ; expected TSC ticks = pm ticks * MHz * 1e6 / 3579545
        mov ecx, 1000000
        mul ecx
        mul dword [pm_delta]
        mov ecx, 3579545
        div ecx
        mov ebx, eax
        mov esi, e_pmzero
        cmp dword [pm_delta], 0
        je fail
        mov eax, [tsc_delta]            ; |tsc - expected| < expected / 100
        sub eax, ebx
        jns .abs
        neg eax
.abs:   mov ecx, ebx
        push eax
        mov eax, ecx
        xor edx, edx
        mov ecx, 100
        div ecx
        mov ecx, eax
        pop eax
        mov esi, e_pmrate
        cmp eax, ecx
        jae fail
        call ok
        mov esi, d_acpipm
        call puts
        mov eax, [pm_delta]
        call putdec
        mov esi, d_acpipm2
        call puts
        mov eax, [tsc_delta]
        call putdec
        jmp newline

; ---- PCI configuration mechanism #1 ---------------------------------------------------
t_pci:  mov esi, n_pci
        call puts
        mov dx, 0xcf8
        mov eax, 0x80000000             ; 00:00.0 register 0
        out dx, eax
        in eax, dx
        mov esi, e_cf8
        cmp eax, 0x80000000
        jne fail
        mov dx, 0xcfc
        in eax, dx
        mov [pci_id], eax
        mov esi, e_pciid
        cmp eax, 0x00081b36
        jne fail
        mov dx, 0xcf8
        mov eax, 0x80000008             ; class code
        out dx, eax
        mov dx, 0xcfc
        in eax, dx
        shr eax, 8
        mov esi, e_pciclass
        cmp eax, 0x060000
        jne fail
        mov dx, 0xcf8
        mov eax, 0x8000f800             ; 00:1f.0: nothing there
        out dx, eax
        mov dx, 0xcfc
        in eax, dx
        mov esi, e_pciabsent
        cmp eax, 0xffffffff
        jne fail
        call ok
        mov esi, d_pci
        call puts
        jmp newline

; ---- generic device: 0x378-0x37F print and ignore (the host logs each access) ---------
t_generic:
        mov esi, n_generic
        call puts
        mov dx, 0x378
        mov al, 0x5a
        out dx, al
        in al, dx
        mov esi, e_generic
        cmp al, 0xff
        jne fail
        mov dx, 0x37f
        in al, dx
        cmp al, 0xff
        jne fail
        call ok
        mov esi, d_generic
        call puts
        jmp newline

; ---- data ---------------------------------------------------------------------------------
banner:         db "serval device test", 10, 0
done_msg:       db "device test done, failures=", 0
unexpected_msg: db "unexpected interrupt or exception, vector/error 0x", 0
ok_msg:         db "ok", 0
fail_msg:       db "FAIL ", 0
hexdigits:      db "0123456789abcdef"
n_pic:      db "pic: ", 0
n_pit:      db "pit: ", 0
n_pit2:     db "pit-ch2: ", 0
n_uart:     db "uart: ", 0
n_uart_rx:  db "uart-rx: ", 0
n_rtc:      db "rtc: ", 0
n_cmos:     db "cmos: ", 0
n_i8042:    db "i8042: ", 0
n_post:     db "post: ", 0
n_lapic:    db "lapic: ", 0
n_ioapic:   db "ioapic: ", 0
n_hpet:     db "hpet: ", 0
n_acpipm:   db "acpi-pm: ", 0
n_pci:      db "pci: ", 0
n_generic:  db "generic: ", 0
d_pic:      db " vectors 20/28, masks read back", 0
d_pit:      db " irq0 -> vector 20, count latched and falling, ticks=", 0
d_pit2:     db " gate via port 61h, out2 low then high", 0
d_uart:     db " scratch, fifo, thre interrupt iir=", 0
d_uart_rx:  db " receive interrupt, byte '", 0
d_rtc:      db " (bcd), irq8 via the slave 8259", 0
d_cmos:     db " nvram bytes 50/51 kept", 0
d_i8042:    db " self-test 55, interface 00, echo ee, command byte ", 0
d_post:     db " write-only latch", 0
d_lapic:    db " id 0, timer woke hlt (vector 40), self ipi (vector 41), version ", 0
d_ioapic:   db " pit irq0 -> pin 2 -> vector 50, version ", 0
d_hpet:     db " vendor 8086, 10 ns period, counter runs, timer 0 -> pin 20 -> vector 51", 0
d_acpipm:   db " PM1a_EN reads back, 3.579545 MHz against the tsc: pm ", 0
d_acpipm2:  db " tsc ", 0
d_pci:      db " 00:00.0 1b36:0008 class 060000, 00:1f.0 absent", 0
d_generic:  db " 0x378-0x37f ignore writes, read ff", 0
e_imr:        db "IMR does not read back", 0
e_isr:        db "ISR not empty after init", 0
e_noirq0:     db "no IRQ 0 from channel 0", 0
e_latch:      db "latched count does not fall", 0
e_out2_early: db "OUT2 high right after the count was written", 0
e_out2:       db "OUT2 never went high", 0
e_scratch:    db "scratch register does not read back", 0
e_fifo:       db "FIFOs not reported enabled in IIR", 0
e_thre:       db "no THRE interrupt", 0
e_rx:         db "no byte received (give the VM one byte of serial input)", 0
e_binary:     db "register B says binary, expected BCD", 0
e_rtcirq:     db "no periodic interrupt on IRQ 8", 0
e_cmos:       db "NVRAM bytes not kept", 0
e_selftest:   db "self-test did not answer 55", 0
e_kbdtest:    db "interface test did not answer 00", 0
e_ctr:        db "no command byte", 0
e_echo:       db "keyboard echo did not answer ee", 0
e_sys:        db "system flag not set after the self-test", 0
e_post:       db "port 80h read back what was written", 0
e_apicid:     db "BSP APIC ID is not 0", 0
e_timer:      db "no timer interrupt", 0
e_current:    db "current count not 0 after a one-shot", 0
e_ipi:        db "no self IPI", 0
e_ioapicver:  db "not 24 redirection entries", 0
e_ioapicirq:  db "no interrupt through pin 2", 0
e_hpetvendor: db "vendor is not 8086", 0
e_hpetperiod: db "period is not 10 ns", 0
e_hpetroute:  db "timer 0 cannot route to pin 20", 0
e_hpetcount:  db "main counter does not run", 0
e_hpetirq:    db "no interrupt from timer 0", 0
e_pmen:       db "PM1a_EN does not read back", 0
e_pmzero:     db "PM timer does not run", 0
e_pmrate:     db "PM timer rate is not 3.579545 MHz against the TSC", 0
e_cf8:        db "0xCF8 does not read back", 0
e_pciid:      db "00:00.0 is not 1b36:0008", 0
e_pciclass:   db "00:00.0 is not a host bridge", 0
e_pciabsent:  db "an absent device does not read ffffffff", 0
e_generic:    db "ignored ports do not read ff", 0

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

/** The device test kernel as a multiboot ELF32 image. */
export function buildDeviceTestKernel(): Uint8Array {
  return buildMultibootKernel({ source: DEVICE_TEST_SOURCE }).image;
}
