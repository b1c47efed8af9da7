// A lightweight kernel as a guest (the seed's "LWK inside a VM on a Linux host"): it takes the
// whole machine it is given and runs one worker per vCPU, with no OS in between. From multiboot
// it maps all of the first 4 GiB with 1 GiB pages, enters long mode, asks the host by hypercall
// how many vCPUs and how much memory it owns, reads its input file from the host, starts every
// application processor (INIT and start-up IPIs to all others), and each vCPU then sums its share
// of the input and fills and checks its share of all memory above 32 MiB. The bootstrap
// processor prints each worker's result, writes the total to the host's output file, and exits
// through the debug-exit port (status 0, or 1 when anything failed).
//
// Host services are the hypervisor's hypercalls (packages/hypervisor/src/hypercall): RAX = the
// number, RBX/RCX/RDX/RSI the arguments. File 0 of the VM config is the input, file 1 the output.
import { assemble } from '@serval/x86';
import { buildMultibootKernel } from '../multiboot/build.js';
import { PUTS_64, SERIAL_INIT_64 } from './serial-asm.js';

const TRAMPOLINE = 0x8000;
/** Fixed physical addresses, apart from the image so that its code pages are never written. */
const LAYOUT = {
  PML4: 0x300000, PDPT: 0x301000, STACKS: 0x400000, STACK_SIZE: 0x4000,
  INBUF: 0x800000, INBUF_MAX: 0x1000000, HEAP: 0x2000000, MAX_CPUS: 64,
};
const HC = { INFO: 0x53560000, FILE_SIZE: 0x53560001, FILE_READ: 0x53560002, FILE_WRITE: 0x53560003 };

// Runs at 0x8000 with CS = 0x0800, IP = 0: only absolute data addresses (DS = 0) below 64 KiB
// are used (so its own copy of the GDT register), then a far jump into the kernel's 32-bit
// long-mode entry, which the bootstrap processor took too.
const TRAMPOLINE_SOURCE = String.raw`
bits 16
ap16:   cli
        xor ax, ax
        mov ds, ax
        lgdt [tgdtr]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword 0x08:ENTER_LONG
tgdtr:  dw 31
        dd KGDT
`;

