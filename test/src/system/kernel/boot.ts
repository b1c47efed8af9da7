// The frame every test kernel shares: the multiboot entry (32-bit protected mode, paging off), a
// GDT with kernel and user segments for every mode, the switch into long mode, the TSS set-up, and
// the composition of a kernel from its test body.
import { buildMultibootKernel, type MultibootKernel } from '@serval/guest-tools';
import { equates, LAYOUT, SEL, sayln } from './asm.js';
import { idt32, idt64 } from './idt.js';
import { SERIAL32, SERIAL64 } from './lib.js';

/** Where the 16-bit code of the real-mode round trip is copied (below 64 KiB, reachable from real mode). */
export const LOW_CODE = 0x8000;

/** A segment descriptor as a `dq` operand. */
function desc(base: number, limit: number, type: number, flags: number): string {
  const lo = ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const hi = (((base >>> 16) & 0xff) | (type << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000)) >>> 0;
  return `0x${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}`;
}

// Accessed bits are preset so that loading a selector does not write to the table.
const GDT: [number, string][] = [
  [0, '0'],
  [SEL.CODE32, desc(0, 0xfffff, 0x9b, 0xc)],
  [SEL.CODE64, desc(0, 0xfffff, 0x9b, 0xa)],
  [SEL.DATA, desc(0, 0xfffff, 0x93, 0xc)],
  [SEL.UCODE32, desc(0, 0xfffff, 0xfb, 0xc)],
  [SEL.UDATA, desc(0, 0xfffff, 0xf3, 0xc)],
  [SEL.UCODE64, desc(0, 0xfffff, 0xfb, 0xa)],
  [SEL.TSS, desc(LAYOUT.TSS, 0x67, 0x89, 0)],
  [SEL.TSS + 8, '0'],
  [SEL.CODE16, desc(LOW_CODE, 0xffff, 0x9b, 0)],
  [SEL.DATA16, desc(0, 0xffff, 0x93, 0)],
  [SEL.DATA_NP, desc(0, 0xfffff, 0x13, 0xc)],
  [SEL.DATA_DPL3_LIM, desc(0, 0xfff, 0xf3, 0x4)],
  [SEL.CODE64_NP, desc(0, 0xfffff, 0x1b, 0xa)],
  [SEL.CODE32_NP, desc(0, 0xfffff, 0x1b, 0xc)],
  [SEL.DATA_LIM0, desc(0, 0xfff, 0x93, 0x4)],
];

function gdt(): string {
  const lines = GDT.map(([sel, d], i) => {
    if (sel !== i * 8) throw new Error(`GDT entry ${i} is for selector 0x${sel.toString(16)}`);
    return `        dq ${d}`;
  });
  return `align 4096
gdt:
${lines.join('\n')}
gdt_end:
align 8
gdt_ptr:
        dw gdt_end - gdt - 1
        dq gdt`;
}

const ENTRY = String.raw`
bits 32
start:
        cli
        cld
        mov esp, STACK_TOP
        ; QEMU's PC has a PIT ticking into the 8259s; mask them (Serval's VM has none).
        mov al, 0xff
        out 0x21, al
        out 0xa1, al
        lgdt [gdt_ptr]
        jmp SEL_CODE32:.flat
.flat:  mov ax, SEL_DATA
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov edi, VARS
        mov ecx, (ZERO_END - VARS) / 4
        xor eax, eax
        rep stosd
        jmp main

; Identity-maps [0, 1 GiB) with 2 MiB user-accessible, writable pages at PML4/PDPT/PD0.
build_identity64:
        push eax
        push ecx
        push edi
        mov edi, PML4
        mov ecx, 3 * 1024
        xor eax, eax
        rep stosd
        mov dword [PML4], PDPT + 7
        mov dword [PDPT], PD0 + 7
        xor ecx, ecx
.pde:   mov eax, ecx
        shl eax, 21
        or eax, 0x87
        mov [PD0 + ecx*8], eax
        inc ecx
        cmp ecx, 512
        jb .pde
        pop edi
        pop ecx
        pop eax
        ret

; Fills the TSS for 32-bit mode: ESP0/SS0, and no I/O bitmap.
tss32_init:
        push eax
        push ecx
        push edi
        mov edi, TSS
        mov ecx, 0x68 / 4
        xor eax, eax
        rep stosd
        mov dword [TSS + 4], RSP0_TOP
        mov dword [TSS + 8], SEL_DATA
        mov word [TSS + 0x66], 0x68
        mov ax, SEL_TSS
        ltr ax
        pop edi
        pop ecx
        pop eax
        ret

bits 64
; Fills the TSS for long mode: RSP0, IST1, IST2, and no I/O bitmap.
tss64_init:
        push rax
        push rcx
        push rdi
        mov edi, TSS
        mov ecx, 0x68 / 4
        xor eax, eax
        rep stosd
        mov qword [TSS + 4], RSP0_TOP
        mov qword [TSS + 0x24], IST1_TOP
        mov qword [TSS + 0x2c], IST2_TOP
        mov word [TSS + 0x66], 0x68
        mov ax, SEL_TSS
        ltr ax
        pop rdi
        pop rcx
        pop rax
        ret
`;

/** 32-bit code that enters 64-bit mode (PAE, EFER.LME|NXE|SCE, CR0.PG) and jumps to `target`. */
export function enterLong(target: string): string {
  return `bits 32
        call build_identity64
        mov eax, cr4
        or eax, 0x20
        mov cr4, eax
        mov eax, PML4
        mov cr3, eax
        mov ecx, 0xc0000080
        rdmsr
        or eax, 0x901
        wrmsr
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        jmp SEL_CODE64:${target}
bits 64
${target}:`;
}

/** The end of every test: a last line, then status 0 through the debug-exit port. */
export function finish(b: 32 | 64): string {
  return `${sayln(b, 'done')}\n        mov al, 0\n        jmp s${b}_exit`;
}

export interface KernelParts {
  /** The test, from label `main` (32-bit protected mode, flat segments, paging off). */
  main: string;
  /** Extra code or data placed before the GDT. */
  extra?: string;
  /** Which exception-handling library to include (each costs assembly time). */
  idt?: 32 | 64 | 'both';
}

export function buildKernel(parts: KernelParts): MultibootKernel {
  const source = [
    equates(), ENTRY, SERIAL32, SERIAL64,
    parts.idt === 32 || parts.idt === 'both' ? idt32() : '',
    parts.idt === 64 || parts.idt === 'both' ? idt64() : '',
    'bits 32', 'main:', parts.main, parts.extra ?? '', gdt(),
  ].join('\n');
  return buildMultibootKernel({ source });
}
