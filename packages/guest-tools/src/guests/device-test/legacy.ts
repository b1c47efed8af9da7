// The device test kernel's tests of the legacy PC devices: the 8259 pair, the 8254 (channel 0 on
// IRQ 0, channel 2 through port 61h), the 16550 (interrupts and input), the CMOS RTC and its
// memory, the i8042 and port 80h. Each test prints its line and returns (or fails through `fail`).

export const LEGACY_TESTS = String.raw`
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

; ---- strings
n_pic:      db "pic: ", 0
n_pit:      db "pit: ", 0
n_pit2:     db "pit-ch2: ", 0
n_uart:     db "uart: ", 0
n_uart_rx:  db "uart-rx: ", 0
n_rtc:      db "rtc: ", 0
n_cmos:     db "cmos: ", 0
n_i8042:    db "i8042: ", 0
n_post:     db "post: ", 0
d_pic:      db " vectors 20/28, masks read back", 0
d_pit:      db " irq0 -> vector 20, count latched and falling, ticks=", 0
d_pit2:     db " gate via port 61h, out2 low then high", 0
d_uart:     db " scratch, fifo, thre interrupt iir=", 0
d_uart_rx:  db " receive interrupt, byte '", 0
d_rtc:      db " (bcd), irq8 via the slave 8259", 0
d_cmos:     db " nvram bytes 50/51 kept", 0
d_i8042:    db " self-test 55, interface 00, echo ee, command byte ", 0
d_post:     db " write-only latch", 0
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
`;