const KERNEL_SOURCE = String.raw`
bits 32
COM1    equ 0x3f8
LAPIC   equ 0xfee00000

start:  cli
        mov esp, STACKS + STACK_SIZE
        mov esi, tramp
        mov edi, TRAMPOLINE
        mov ecx, TRAMPOLINE_SIZE
        cld
        rep movsb
        ; PML4[0] -> PDPT; PDPT[0..3] map 0-4 GiB as 1 GiB pages (present, writable, PS).
        mov dword [PML4], PDPT + 3
        mov dword [PML4 + 4], 0
        mov dword [PDPT], 0x83
        mov dword [PDPT + 4], 0
        mov dword [PDPT + 8], 0x40000083
        mov dword [PDPT + 12], 0
        mov dword [PDPT + 16], 0x80000083
        mov dword [PDPT + 20], 0
        mov dword [PDPT + 24], 0xc0000083
        mov dword [PDPT + 28], 0
        lgdt [gdtr]
        jmp 0x08:enter_long

; Every processor comes here in flat 32-bit protected mode.
enter_long:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, cr4
        or eax, 0x20
        mov cr4, eax
        mov eax, PML4
        mov cr3, eax
        mov ecx, 0xc0000080
        rdmsr
        or eax, 0x100
        wrmsr
        mov eax, cr0
        or eax, 0x80000001
        mov cr0, eax
        jmp 0x18:long64

bits 64
long64: mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        ; The bootstrap processor gets here before it starts anyone, so it takes index 0.
        mov eax, 1
        lock xadd [rel cpu_next], eax
        mov ebx, eax
        lea eax, [rbx + 1]
        shl eax, 14
        lea rsp, [rax + STACKS]
        test ebx, ebx
        jnz ap_main

bsp_main:
        call serial_init
        mov eax, HC_INFO
        xor ebx, ebx
        vmcall
        cmp rax, 1
        jl fail
        cmp rax, MAX_CPUS
        jg fail
        mov [rel ncpu], rax
        mov eax, HC_INFO
        mov ebx, 1
        vmcall
        cmp rax, HEAP
        jbe fail
        mov [rel memsz], rax
        ; the input: file 0
        mov eax, HC_FILE_SIZE
        xor ebx, ebx
        vmcall
        test rax, rax
        js fail
        cmp rax, INBUF_MAX
        ja fail
        mov [rel insz], rax
        mov eax, HC_FILE_READ
        xor ebx, ebx
        mov ecx, INBUF
        mov rdx, [rel insz]
        xor esi, esi
        vmcall
        cmp rax, [rel insz]
        jne fail

        lea rsi, [rel msg_hello]
        call puts
        mov rax, [rel ncpu]
        call putdec
        lea rsi, [rel msg_vcpus]
        call puts
        mov rax, [rel memsz]
        shr rax, 20
        call putdec
        lea rsi, [rel msg_mib]
        call puts
        mov rax, [rel insz]
        call putdec
        lea rsi, [rel msg_bytes]
        call puts

        ; INIT to all others (assert, de-assert), then two start-up IPIs at TRAMPOLINE.
        cmp qword [rel ncpu], 1
        je .alone
        mov edi, LAPIC
        mov dword [rdi + 0xf0], 0x1ff
        mov dword [rdi + 0x300], 0xcc500
        mov dword [rdi + 0x300], 0xc8500
        mov dword [rdi + 0x300], SIPI_ICR
        mov dword [rdi + 0x300], SIPI_ICR
.alone: xor edi, edi
        call work
        ; wait for the others
        mov rcx, [rel ncpu]
        dec rcx
.wait:  pause
        mov eax, [rel done]
        cmp rax, rcx
        jne .wait

        ; report each worker, add up
        xor r12d, r12d
        xor r13d, r13d
.each:  lea rsi, [rel msg_vcpu]
        call puts
        mov rax, r12
        call putdec
        lea rsi, [rel msg_sum]
        call puts
        lea rbx, [rel sums]
        mov rax, [rbx + r12 * 8]
        add r13, rax
        call putdec
        lea rsi, [rel msg_filled]
        call puts
        lea rbx, [rel filled]
        mov rax, [rbx + r12 * 8]
        shr rax, 20
        call putdec
        lea rsi, [rel msg_checked]
        call puts
        lea rbx, [rel bad]
        mov rax, [rbx + r12 * 8]
        call putdec
        lea rsi, [rel msg_badpages]
        call puts
        lea rbx, [rel bad]
        cmp qword [rbx + r12 * 8], 0
        jne fail
        inc r12
        cmp r12, [rel ncpu]
        jb .each

        ; the total, as text, to the console and to file 1
        lea rsi, [rel msg_total]
        call puts
        mov rax, r13
        lea rdi, [rel outbuf]
        call fmtdec
        mov byte [rdi], 10
        inc rdi
        lea rcx, [rel outbuf]
        mov rdx, rdi
        sub rdx, rcx
        mov [rel outlen], rdx
        mov byte [rdi], 0
        lea rsi, [rel outbuf]
        call puts
        mov eax, HC_FILE_WRITE
        mov ebx, 1
        lea rcx, [rel outbuf]
        mov rdx, [rel outlen]
        vmcall
        test rax, rax
        jnz fail
        lea rsi, [rel msg_done]
        call puts
        xor eax, eax
        out 0xf4, al
        jmp halt

fail:   lea rsi, [rel msg_fail]
        call puts
        mov al, 1
        out 0xf4, al
halt:   cli
        hlt
        jmp halt

ap_main:
        mov edi, ebx
        call work
        lock inc dword [rel done]
        jmp halt

; work: edi = worker index. Sums the worker's share of the input bytes into sums[i]; fills its
; share of memory above HEAP with a pattern (REP STOSQ) and reads one qword per 4 KiB page back,
; counting the pages that do not hold it in bad[i].
work:   mov r8d, edi
        mov r9, [rel ncpu]
        ; input share: per = ceil(insz / ncpu)
        mov rax, [rel insz]
        add rax, r9
        dec rax
        xor edx, edx
        div r9
        mov rcx, rax
        imul rax, r8
        mov rsi, rax
        add rcx, rsi
        mov rdx, [rel insz]
        cmp rcx, rdx
        jbe .endok
        mov rcx, rdx
.endok: cmp rsi, rcx
        jae .sumd
        xor eax, eax
        xor edx, edx
.sum:   movzx eax, byte [rsi + INBUF]
        add rdx, rax
        inc rsi
        cmp rsi, rcx
        jb .sum
        lea rax, [rel sums]
        mov [rax + r8 * 8], rdx
.sumd:
        ; memory share: (memsz - HEAP) / ncpu, rounded down to whole pages
        mov rax, [rel memsz]
        sub rax, HEAP
        xor edx, edx
        div r9
        and rax, -4096
        mov r10, rax
        lea rcx, [rel filled]
        mov [rcx + r8 * 8], r10
        imul rax, r8
        lea r11, [rax + HEAP]
        lea rax, [r8 + 1]
        mov rdx, 0x0101010101010101
        imul rax, rdx
        mov rdi, r11
        mov rcx, r10
        shr rcx, 3
        rep stosq
        xor edx, edx
        mov rdi, r11
        lea rcx, [r11 + r10]
.check: cmp rdi, rcx
        jae .checked
        cmp [rdi], rax
        je .same
        inc rdx
.same:  add rdi, 4096
        jmp .check
.checked:
        lea rax, [rel bad]
        mov [rax + r8 * 8], rdx
        ret

${SERIAL_INIT_64}
${PUTS_64}

; fmtdec: rax in decimal at rdi; rdi ends past the last digit.
fmtdec: push rbx
        push rcx
        push rdx
        mov rbx, 10
        xor ecx, ecx
.div:   xor edx, edx
        div rbx
        push rdx
        inc ecx
        test rax, rax
        jnz .div
.out:   pop rax
        add al, '0'
        stosb
        loop .out
        pop rdx
        pop rcx
        pop rbx
        ret

; putdec: rax in decimal on the console.
putdec: push rdi
        push rsi
        lea rdi, [rel numbuf]
        call fmtdec
        mov byte [rdi], 0
        lea rsi, [rel numbuf]
        call puts
        pop rsi
        pop rdi
        ret

msg_hello:    db "lwk-guest: ", 0
msg_vcpus:    db " vCPUs, ", 0
msg_mib:      db " MiB mapped with 1 GiB pages, input ", 0
msg_bytes:    db " bytes", 10, 0
msg_vcpu:     db "lwk-guest: vcpu ", 0
msg_sum:      db " input sum ", 0
msg_filled:   db ", ", 0
msg_checked:  db " MiB filled and checked, ", 0
msg_badpages: db " bad pages", 10, 0
msg_total:    db "lwk-guest: total ", 0
msg_done:     db "lwk-guest: result written to the host", 10, 0
msg_fail:     db "lwk-guest: failed", 10, 0

align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff
        dq 0x00cf92000000ffff
        dq 0x00af9a000000ffff
gdtr:   dw 31
        dd gdt

; Written by every vCPU: pages of their own, apart from the code.
align 4096
cpu_next: dd 0
done:     dd 0
ncpu:     dq 0
memsz:    dq 0
insz:     dq 0
outlen:   dq 0
sums:     times MAX_CPUS dq 0
filled:   times MAX_CPUS dq 0
bad:      times MAX_CPUS dq 0
numbuf:   times 32 db 0
outbuf:   times 32 db 0
align 4096
tramp:
`;

