// Privilege changes in long mode: IRETQ to CPL 3 (and the data segments it nulls), SYSCALL and
// SYSRET (STAR/LSTAR/CSTAR/SFMASK, what lands in RCX and R11, the flags SFMASK clears and SYSRET
// restores from R11, SYSRET to compatibility mode, SYSCALL from it), IRETQ as the way back from a
// SYSCALL, #UD without EFER.SCE, SWAPGS and the FS/GS base MSRs, and the TSS RSP0 stack switch
// on INT n from CPL 3.
import { hex, kv, nl, say, sayln } from '../kernel/asm.js';
import { buildKernel, enterLong, finish } from '../kernel/boot.js';
import { enterUser64, toKernel, trap } from '../kernel/probe.js';

const MSR = { EFER: 0xc0000080, STAR: 0xc0000081, LSTAR: 0xc0000082, CSTAR: 0xc0000083, SFMASK: 0xc0000084, FS_BASE: 0xc0000100, GS_BASE: 0xc0000101, KERNEL_GS_BASE: 0xc0000102 };

/** WRMSR of a 64-bit constant or label. */
const wrmsr = (msr: number, value: string) => `        mov rax, ${value}
        mov rdx, rax
        shr rdx, 32
        mov ecx, 0x${msr.toString(16)}
        wrmsr`;

/** Prints ` name=` and the MSR's 64-bit value. */
const rdmsr = (name: string, msr: number) => `        mov ecx, 0x${msr.toString(16)}
        rdmsr
        shl rdx, 32
        or rax, rdx
${kv(64, name, 'rax', 16)}`;

/** Prints the segment selectors and RFLAGS as the code sees them. */
function selectors(b: 32 | 64): string {
  const ax = b === 64 ? 'rax' : 'eax';
  return ['cs', 'ss', 'ds', 'es', 'fs', 'gs'].map((s) => `        mov eax, ${s}\n${kv(b, s, ax, 4)}`).join('\n') +
    `\n        ${b === 64 ? 'pushfq' : 'pushfd'}\n        pop ${ax}\n${kv(b, 'fl', ax, 8)}`;
}

/** The user's flags before a SYSCALL: IOPL 3, IF, DF, AC and arithmetic flags set. */
const USER_FLAGS = '0x436d7';

