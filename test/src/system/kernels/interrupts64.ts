// Software interrupts and the interrupt flag in long mode: INT n through an interrupt gate (IF
// cleared in the handler) and a trap gate (IF kept), IRETQ restoring IF (and setting it), POPF and
// IF at CPL 0 and at CPL 3 with IOPL 0 (ignored) or 3; CLI/STI/IN/OUT at CPL 3 with IOPL 0 (#GP);
// and single-stepping with TF, where the MOV SS interrupt shadow is visible without any external
// interrupt (the #DB after the instruction following MOV SS is suppressed), unlike STI's.
import { hex, kv, nl, say, sayln } from '../kernel/asm.js';
import { buildKernel, enterLong, finish } from '../kernel/boot.js';
import { enterUser64, svcSay, svcToKernel, svcTrap, toKernel, trap } from '../kernel/probe.js';

const gate = (vec: number, type: number) => `        mov edi, 0x${vec.toString(16)}
        mov esi, 0x${type.toString(16)}
        call gate64`;

/** Prints ` if=` and RFLAGS.IF as the code sees it. */
function printIf(): string {
  return `        pushfq
        pop rax
        shr eax, 9
        and eax, 1
${kv(64, 'if', 'rax', 1)}`;
}

const TRACE = 'SCRATCH + 0x8000';

const main = String.raw`
${enterLong('long64')}
        mov rsp, STACK_TOP
        call tss64_init
        call idt64_init
${gate(0x7f, 0xee00)}
${gate(0x7e, 0xee00)}
${gate(0x7d, 0xee00)}
${gate(0x41, 0x8e00)}
${gate(0x42, 0x8f00)}

; ---- INT n: interrupt gates clear IF, trap gates do not; IRETQ restores the pushed IF.
        sti
${trap(64, 'int.gate.interrupt.if1:', 'int 0x41', { iflag: true })}
${say(64, 'int.gate.interrupt.after:')}
${printIf()}
${nl(64)}
${trap(64, 'int.gate.trap.if1:', 'int 0x42', { iflag: true })}
        cli
${trap(64, 'int.gate.trap.if0:', 'int 0x42')}
${say(64, 'int.gate.trap.after:')}
${printIf()}
${nl(64)}

; ---- IRETQ to the same privilege sets IF from the image; POPF at CPL 0 sets and clears it.
        cli
        mov rax, rsp
        push SEL_DATA
        push rax
        push 0x202
        push SEL_CODE64
        push iret_same
        iretq
iret_same:
${say(64, 'int.iretq.same-cpl:')}
${printIf()}
        push 0x2
        popfq
${printIf()}
        push 0x202
        popfq
${printIf()}
        cli
${nl(64)}
        ; IRETQ at CPL 0 loads VIF and VIP from the image (POPF never does).
        mov rax, rsp
        push SEL_DATA
        push rax
        push 0x180002
        push SEL_CODE64
        push iret_vif
        iretq
iret_vif:
        pushfq
        pop rbx
        mov rax, rsp
        push SEL_DATA
        push rax
        push 0x2
        push SEL_CODE64
        push iret_novif
        iretq
iret_novif:
        pushfq
        pop rcx
${say(64, 'int.iretq.vif-vip:')}
${kv(64, 'set', 'rbx', 8)}
${kv(64, 'cleared', 'rcx', 8)}
${nl(64)}

; ---- CPL 3 with IOPL 0 (and IF = 1): CLI, STI, IN, OUT fault; POPF leaves IF and IOPL alone.
${enterUser64('user_iopl0', 0x202)}
; ---- CPL 3 with IOPL 3 (and IF = 0): CLI and STI work.
${enterUser64('user_iopl3', 0x3002)}

; ---- single-step: a #DB trap after each instruction run with TF set, except right after MOV SS.
        mov rax, dr6
        xor eax, eax
        mov dr6, rax
        mov rax, db_record
        mov [IDT + 16], ax
        shr rax, 16
        mov [IDT + 16 + 6], ax
        mov qword [v_t4], 0
        mov qword [v_ripbase], tf_start
        mov eax, ss
        push 0x102
        popfq
tf_start:
        nop
        mov ss, ax
        nop
        sti
        nop
        cli
        xchg eax, eax
        pushfq
        and qword [rsp], ~0x100
        popfq
        nop
${say(64, 'int.tf:')}
${kv(64, 'traps', '[v_t4]', 2)}
${say(64, ' at=')}
        xor ecx, ecx
tf_print:
        cmp rcx, [v_t4]
        jae tf_done
        cmp ecx, 16
        jae tf_done
${hex(64, `[${TRACE} + rcx*8]`, 2)}
${say(64, ',')}
        inc ecx
        jmp tf_print
tf_done:
        mov rax, [v_t3]
        and eax, 0xe00f
${kv(64, 'dr6', 'rax', 4)}
${nl(64)}
${finish(64)}

; Records each single-step trap's RIP (relative to tf_start) and DR6.
db_record:
        push rax
        push rbx
        mov rax, [rsp + 16]
        sub rax, [v_ripbase]
        mov rbx, [v_t4]
        and ebx, 15
        mov [${TRACE} + rbx*8], rax
        inc qword [v_t4]
        mov rax, dr6
        mov [v_t3], rax
        pop rbx
        pop rax
        iretq

user_iopl0:
${svcTrap('int.user.iopl0.cli:', 'cli')}
${svcTrap('int.user.iopl0.sti:', 'sti')}
${svcTrap('int.user.iopl0.in:', 'in al, 0x80')}
${svcTrap('int.user.iopl0.out:', 'out 0x80, al')}
${svcTrap('int.user.iopl0.in-dx:', 'in al, dx', { setup: 'mov edx, 0x3f8' })}
        push 0x3002
        popfq
        pushfq
        pop rbx
${svcSay('int.user.iopl0.popf-if0-iopl3: fl=', 'rbx')}
${svcToKernel('int.user.iopl0.int7f:')}

user_iopl3:
${say(64, 'int.user.iopl3:')}
${printIf()}
        sti
${printIf()}
        cli
${printIf()}
        push 0x202
        popfq
${printIf()}
        push 0x2
        popfq
${printIf()}
${nl(64)}
${toKernel(64, 'int.user.iopl3.int7f:')}
`;

export function interrupts64Kernel() {
  return buildKernel({ main, idt: 64 });
}
void sayln;