/** The guest as a flat multiboot image (needs lapic, uart16550 and debug-exit; any number of vCPUs up to 64). */
export function buildLwkGuest(): Uint8Array {
  // Start-up IPI to all others (shorthand 11b), vector = the trampoline's page.
  const defines = { ...LAYOUT, TRAMPOLINE, SIPI_ICR: 0xc0600 | (TRAMPOLINE >> 12), HC_INFO: HC.INFO, HC_FILE_SIZE: HC.FILE_SIZE, HC_FILE_READ: HC.FILE_READ, HC_FILE_WRITE: HC.FILE_WRITE };
  // Two passes: the trampoline needs the kernel's addresses, the kernel holds the trampoline's
  // bytes at its end (the same size in both passes, so the addresses do not move).
  const size = assemble(TRAMPOLINE_SOURCE, { bitness: 16, origin: TRAMPOLINE, defines: { KGDT: 0, ENTER_LONG: 0 } }).bytes.length;
  const kernel = (tramp: string) => buildMultibootKernel({
    source: `${KERNEL_SOURCE}\n${tramp}\n`, format: 'flat', defines: { ...defines, TRAMPOLINE_SIZE: size },
  });
  const first = kernel(`times ${size} db 0`);
  const tramp = assemble(TRAMPOLINE_SOURCE, {
    bitness: 16, origin: TRAMPOLINE,
    defines: { KGDT: first.labels.get('gdt')!, ENTER_LONG: first.labels.get('enter_long')! },
  });
  if (tramp.bytes.length !== size) throw new Error('lwk-guest: trampoline size changed between passes');
  return kernel(`db ${[...tramp.bytes].join(', ')}`).image;
}

/** A VM config for it: `input` and `output` are host paths; 1 GiB of memory by default. */
export function lwkGuestVmConfig(kernelPath: string, input: string, output: string, opts: { cores?: number; memory?: string } = {}): Record<string, unknown> {
  return {
    name: 'lwk-guest', memory: opts.memory ?? '1G', cores: Array.from({ length: opts.cores ?? 2 }, () => ({})),
    kernel: { path: kernelPath, format: 'multiboot' },
    files: [{ id: 'input', path: input }, { id: 'output', path: output, writable: true }],
    devices: [
      { id: 'pic', class: 'pic8259' },
      { id: 'lapic', class: 'lapic' },
      { id: 'com1', class: 'uart16550' },
      { id: 'exit', class: 'debug-exit' },
    ],
  };
}
