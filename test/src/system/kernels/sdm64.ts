// Control-register and EFER checks that QEMU 7.2 does not make (it accepts the write, and the
// kernel then crashes or hangs), so they cannot be compared with QEMU: this kernel runs on Serval
// alone and its test asserts the lines the SDM requires (MOV to CR, WRMSR; Vol. 3A, 2.5).
import { buildKernel, enterLong, finish } from '../kernel/boot.js';
import { trap } from '../kernel/probe.js';

const main = String.raw`
${enterLong('long64')}
        mov rsp, STACK_TOP
        call tss64_init
        call idt64_init
${trap(64, 'sdm.cr4.pae-off-in-long-mode:', 'mov cr4, rax', { setup: 'mov rax, cr4\n and eax, ~0x20' })}
${trap(64, 'sdm.cr4.reserved-bit-15:', 'mov cr4, rax', { setup: 'mov rax, cr4\n or eax, 0x8000' })}
${trap(64, 'sdm.cr4.smep-without-cpuid:', 'mov cr4, rax', { setup: 'mov rax, cr4\n or eax, 0x100000' })}
${trap(64, 'sdm.cr4.high-bit:', 'mov cr4, rax', { setup: 'mov rax, cr4\n bts rax, 40' })}
${trap(64, 'sdm.cr4.pge-on:', 'mov cr4, rax', { setup: 'mov rax, cr4\n or eax, 0x80' })}
${trap(64, 'sdm.cr0.pg-without-pe:', 'mov cr0, rax', { setup: 'mov rax, cr0\n and eax, ~1' })}
${trap(64, 'sdm.cr0.nw-without-cd:', 'mov cr0, rax', { setup: 'mov rax, cr0\n and eax, ~0x40000000\n or eax, 0x20000000' })}
${trap(64, 'sdm.cr0.high-bit:', 'mov cr0, rax', { setup: 'mov rax, cr0\n bts rax, 32' })}
${trap(64, 'sdm.cr0.paging-off-in-64-bit-mode:', 'mov cr0, rax', { setup: 'mov rax, cr0\n btr eax, 31' })}
${trap(64, 'sdm.cr0.wp-on:', 'mov cr0, rax', { setup: 'mov rax, cr0\n or eax, 0x10000' })}
${trap(64, 'sdm.cr3.bit-52:', 'mov cr3, rax', { setup: 'mov rax, cr3\n bts rax, 52' })}
${trap(64, 'sdm.cr3.bit-40:', 'mov cr3, rax', { setup: 'mov rax, cr3\n bts rax, 40' })}
${trap(64, 'sdm.cr8.reserved:', 'mov cr8, rax', { setup: 'mov eax, 0x10' })}
${trap(64, 'sdm.cr8.tpr:', 'mov cr8, rax', { setup: 'mov eax, 5' })}
${trap(64, 'sdm.efer.reserved-bit-1:', 'wrmsr', { setup: 'mov ecx, 0xc0000080\n rdmsr\n or eax, 2' })}
${trap(64, 'sdm.efer.lme-off-with-paging:', 'wrmsr', { setup: 'mov ecx, 0xc0000080\n rdmsr\n and eax, ~0x100' })}
${trap(64, 'sdm.msr.gs-base-noncanonical:', 'wrmsr', { setup: 'mov ecx, 0xc0000101\n xor eax, eax\n mov edx, 0x8000' })}
${trap(64, 'sdm.msr.kernel-gs-base-noncanonical:', 'wrmsr', { setup: 'mov ecx, 0xc0000102\n xor eax, eax\n mov edx, 0xffff7fff' })}
${trap(64, 'sdm.msr.lstar-noncanonical:', 'wrmsr', { setup: 'mov ecx, 0xc0000082\n xor eax, eax\n mov edx, 0x8000' })}
        ; SYSCALL in compatibility mode (here at CPL 0) is #UD on Intel (AMD enters at CSTAR, as QEMU does).
        mov ecx, 0xc0000083
        mov eax, sdm_cstar
        xor edx, edx
        wrmsr
        jmp dword far [sdm_to_compat]
bits 32
sdm_compat:
${trap(32, 'sdm.syscall.compat-mode:', 'syscall')}
        jmp SEL_CODE64:sdm_back64
sdm_cstar:
        jmp sdm_cstar
bits 64
sdm_back64:
${finish(64)}
align 8
sdm_to_compat: dd sdm_compat
        dw SEL_CODE32
`;

export function sdm64Kernel() {
  return buildKernel({ main, idt: 64 });
}