const main = String.raw`
${enterLong('long64')}
        mov rsp, STACK_TOP
        call tss64_init
        call idt64_init
        mov edi, 0x7f
        mov esi, 0xee00
        call gate64
${wrmsr(MSR.STAR, '0x0020001000000000')}
${wrmsr(MSR.LSTAR, 'syscall64_entry')}
${wrmsr(MSR.CSTAR, 'syscall32_entry')}
${wrmsr(MSR.SFMASK, '0x44700')}
${say(64, 'priv.msr:')}
${rdmsr('star', MSR.STAR)}
${rdmsr('lstar-L', MSR.LSTAR)}
${rdmsr('sfmask', MSR.SFMASK)}
${nl(64)}
${enterUser64('user64', 0x3002)}
${sayln(64, 'priv.kernel: back from CPL 3')}

; ---- SYSCALL and SYSRET need EFER.SCE.
        mov ecx, 0x${MSR.EFER.toString(16)}
        rdmsr
        and eax, ~1
        wrmsr
${trap(64, 'priv.no-sce.syscall:', 'syscall')}
${trap(64, 'priv.no-sce.sysret:', 'sysret')}
        mov ecx, 0x${MSR.EFER.toString(16)}
        rdmsr
        or eax, 1
        wrmsr

; ---- FS/GS bases: MSRs, SWAPGS, selector loads.
        mov dword [SCRATCH + 0x1010], 0xaaaa1111
        mov dword [SCRATCH + 0x2010], 0xbbbb2222
        mov dword [SCRATCH + 0x3020], 0xcccc3333
${wrmsr(MSR.GS_BASE, 'SCRATCH + 0x1000')}
${wrmsr(MSR.KERNEL_GS_BASE, 'SCRATCH + 0x2000')}
${say(64, 'priv.gs:')}
        mov eax, [gs:0x10]
${kv(64, 'gs:10', 'rax', 8)}
        swapgs
        mov eax, [gs:0x10]
${kv(64, 'swapped', 'rax', 8)}
${rdmsr('gsbase', MSR.GS_BASE)}
${rdmsr('kgsbase', MSR.KERNEL_GS_BASE)}
        swapgs
${nl(64)}
${wrmsr(MSR.FS_BASE, 'SCRATCH + 0x3000')}
${say(64, 'priv.fs:')}
        mov eax, [fs:0x20]
${kv(64, 'fs:20', 'rax', 8)}
        mov ax, SEL_DATA
        mov fs, ax
${rdmsr('after-mov-fs', MSR.FS_BASE)}
        mov gs, ax
${rdmsr('gs-after-mov-gs', MSR.GS_BASE)}
${rdmsr('kgs', MSR.KERNEL_GS_BASE)}
${nl(64)}
${finish(64)}

; ---- SYSCALL entries: print what SYSCALL left, then continue where the test said (v_t2).
syscall64_entry:
        mov [v_t0], rcx
        mov [v_t1], r11
        pushfq
        pop qword [v_t3]
${say(64, 'priv.syscall64.')}
${hex(64, '[v_t4]', 1)}
${say(64, ':')}
        mov rax, [v_t0]
        sub rax, [v_ripbase]
${say(64, ' rcx=L+')}
${hex(64, 'rax', 8)}
${kv(64, 'r11', '[v_t1]', 8)}
${kv(64, 'fl', '[v_t3]', 8)}
        mov eax, cs
${kv(64, 'cs', 'rax', 4)}
        mov eax, ss
${kv(64, 'ss', 'rax', 4)}
${kv(64, 'rsp', 'rsp', 16)}
${nl(64)}
        jmp [v_t2]
syscall32_entry:
${sayln(64, 'priv.error: SYSCALL from compatibility mode')}
        jmp syscall32_entry

; Ways back to user mode.
k_sysret64:
        mov rcx, [v_t0]
        mov r11, [v_t1]
        sysretq
k_sysret64_r11:
        mov rcx, [v_t0]
        mov r11, 0xfffffffffffdfeff
        sysretq
k_sysret64_clean:
        mov rcx, [v_t0]
        mov r11d, 0x3002
        sysretq
k_sysret32:
        mov ecx, user32
        mov r11d, 0x3002
        sysret
k_iretq:
        mov rax, rsp
        push SEL_UDATA | 3
        push rax
        push qword [v_t1]
        push SEL_UCODE64 | 3
        push qword [v_t0]
        iretq

; ---- 64-bit user code.
user64:
${say(64, 'priv.user64:')}
${selectors(64)}
${kv(64, 'rsp', 'rsp', 16)}
${nl(64)}
        mov qword [v_t4], 1
        mov qword [v_t2], k_sysret64
        mov qword [v_ripbase], after_sc1
        push ${USER_FLAGS}
        popfq
        syscall
after_sc1:
        pushfq
        pop rbx
        push 0x3002
        popfq
${say(64, 'priv.sysret64:')}
${kv(64, 'fl', 'rbx', 8)}
        mov eax, cs
${kv(64, 'cs', 'rax', 4)}
        mov eax, ss
${kv(64, 'ss', 'rax', 4)}
${nl(64)}
        mov qword [v_t4], 2
        mov qword [v_t2], k_sysret64_r11
        mov qword [v_ripbase], after_sc2
        syscall
after_sc2:
        pushfq
        pop rbx
        push 0x3002
        popfq
${say(64, 'priv.sysret64.r11:')}
${kv(64, 'fl', 'rbx', 8)}
${nl(64)}
        ; SYSRET restores VIF/VIP from R11 and POPF cannot clear them: SYSRET again with clean flags.
        mov qword [v_t4], 3
        mov qword [v_t2], k_sysret64_clean
        mov qword [v_ripbase], after_clean
        syscall
after_clean:
        mov qword [v_t4], 4
        mov qword [v_t2], k_iretq
        mov qword [v_ripbase], after_sc3
        push 0x3a93
        popfq
        syscall
after_sc3:
        pushfq
        pop rbx
        push 0x3002
        popfq
${say(64, 'priv.iretq-from-syscall:')}
${kv(64, 'fl', 'rbx', 8)}
${selectors(64)}
${nl(64)}
        mov qword [v_t4], 5
        mov qword [v_t2], k_sysret32
        mov qword [v_ripbase], after_sc4
        syscall
after_sc4:
${sayln(64, 'priv.error: SYSRET to compatibility mode came back here')}

; ---- compatibility-mode user code (SYSRET without REX.W lands here).
bits 32
user32:
${say(32, 'priv.compat:')}
${selectors(32)}
${nl(32)}
${toKernel(32, 'priv.compat.int7f:')}
bits 64
`;

export function privilege64Kernel() {
  return buildKernel({ main, idt: 64 });
}
