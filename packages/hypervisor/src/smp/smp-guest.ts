// A two-processor test guest (32-bit multiboot, flat, no paging). The bootstrap processor copies a
// real-mode trampoline to 0x8000, enables its local APIC, starts the application processor with
// INIT and two start-up IPIs (vector 8), and sleeps until an IPI arrives. The AP enters protected
// mode, reads its own APIC ID at the same address the BSP reads its own, enables its APIC and sends
// the BSP a fixed IPI (vector 0x41). The BSP prints both IDs and how many IPIs it got, and exits
// through the debug-exit port. Everything it prints depends on INIT/SIPI, per-vCPU APIC MMIO and
// IPI delivery working.
import { assemble } from '@serval/x86';

const BASE = 0x100000;
const TRAMPOLINE = 0x8000;

// Assembled at the trampoline's address: the 16-bit part runs with CS = 0x0800, IP from 0, and
// addresses memory through DS = 0, so only absolute addresses are used.
const TRAMPOLINE_SOURCE = String.raw`
bits 16
ap16:   cli
        xor ax, ax
        mov ds, ax
        lgdt [gdtr]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword 0x08:ap32
bits 32
ap32:   mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov edi, 0xfee00000
        mov eax, [edi + 0x20]
        shr eax, 24
        mov [ap_id], eax
        mov dword [edi + 0xf0], 0x1ff
        mov dword [edi + 0x310], 0
        mov dword [edi + 0x300], 0x41
.halt:  hlt
        jmp .halt
align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff
        dq 0x00cf92000000ffff
gdtr:   dw 23
        dd gdt
ap_id:  dd 0xffffffff
`;

const BSP_SOURCE = String.raw`
bits 32
COM1 equ 0x3f8
LAPIC equ 0xfee00000
mb:     dd 0x1badb002
        dd 0x00010000
        dd 0xe4514ffe
        dd mb
        dd mb
        dd 0
        dd 0
        dd start

start:  cli
        ; IDT gate for vector 0x41 (the AP's IPI)
        mov eax, ipi
        mov word [idt + 0x41 * 8], ax
        mov word [idt + 0x41 * 8 + 2], 0x08
        mov word [idt + 0x41 * 8 + 4], 0x8e00
        shr eax, 16
        mov word [idt + 0x41 * 8 + 6], ax
        lidt [idtr]
        ; the trampoline to 0x8000
        mov esi, tramp
        mov edi, TRAMPOLINE
        mov ecx, TRAMPOLINE_SIZE
        cld
        rep movsb
        mov edi, LAPIC
        mov dword [edi + 0xf0], 0x1ff
        mov eax, [edi + 0x20]
        shr eax, 24
        mov [bsp_id], eax
        ; INIT (assert, then de-assert), then two start-up IPIs at 0x8000
        mov dword [edi + 0x310], 1 << 24
        mov dword [edi + 0x300], 0xc500
        mov dword [edi + 0x300], 0x8500
        mov dword [edi + 0x300], 0x0608
        mov dword [edi + 0x300], 0x0608
.wait:  sti
        hlt
        cli
        cmp dword [ipis], 0
        je .wait
        mov esi, msg_bsp
        call puts
        mov eax, [bsp_id]
        call putdigit
        mov esi, msg_ap
        call puts
        mov eax, [TRAMPOLINE + AP_ID_OFFSET]
        call putdigit
        mov esi, msg_ipis
        call puts
        mov eax, [ipis]
        call putdigit
        mov al, 10
        call putc
        xor eax, eax
        out 0xf4, al
.halt:  hlt
        jmp .halt

ipi:    push eax
        inc dword [ipis]
        mov dword [LAPIC + 0xb0], 0
        pop eax
        iretd

putdigit:
        add al, '0'
putc:   push edx
        push eax
        mov dx, COM1 + 5
.busy:  in al, dx
        test al, 0x20
        jz .busy
        pop eax
        mov dx, COM1
        out dx, al
        pop edx
        ret

puts:   lodsb
        test al, al
        jz .end
        call putc
        jmp puts
.end:   ret

msg_bsp:  db "smp: bsp=", 0
msg_ap:   db " ap=", 0
msg_ipis: db " ipis=", 0
align 4
bsp_id: dd 0
ipis:   dd 0
idtr:   dw 0x41 * 8 + 7
        dd idt
align 8
idt:    times 0x42 * 8 db 0
tramp:
`;

/** The guest as a flat multiboot image (needs two vCPUs, lapic, uart16550 and debug-exit). */
export function buildSmpGuest(): Uint8Array {
  const tramp = assemble(TRAMPOLINE_SOURCE, { bitness: 16, origin: TRAMPOLINE });
  const apId = tramp.labels.get('ap_id')! - TRAMPOLINE;
  const bsp = assemble(BSP_SOURCE, {
    bitness: 32, origin: BASE,
    defines: { TRAMPOLINE, TRAMPOLINE_SIZE: tramp.bytes.length, AP_ID_OFFSET: apId },
  });
  const out = new Uint8Array(bsp.bytes.length + tramp.bytes.length);
  out.set(bsp.bytes);
  out.set(tramp.bytes, bsp.bytes.length);
  return out;
}

export function smpVmConfig(kernelPath: string, cores = 2): Record<string, unknown> {
  return {
    name: 'smp', memory: '16M', cores: Array.from({ length: cores }, () => ({})), kernel: { path: kernelPath, format: 'multiboot' },
    devices: [
      { id: 'pic', class: 'pic8259' },
      { id: 'ioapic', class: 'ioapic' },
      { id: 'lapic', class: 'lapic' },
      { id: 'com1', class: 'uart16550' },
      { id: 'exit', class: 'debug-exit' },
    ],
  };
}
