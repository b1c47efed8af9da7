// Exceptions through the IDT in 64-bit mode: the frame the CPU pushes (RIP relative to the
// faulting instruction, CS, RFLAGS, RSP, SS, error code) for #UD, #DE, #BP, INT1, INT n, #GP with
// its selector and IDT error codes, #NP, #SS, non-canonical addresses, control-register checks;
// from CPL 3: gate DPL checks and privileged instructions; IST stacks; and exceptions raised while
// delivering another, benign (delivered) or contributory/#PF (a double fault on an IST stack).
import { sayln, say, kv, nl } from '../kernel/asm.js';
import { buildKernel, enterLong, finish } from '../kernel/boot.js';
import { enterUser64, toKernel, trap } from '../kernel/probe.js';

/** Sets gate `vec` to `type` (the type byte << 8 | IST). */
const gate = (vec: number, type: number) => `        mov edi, 0x${vec.toString(16)}
        mov esi, 0x${type.toString(16)}
        call gate64`;

/** Points gate `vec` at code selector `sel` (the rest unchanged). */
const gateSel = (vec: number, sel: string) => `        mov word [IDT + 0x${(vec * 16 + 2).toString(16)}], ${sel}`;

const NONCANON = '0x0000800000000000';

const main = String.raw`
${enterLong('long64')}
        mov rsp, STACK_TOP
        call tss64_init
        call idt64_init
${gate(0x7f, 0xee00)}
${gate(0x41, 0xee00)}
${gate(0x42, 0xef00)}
${gate(0x0c, 0x8e01)}
${gate(0x47, 0xee01)}

; ---- faults and traps at CPL 0
${trap(64, 'exc.ud.ud2:', 'ud2')}
${trap(64, 'exc.ud.cr1:', 'db 0x0f, 0x22, 0xc8')}
${trap(64, 'exc.ud.lock-nop:', 'db 0xf0, 0x90')}
${trap(64, 'exc.ud.push-es:', 'db 0x06')}
${trap(64, 'exc.ud.into:', 'db 0xce')}
${trap(64, 'exc.de.div0:', 'div ecx', { setup: 'xor edx, edx\n mov eax, 1\n xor ecx, ecx' })}
${trap(64, 'exc.de.idiv-overflow:', 'idiv ecx', { setup: 'mov eax, 0x80000000\n cdq\n mov ecx, -1' })}
${trap(64, 'exc.de.div64:', 'div rcx', { setup: 'mov rdx, 1\n xor eax, eax\n mov rcx, 1' })}
${trap(64, 'exc.bp.int3:', 'int3')}
${trap(64, 'exc.bp.int-3:', 'int 3')}
${trap(64, 'exc.int1:', 'db 0xf1')}
${trap(64, 'exc.int.0x41:', 'int 0x41')}
${trap(64, 'exc.int.misaligned-rsp:', 'int 0x41', { setup: 'sub rsp, 8' })}
${trap(64, 'exc.gp.sel-beyond-gdt:', 'mov ds, ax', { setup: 'mov ax, 0x1000', cleanup: 'mov ax, SEL_DATA\n mov ds, ax' })}
        ; After reset LDTR is usable (base 0, limit 0xffff); LLDT with a null selector makes it unusable.
        xor eax, eax
        lldt ax
${trap(64, 'exc.gp.sel-null-ldt:', 'mov ds, ax', { setup: 'mov ax, 0x0c', cleanup: 'mov ax, SEL_DATA\n mov ds, ax' })}
${trap(64, 'exc.gp.ss-rpl:', 'mov ss, ax', { setup: 'mov ax, SEL_UDATA | 3' })}
${trap(64, 'exc.gp.ss-dpl3:', 'mov ss, ax', { setup: 'mov ax, SEL_UDATA' })}
${trap(64, 'exc.gp.ss-code:', 'mov ss, ax', { setup: 'mov ax, SEL_CODE64' })}
${trap(64, 'exc.gp.ds-system:', 'mov ds, ax', { setup: 'mov ax, SEL_TSS', cleanup: 'mov ax, SEL_DATA\n mov ds, ax' })}
${trap(64, 'exc.np.ds:', 'mov ds, ax', { setup: 'mov ax, SEL_DATA_NP', cleanup: 'mov ax, SEL_DATA\n mov ds, ax' })}
${trap(64, 'exc.ss.ss-np:', 'mov ss, ax', { setup: 'mov ax, SEL_DATA_NP' })}
${trap(64, 'exc.ss.null-ss-cpl0:', 'mov ss, ax', { setup: 'xor eax, eax', cleanup: 'mov ax, SEL_DATA\n mov ss, ax' })}
${trap(64, 'exc.gp.noncanonical-read:', 'mov eax, [rbx]', { setup: `mov rbx, ${NONCANON}` })}
${trap(64, 'exc.gp.noncanonical-high:', 'mov [rbx], eax', { setup: 'mov rbx, 0xffff7ffffffffff0' })}
${trap(64, 'exc.ss.noncanonical-rbp:', 'mov eax, [rbp + 8]', { setup: `mov rbp, ${NONCANON}` })}
${gate(0x0d, 0x8e01)}
${trap(64, 'exc.ss.noncanonical-push:', 'mov rsp, rbx\n push rax', { setup: `mov rbx, ${NONCANON} + 0x10` })}
${gate(0x0d, 0x8e00)}
${trap(64, 'exc.gp.noncanonical-jmp:', 'jmp rax', { setup: `mov rax, ${NONCANON}` })}
${trap(64, 'exc.gp.int-beyond-idt:', 'int 0xff')}
${gate(0x43, 0x0e00)}
${trap(64, 'exc.np.gate:', 'int 0x43')}
${gate(0x44, 0x8c00)}
${trap(64, 'exc.gp.gate-type:', 'int 0x44')}

; ---- IST: #BP through IST1 at CPL 0.
${gate(3, 0x8e01)}
${trap(64, 'exc.ist.bp:', 'int3')}
${gate(3, 0x8e00)}

; ---- from CPL 3 (IOPL 3, so the user code prints itself)
${gate(0x0d, 0x8e00)}
${enterUser64('user')}
${sayln(64, 'exc.user.back: in the kernel')}

; ---- exceptions during delivery: a benign first event lets the second through; contributory
; pairs and #PF followed by #PF or a contributory one make a #DF (its handler on IST1).
${gate(8, 0x8e01)}
${gateSel(0x45, 'SEL_CODE64_NP')}
${trap(64, 'exc.nested.int-n-np-cs:', 'int 0x45')}
${gateSel(3, 'SEL_CODE64_NP')}
${trap(64, 'exc.nested.int3-np-cs:', 'int3')}
${gateSel(3, 'SEL_CODE64')}
${gateSel(6, 'SEL_CODE64_NP')}
${trap(64, 'exc.nested.ud-np-cs:', 'ud2')}
${gateSel(6, 'SEL_CODE64')}
${gateSel(0, 'SEL_CODE64_NP')}
        mov [v_ksp], rsp
        mov qword [v_kret], nested_de_back
${trap(64, 'exc.nested.de-np-cs:', 'div ecx', { setup: 'xor edx, edx\n xor ecx, ecx\n mov qword [v_resume], 2' })}
nested_de_back:
${gateSel(0, 'SEL_CODE64')}
        mov rax, 0x40000000 + 0x2000
        mov [TSS + 0x2c], rax
${gate(14, 0x8e02)}
        mov [v_ksp], rsp
        mov qword [v_kret], nested_pf_back
${trap(64, 'exc.nested.pf-ist-np:', 'mov eax, [rbx]', { setup: 'mov rbx, 0x40000123' })}
nested_pf_back:
        mov rax, cr2
        and rax, ~0xfff
${say(64, 'exc.nested.pf-ist-np.cr2:')}
${kv(64, 'page', 'rax', 16)}
${nl(64)}
${gate(14, 0x8e00)}
${finish(64)}

; ---- user mode
user:
${trap(64, 'exc.user.int-dpl0:', 'int 0x40')}
${trap(64, 'exc.user.int-dpl3:', 'int 0x41')}
${trap(64, 'exc.user.trap-gate-dpl3:', 'int 0x42')}
${trap(64, 'exc.user.int-ist1:', 'int 0x47')}
${trap(64, 'exc.user.int3-dpl0:', 'int3')}
${trap(64, 'exc.user.int1:', 'db 0xf1')}
${trap(64, 'exc.user.into:', 'db 0xce')}
${trap(64, 'exc.user.ud2:', 'ud2')}
${trap(64, 'exc.user.hlt:', 'hlt')}
${trap(64, 'exc.user.mov-cr0:', 'mov rax, cr0')}
${trap(64, 'exc.user.wrmsr:', 'wrmsr')}
${trap(64, 'exc.user.lgdt:', 'lgdt [gdt_ptr]')}
${trap(64, 'exc.user.invlpg:', 'invlpg [rax]')}
${trap(64, 'exc.user.swapgs:', 'swapgs')}
${trap(64, 'exc.user.sysret:', 'sysret')}
${trap(64, 'exc.user.null-ss:', 'mov ss, ax', { setup: 'xor eax, eax' })}
${trap(64, 'exc.user.ds-dpl0:', 'mov ds, ax', { setup: 'mov ax, SEL_DATA' })}
${trap(64, 'exc.user.iret-to-cpl0:', 'iretq', { setup: 'push SEL_DATA\n push USTACK_TOP\n push 0x3002\n push SEL_CODE64\n push user_never' })}
${trap(64, 'exc.user.gp-noncanonical:', 'mov eax, [rbx]', { setup: `mov rbx, ${NONCANON}` })}
${trap(64, 'exc.cpl3.mov-from-cr8:', 'mov rax, cr8')}
${trap(64, 'exc.cpl3.mov-to-cr8:', 'mov cr8, rax', { setup: 'xor eax, eax' })}
${trap(64, 'exc.cpl3.mov-from-dr7:', 'mov rax, dr7')}
${trap(64, 'exc.cpl3.mov-to-dr0:', 'mov dr0, rax', { setup: 'xor eax, eax' })}
${toKernel(64, 'exc.user.int7f:')}
user_never:
${sayln(64, 'exc.user: iretq reached CPL 0')}
        jmp user_never
`;

export function exceptions64Kernel() {
  return buildKernel({ main, idt: 64 });
}
