// COM1 output for the 64-bit guests assembled in this repository, polling the 16550 (no
// interrupts). Sources that include these define `COM1 equ 0x3f8`.

/** serial_init: 115200 baud, 8N1, the UART's interrupts off. */
export const SERIAL_INIT_64 = String.raw`
serial_init:
        mov dx, COM1 + 1
        xor al, al
        out dx, al                  ; no interrupts
        mov dx, COM1 + 3
        mov al, 0x80
        out dx, al                  ; DLAB on
        mov dx, COM1
        mov al, 1
        out dx, al                  ; divisor 1: 115200 baud
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 3
        out dx, al                  ; 8N1, DLAB off
        ret
`;

/** putc: AL, once the transmitter holding register is empty; puts: the NUL-terminated string at RSI. */
export const PUTS_64 = String.raw`
putc:   push rdx
        push rax
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 0x20
        jz .wait
        pop rax
        mov dx, COM1
        out dx, al
        pop rdx
        ret

puts:   cld
.next:  lodsb
        test al, al
        jz .end
        call putc
        jmp .next
.end:   ret
`;
