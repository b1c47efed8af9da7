// Exceptions and privilege changes in 32-bit protected mode (paging off): the frame the CPU pushes
// (with SS:ESP only when the privilege changes, from the TSS's ESP0), #UD #DE #BP #OF INT1,
// segment-limit #GP and #SS, selector and IDT error codes, gate DPL checks from CPL 3, entering
// CPL 3 with IRETD and with a far RET, and exceptions while delivering another.
import { kv, nl, say, sayln } from '../kernel/asm.js';
import { buildKernel, finish } from '../kernel/boot.js';
import { enterUser32, toKernel, trap } from '../kernel/probe.js';

const gate = (vec: number, type: number) => `        mov edi, 0x${vec.toString(16)}
        mov esi, 0x${type.toString(16)}
        call gate32`;
const gateSel = (vec: number, sel: string) => `        mov word [IDT + 0x${(vec * 8 + 2).toString(16)}], ${sel}`;
const restoreDs = 'mov ax, SEL_DATA\n mov ds, ax\n mov es, ax';

/** Prints the selectors and ESP as the code sees them. */
const whereAmI = (tag: string) => `${say(32, tag)}
        mov eax, cs
${kv(32, 'cs', 'eax', 4)}
        mov eax, ss
${kv(32, 'ss', 'eax', 4)}
${kv(32, 'esp', 'esp', 8)}
${nl(32)}`;

