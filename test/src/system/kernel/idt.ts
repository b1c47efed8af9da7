// Exception and interrupt handling for the test kernels: one stub per vector (pushing a zero where
// the CPU pushes no error code, then the vector), an IDT of interrupt gates, and a common handler
// that prints the frame the CPU pushed and resumes where the test said (see `expectFault`).
import { say, kv, hex, nl } from './asm.js';

/** Vectors for which the CPU pushes an error code. */
const WITH_ERROR = new Set([8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);
/** Gates the IDT holds (vectors 0x00-0x8f): the limit makes higher vectors a #GP. */
export const IDT_VECTORS = 0x90;
const ERROR_MASK = [...WITH_ERROR].reduce((m, v) => m | (1 << v), 0) >>> 0;

function stubs(b: 32 | 64): string {
  const out: string[] = [`bits ${b}`];
  for (let v = 0; v < IDT_VECTORS; v++) {
    out.push(`x${b}_stub_${v}:`);
    if (!WITH_ERROR.has(v)) out.push('push 0');
    out.push(`push ${v}`, `jmp x${b}_common`);
  }
  out.push('align 8', `x${b}_stub_table:`);
  for (let v = 0; v < IDT_VECTORS; v += 8) {
    out.push(`${b === 64 ? 'dq' : 'dd'} ${Array.from({ length: 8 }, (_, k) => `x${b}_stub_${v + k}`).join(', ')}`);
  }
  return out.join('\n');
}

export function idt64(): string {
  return `${stubs(64)}
bits 64
; Fills every gate as 64-bit interrupt gates (DPL 0, no IST) and loads the IDT.
idt64_init:
        push rax
        push rcx
        push rdx
        push rdi
        xor ecx, ecx
.gate:  mov rax, [x64_stub_table + rcx*8]
        mov rdi, rcx
        shl rdi, 4
        add rdi, IDT
        mov edx, eax
        and edx, 0xffff
        or edx, SEL_CODE64 << 16
        mov [rdi], edx
        mov edx, eax
        and edx, 0xffff0000
        or edx, 0x8e00
        mov [rdi+4], edx
        shr rax, 32
        mov [rdi+8], eax
        mov dword [rdi+12], 0
        inc ecx
        cmp ecx, ${IDT_VECTORS}
        jb .gate
        lidt [idt64_ptr]
        pop rdi
        pop rdx
        pop rcx
        pop rax
        ret
; edi: vector; esi: the gate's type byte << 8 | IST index (e.g. 0xef00: DPL 3 trap gate).
gate64:
        push rax
        push rdi
        shl edi, 4
        mov eax, [rdi + IDT + 4]
        and eax, 0xffff0000
        or eax, esi
        mov [rdi + IDT + 4], eax
        pop rdi
        pop rax
        ret
x64_common:
        push rax
        push rcx
        push rdx
        push rsi
        push rdi
        push rbx
        pushfq
        mov rbx, rsp
        ; [rbx]: handler RFLAGS; +8..+48: saved registers; +56 vector, +64 error code, +72 RIP,
        ; +80 CS, +88 RFLAGS, +96 RSP, +104 SS.
        ; Services for code that may not do I/O (CPL 3 with IOPL 0): INT 0x7e prints the string
        ; at RSI, INT 0x7d the string at RSI and RDX in hex; both return after the INT.
        cmp qword [rbx+56], 0x7e
        je .service
        cmp qword [rbx+56], 0x7d
        je .service
        mov rsi, [v_tag]
        test rsi, rsi
        jz .notag
        mov qword [v_tag], 0
        call s64_print_at
.notag:
${say(64, ' exc=')}
${hex(64, '[rbx+56]', 2)}
        mov rax, [rbx+56]
        cmp eax, 32
        jae .noec
        mov edx, 0x${ERROR_MASK.toString(16)}
        bt edx, eax
        jnc .noec
${kv(64, 'ec', '[rbx+64]', 8)}
.noec:
        ; A double fault's saved CS:RIP are undefined (SDM Vol. 3A, 6.15): print where it landed only.
        cmp qword [rbx+56], 8
        je .nocr2
${say(64, ' rip=L+')}
        mov rax, [rbx+72]
        sub rax, [v_ripbase]
${hex(64, 'rax', 8)}
${kv(64, 'cs', '[rbx+80]', 4)}
${kv(64, 'fl', '[rbx+88]', 8)}
${kv(64, 'sp', '[rbx+96]', 16)}
${kv(64, 'ss', '[rbx+104]', 4)}
        cmp qword [rbx+56], 14
        jne .nocr2
        mov rax, cr2
${kv(64, 'cr2', 'rax', 16)}
.nocr2:
        lea rax, [rbx+72]
${kv(64, 'frame', 'rax', 16)}
        mov rax, [rbx]
        shr eax, 9
        and eax, 1
${kv(64, 'if', 'rax', 1)}
${nl(64)}
        mov rax, [v_resume]
        test rax, rax
        jz .unexpected
        mov qword [v_resume], 0
        cmp rax, 2
        je .kernel
        cmp rax, 1
        je .ret
        mov [rbx+72], rax
.ret:   add rsp, 8
        pop rbx
        pop rdi
        pop rsi
        pop rdx
        pop rcx
        pop rax
        add rsp, 16
        iretq
.kernel:
        mov rsp, [v_ksp]
        jmp [v_kret]
.service:
        mov rsi, [rbx+24]
        call s64_print_at
        cmp qword [rbx+56], 0x7d
        jne .svcnl
${hex(64, '[rbx+32]', 8)}
.svcnl:
${nl(64)}
        jmp .ret
.unexpected:
${say(64, ' UNEXPECTED', true)}
        mov al, 0x7f
        jmp s64_exit
align 8
idt64_ptr:
        dw ${IDT_VECTORS} * 16 - 1
        dq IDT
`;
}

export function idt32(): string {
  return `${stubs(32)}
bits 32
; Fills every gate as 32-bit interrupt gates (DPL 0) and loads the IDT.
idt32_init:
        push eax
        push ecx
        push edx
        push edi
        xor ecx, ecx
.gate:  mov eax, [x32_stub_table + ecx*4]
        lea edi, [ecx*8 + IDT]
        mov edx, eax
        and edx, 0xffff
        or edx, SEL_CODE32 << 16
        mov [edi], edx
        and eax, 0xffff0000
        or eax, 0x8e00
        mov [edi+4], eax
        inc ecx
        cmp ecx, ${IDT_VECTORS}
        jb .gate
        lidt [idt32_ptr]
        pop edi
        pop edx
        pop ecx
        pop eax
        ret
; edi: vector; esi: the gate's type byte << 8 (0x8e00 interrupt gate, 0xef00 DPL 3 trap gate, ...).
gate32:
        push eax
        mov eax, [edi*8 + IDT + 4]
        and eax, 0xffff0000
        or eax, esi
        mov [edi*8 + IDT + 4], eax
        pop eax
        ret
x32_common:
        push eax
        push ecx
        push edx
        push ebx
        push esi
        push edi
        push ds
        push es
        pushfd
        ; The interrupted code's data segments may not reach the kernel's variables (limit tests).
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
        mov ebx, esp
        ; [ebx]: handler EFLAGS; +4 ES, +8 DS, +12..+32: saved registers; +36 vector, +40 error
        ; code, +44 EIP, +48 CS, +52 EFLAGS, +56 ESP and +60 SS (only when the privilege changed).
${say(32, ' exc=')}
${hex(32, '[ebx+36]', 2)}
        mov eax, [ebx+36]
        cmp eax, 32
        jae .noec
        mov edx, 0x${ERROR_MASK.toString(16)}
        bt edx, eax
        jnc .noec
${kv(32, 'ec', '[ebx+40]', 8)}
.noec:
        cmp dword [ebx+36], 8
        je .nocr2
${say(32, ' eip=L+')}
        mov eax, [ebx+44]
        sub eax, [v_ripbase]
${hex(32, 'eax', 8)}
${kv(32, 'cs', '[ebx+48]', 4)}
${kv(32, 'fl', '[ebx+52]', 8)}
        test byte [ebx+48], 3
        jz .nosp
${kv(32, 'sp', '[ebx+56]', 8)}
${kv(32, 'ss', '[ebx+60]', 4)}
.nosp:
        cmp dword [ebx+36], 14
        jne .nocr2
        mov eax, cr2
${kv(32, 'cr2', 'eax', 8)}
.nocr2:
        lea eax, [ebx+44]
${kv(32, 'frame', 'eax', 8)}
        mov eax, [ebx]
        shr eax, 9
        and eax, 1
${kv(32, 'if', 'eax', 1)}
${nl(32)}
        mov eax, [v_resume]
        test eax, eax
        jz .unexpected
        mov dword [v_resume], 0
        cmp eax, 2
        je .kernel
        cmp eax, 1
        je .ret
        mov [ebx+44], eax
.ret:   add esp, 4
        pop es
        pop ds
        pop edi
        pop esi
        pop ebx
        pop edx
        pop ecx
        pop eax
        add esp, 8
        iretd
.kernel:
        mov esp, [v_ksp]
        jmp [v_kret]
.unexpected:
${say(32, ' UNEXPECTED', true)}
        mov al, 0x7f
        jmp s32_exit
align 8
idt32_ptr:
        dw ${IDT_VECTORS} * 8 - 1
        dd IDT
`;
}
