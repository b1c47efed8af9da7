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
${finish(64)}
`;

export function sdm64Kernel() {
  return buildKernel({ main, idt: 64 });
}
