// Mode switches: 32-bit protected mode → 16-bit real mode and back; → long mode (PAE, EFER.LME,
// CR0.PG) and 64-bit code through a far jump; 64-bit → compatibility mode and back; and out of
// long mode by clearing CR0.PG in compatibility mode. Each mode shows itself by what it executes:
// bytes 48 FF C0 are INC RAX in 64-bit mode but DEC EAX; INC EAX elsewhere, and PUSH moves the
// stack pointer by the mode's width.
import { buildKernel, enterLong, finish, LOW_CODE } from '../kernel/boot.js';
import { kv, say, nl } from '../kernel/asm.js';

/** Prints `tag` then the mode probe: `inc=` 1 in 64-bit mode else 0, `push=` the push width. */
function probe(b: 32 | 64, tag: string): string {
  const [ax, bx, sp] = b === 64 ? ['rax', 'rbx', 'rsp'] : ['eax', 'ebx', 'esp'];
  return `${say(b, tag)}
        xor eax, eax
        db 0x48, 0xff, 0xc0
${kv(b, 'inc', ax, 1)}
        mov ${bx}, ${sp}
        push ${ax}
        sub ${bx}, ${sp}
        pop ${ax}
${kv(b, 'push', bx, 1)}`;
}

const RM_BASE = LOW_CODE >> 4;
const RESULTS = 0x7800;

const main = String.raw`
${probe(32, 'pm32:')}
        mov eax, cr0
        and eax, 0x80000001
${kv(32, 'cr0.pg/pe', 'eax', 8)}
        mov eax, cs
${kv(32, 'cs', 'eax', 4)}
${nl(32)}

; ---- real mode and back: copy the 16-bit code below 64 KiB, run it, print what it stored.
        mov esi, rm_start
        mov edi, ${LOW_CODE}
        mov ecx, rm_end - rm_start
        rep movsb
        mov [v_ksp], esp
        lidt [rm_ivt]
        jmp SEL_CODE16:0

rm_back:
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov esp, [v_ksp]
${say(32, 'rm:')}
${kv(32, 'msw', `[${RESULTS}]`, 4)}
        movzx eax, word [${RESULTS} + 2]
${kv(32, 'cs', 'eax', 4)}
        movzx eax, word [${RESULTS} + 4]
${kv(32, 'alias', 'eax', 4)}
        movzx eax, word [${RESULTS} + 6]
${kv(32, 'push', 'eax', 1)}
${nl(32)}
${say(32, 'rm.int:')}
        movzx eax, word [${RESULTS} + 8]
${kv(32, 'ip', 'eax', 4)}
        movzx eax, word [${RESULTS} + 10]
${kv(32, 'cs', 'eax', 4)}
        movzx eax, word [${RESULTS} + 12]
${kv(32, 'fl', 'eax', 4)}
        movzx eax, word [${RESULTS} + 14]
${kv(32, 'sp', 'eax', 4)}
        movzx eax, word [${RESULTS} + 16]
${kv(32, 'hfl', 'eax', 4)}
        movzx eax, word [${RESULTS} + 18]
${kv(32, 'after', 'eax', 4)}
${nl(32)}
        mov eax, cr0
${say(32, 'pm32.again:')}
${kv(32, 'cr0', 'eax', 8)}
${nl(32)}

; ---- long mode
${enterLong('long64')}
        mov rsp, STACK_TOP
${probe(64, 'lm64:')}
        mov ecx, 0xc0000080
        rdmsr
${kv(64, 'efer', 'rax', 4)}
        mov rax, cr0
${kv(64, 'cr0', 'rax', 8)}
        mov rax, cr4
${kv(64, 'cr4', 'rax', 8)}
        mov eax, cs
${kv(64, 'cs', 'rax', 4)}
${nl(64)}
        jmp dword far [to_compat]

bits 32
compat:
${probe(32, 'compat:')}
        mov ecx, 0xc0000080
        rdmsr
${kv(32, 'efer', 'eax', 4)}
        mov eax, cs
${kv(32, 'cs', 'eax', 4)}
${nl(32)}
        jmp SEL_CODE64:back64
bits 64
back64:
${probe(64, 'lm64.back:')}
${nl(64)}
        jmp dword far [to_leave]

; Leaving long mode: paging off in compatibility mode clears EFER.LMA.
bits 32
leave:
        mov eax, cr0
        and eax, 0x7fffffff
        mov cr0, eax
        mov ecx, 0xc0000080
        rdmsr
${say(32, 'pm32.left:')}
${kv(32, 'efer', 'eax', 4)}
        and eax, ~0x100
        wrmsr
        rdmsr
${kv(32, 'efer', 'eax', 4)}
        mov eax, cr0
${kv(32, 'cr0', 'eax', 8)}
${probe(32, '')}
${nl(32)}
${finish(32)}

align 8
to_compat: dd compat
        dw SEL_CODE32
to_leave: dd leave
        dw SEL_CODE32
rm_ivt: dw 0x3ff
        dd 0

; ---- 16-bit code, run at ${LOW_CODE} (real-mode CS ${RM_BASE}); offsets are relative to rm_start.
bits 16
rm_start:
        mov ax, SEL_DATA16
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, cr0
        and eax, 0x7ffffffe
        mov cr0, eax
        jmp ${RM_BASE}:(rm_real - rm_start)
rm_real:
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7000
        smsw [${RESULTS}]
        mov [${RESULTS} + 2], cs
        ; One linear address through two segment:offset pairs.
        mov ax, 0x1234
        mov es, ax
        mov word [es:0x10], 0xbeef
        mov ax, 0x1235
        mov es, ax
        mov ax, [es:0]
        mov [${RESULTS} + 4], ax
        mov bx, sp
        push ax
        sub bx, sp
        pop ax
        mov [${RESULTS} + 6], bx
        ; INT through the IVT: the handler stores the frame it finds and the flags it runs with.
        mov word [0x40 * 4], rm_isr - rm_start
        mov word [0x40 * 4 + 2], ${RM_BASE}
        push 0x0a87
        popf
rm_int: int 0x40
rm_after:
        pushf
        pop ax
        mov [${RESULTS} + 18], ax
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword SEL_CODE32:rm_back
rm_isr:
        mov bp, sp
        mov ax, [bp]
        mov [${RESULTS} + 8], ax
        mov ax, [bp + 2]
        mov [${RESULTS} + 10], ax
        mov ax, [bp + 4]
        mov [${RESULTS} + 12], ax
        mov [${RESULTS} + 14], sp
        pushf
        pop ax
        mov [${RESULTS} + 16], ax
        iret
rm_end:
`;

export function modesKernel() {
  return buildKernel({ main });
}

/** What the real-mode INT pushes as IP: the offset of the instruction after `int 0x40` in the copy. */
export function rmReturnIp(labels: Map<string, number>): number {
  return labels.get('rm_after')! - labels.get('rm_start')!;
}