const main = String.raw`
        call tss32_init
        call idt32_init
${gate(0x7f, 0xee00)}
${gate(0x41, 0xee00)}
${trap(32, 'x32.ud.ud2:', 'ud2')}
${trap(32, 'x32.de.div0:', 'div ecx', { setup: 'xor edx, edx\n mov eax, 1\n xor ecx, ecx' })}
${trap(32, 'x32.bp.int3:', 'int3')}
${trap(32, 'x32.of.into:', 'into')}
${trap(32, 'x32.of.into-no-of:', 'push 2\n popfd\n into')}
${trap(32, 'x32.int1:', 'db 0xf1')}
${trap(32, 'x32.int.0x41:', 'int 0x41')}
${trap(32, 'x32.gp.sel-beyond-gdt:', 'mov ds, ax', { setup: 'mov ax, 0x1000', cleanup: restoreDs })}
        xor eax, eax
        lldt ax
${trap(32, 'x32.gp.sel-null-ldt:', 'mov ds, ax', { setup: 'mov ax, 0x0c', cleanup: restoreDs })}
${trap(32, 'x32.gp.ss-rpl:', 'mov ss, ax', { setup: 'mov ax, SEL_UDATA | 3' })}
${trap(32, 'x32.gp.ss-null:', 'mov ss, ax', { setup: 'xor eax, eax' })}
${trap(32, 'x32.gp.ds-system:', 'mov ds, ax', { setup: 'mov ax, SEL_TSS', cleanup: restoreDs })}
${trap(32, 'x32.np.ds:', 'mov ds, ax', { setup: 'mov ax, SEL_DATA_NP', cleanup: restoreDs })}
${trap(32, 'x32.ss.ss-np:', 'mov ss, ax', { setup: 'mov ax, SEL_DATA_NP' })}
${trap(32, 'x32.limit.read-last-dword:', 'mov eax, [0xffc]', { setup: 'mov ax, SEL_DATA_LIM0\n mov ds, ax', cleanup: restoreDs })}
${trap(32, 'x32.limit.read-beyond:', 'mov eax, [0x1000]', { setup: 'mov ax, SEL_DATA_LIM0\n mov ds, ax', cleanup: restoreDs })}
${trap(32, 'x32.limit.read-straddling:', 'mov eax, [0xffe]', { setup: 'mov ax, SEL_DATA_LIM0\n mov ds, ax', cleanup: restoreDs })}
${trap(32, 'x32.limit.stosd-es:', 'stosd', { setup: 'mov ax, SEL_DATA_LIM0\n mov es, ax\n mov edi, 0xffe', cleanup: restoreDs })}
${trap(32, 'x32.gp.int-beyond-idt:', 'int 0xff')}
${gate(0x43, 0x0e00)}
${trap(32, 'x32.np.gate:', 'int 0x43')}
${gate(0x44, 0x8c00)}
${trap(32, 'x32.gp.gate-type:', 'int 0x44')}
${gate(0x45, 0x8e00)}
${gateSel(0x45, 'SEL_DATA')}
${trap(32, 'x32.gp.gate-cs-data:', 'int 0x45')}

; ---- CPL 3, entered with IRETD (IOPL 3 so that it prints).
${enterUser32('user32')}
${sayln(32, 'x32.kernel: back from CPL 3 (IRETD)')}
; ---- CPL 3 entered with a far RET.
        mov [v_ksp], esp
        mov dword [v_kret], retf_back
        push SEL_UDATA | 3
        push USTACK_TOP - 0x100
        push SEL_UCODE32 | 3
        push user32_retf
        retf
retf_back:
        mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
${sayln(32, 'x32.kernel: back from CPL 3 (far RET)')}

; ---- faults while delivering: benign then contributory is delivered (EXT set); two contributory make a #DF.
${gateSel(6, 'SEL_CODE32_NP')}
${trap(32, 'x32.nested.ud-np-cs:', 'ud2')}
${gateSel(6, 'SEL_CODE32')}
${gateSel(0x46, 'SEL_CODE32_NP')}
${trap(32, 'x32.nested.int-n-np-cs:', 'int 0x46')}
${gateSel(0, 'SEL_CODE32_NP')}
        mov [v_ksp], esp
        mov dword [v_kret], nested_back
${trap(32, 'x32.nested.de-np-cs:', 'div ecx', { setup: 'xor edx, edx\n xor ecx, ecx\n mov dword [v_resume], 2' })}
nested_back:
${gateSel(0, 'SEL_CODE32')}
${finish(32)}

user32:
${whereAmI('x32.user.iretd:')}
${trap(32, 'x32.user.int-dpl0:', 'int 0x40')}
${trap(32, 'x32.user.int-dpl3:', 'int 0x41')}
${trap(32, 'x32.user.int3-dpl0:', 'int3')}
${trap(32, 'x32.user.into-dpl0:', 'into')}
${trap(32, 'x32.user.int1:', 'db 0xf1')}
${trap(32, 'x32.user.hlt:', 'hlt')}
${trap(32, 'x32.user.mov-cr0:', 'mov eax, cr0')}
${trap(32, 'x32.user.lgdt:', 'lgdt [gdt_ptr]')}
${trap(32, 'x32.user.ss-null:', 'mov ss, ax', { setup: 'xor eax, eax' })}
${trap(32, 'x32.user.ds-dpl0:', 'mov ds, ax', { setup: 'mov ax, SEL_DATA' })}
${trap(32, 'x32.user.jmp-far-cpl0:', 'jmp SEL_CODE32:user32')}
${trap(32, 'x32.user.iretd-to-cpl0:', 'iretd', { setup: 'push 0x3002\n push SEL_CODE32\n push user32' })}
${trap(32, 'x32.limit.user-stack:', 'mov ss, ax\n mov esp, 0x1002\n push eax', { setup: 'mov ax, SEL_DATA_DPL3_LIM | 3', cleanup: 'mov ax, SEL_UDATA | 3\n mov ss, ax' })}
${trap(32, 'x32.limit.user-ds:', 'mov eax, [0x1000]', { setup: 'mov ax, SEL_DATA_DPL3_LIM | 3\n mov ds, ax', cleanup: 'mov ax, SEL_UDATA | 3\n mov ds, ax' })}
${toKernel(32, 'x32.user.int7f:')}

user32_retf:
${whereAmI('x32.user.retf:')}
${toKernel(32, 'x32.user.retf.int7f:')}
`;

export function exceptions32Kernel() {
  return buildKernel({ main, idt: 32 });
}
