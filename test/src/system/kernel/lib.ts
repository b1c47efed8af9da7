// Runtime library of the test kernels, in 32-bit and 64-bit flavours: COM1 output (polling the
// line status register's THRE bit before each byte, as on real hardware), hex printing, the exit
// through the debug-exit port.

export const SERIAL32 = String.raw`
bits 32
; al: the byte to send, once the transmitter holding register is empty (LSR bit 5).
s32_putc:
        push edx
        push eax
        mov dx, 0x3fd
.wait:  in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, 0x3f8
        out dx, al
        pop edx
        ret
; Prints the zero-terminated string that follows the call, and returns past it.
s32_str:
        xchg esi, [esp]
        push eax
.next:  mov al, [esi]
        inc esi
        test al, al
        jz .end
        call s32_putc
        jmp .next
.end:   pop eax
        xchg esi, [esp]
        ret
s32_nl: push eax
        mov al, 10
        call s32_putc
        pop eax
        ret
; eax: the value; cl: how many hex digits (1-8), most significant first.
s32_hexn:
        push eax
        push ebx
        push ecx
        push edx
        mov ebx, eax
        movzx edx, cl
        mov ecx, 8
        sub ecx, edx
        shl ecx, 2
        rol ebx, cl
        mov ecx, edx
.dig:   rol ebx, 4
        mov al, bl
        and al, 15
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 39
.out:   call s32_putc
        dec ecx
        jnz .dig
        pop edx
        pop ecx
        pop ebx
        pop eax
        ret
; al: the status for the debug-exit device, which ends the run.
s32_exit:
        out 0xf4, al
.stop:  cli
        hlt
        jmp .stop
`;

export const SERIAL64 = String.raw`
bits 64
s64_putc:
        push rdx
        push rax
        mov dx, 0x3fd
.wait:  in al, dx
        test al, 0x20
        jz .wait
        pop rax
        mov dx, 0x3f8
        out dx, al
        pop rdx
        ret
s64_str:
        xchg rsi, [rsp]
        push rax
.next:  mov al, [rsi]
        inc rsi
        test al, al
        jz .end
        call s64_putc
        jmp .next
.end:   pop rax
        xchg rsi, [rsp]
        ret
; Prints the zero-terminated string at rsi.
s64_print_at:
        push rsi
        push rax
.next:  mov al, [rsi]
        inc rsi
        test al, al
        jz .end
        call s64_putc
        jmp .next
.end:   pop rax
        pop rsi
        ret
s64_nl: push rax
        mov al, 10
        call s64_putc
        pop rax
        ret
; rax: the value; cl: how many hex digits (1-16).
s64_hexn:
        push rax
        push rbx
        push rcx
        push rdx
        mov rbx, rax
        movzx edx, cl
        mov ecx, 16
        sub ecx, edx
        shl ecx, 2
        rol rbx, cl
        mov ecx, edx
.dig:   rol rbx, 4
        mov al, bl
        and al, 15
        add al, '0'
        cmp al, '9'
        jbe .out
        add al, 39
.out:   call s64_putc
        dec ecx
        jnz .dig
        pop rdx
        pop rcx
        pop rbx
        pop rax
        ret
s64_exit:
        out 0xf4, al
.stop:  cli
        hlt
        jmp .stop
`;
