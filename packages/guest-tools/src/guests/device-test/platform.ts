// The device test kernel's tests of the APIC platform and friends: local APIC timer and self IPI,
// I/O APIC routing, HPET, ACPI PM timer, PCI configuration mechanism #1 and the generic device.

export const PLATFORM_TESTS = String.raw`
; ---- local APIC: timer (waking HLT) and a self IPI ----------------------------------------
t_lapic:
        mov esi, n_lapic
        call puts
        mov eax, [LAPIC + 0x20]
        shr eax, 24
        mov esi, e_apicid
        test eax, eax
        jnz fail
        mov dword [LAPIC + 0xf0], 0x1ff ; software enable, spurious vector 0xFF
        mov dword [LAPIC + 0x3e0], 0x0b ; divide by 1
        mov dword [LAPIC + 0x320], 0x40 ; one-shot, vector 0x40
        mov dword [LAPIC + 0x380], 10000
        sti
        hlt                             ; the timer wakes it
        cli
        mov eax, 0x40
        mov ebx, 1
        call wait_irq
        mov esi, e_timer
        test ecx, ecx
        jz fail
        mov eax, [LAPIC + 0x390]
        mov esi, e_current
        test eax, eax
        jnz fail
        mov dword [LAPIC + 0x310], 0
        mov dword [LAPIC + 0x300], 0x00040041 ; self, fixed, vector 0x41
        mov eax, 0x41
        mov ebx, 1
        call wait_irq
        mov esi, e_ipi
        test ecx, ecx
        jz fail
        call ok
        mov esi, d_lapic
        call puts
        mov eax, [LAPIC + 0x30]
        call puthex8
        jmp newline

; ---- I/O APIC: ISA IRQ 0 (the PIT) on pin 2 to vector 0x50 --------------------------------
ioapic_write:                           ; ecx = register, eax = value
        mov [IOAPIC], ecx
        mov [IOAPIC + 0x10], eax
        ret

t_ioapic:
        mov esi, n_ioapic
        call puts
        mov dword [IOAPIC], 1
        mov eax, [IOAPIC + 0x10]
        mov [ioapic_ver], eax
        shr eax, 16
        and eax, 0xff
        mov esi, e_ioapicver
        cmp eax, 23
        jne fail
        mov al, 0xff                    ; the 8259 pair out of the way
        out 0x21, al
        mov ecx, 0x15
        xor eax, eax
        call ioapic_write
        mov ecx, 0x14
        mov eax, 0x50                   ; pin 2: fixed, edge, physical, vector 0x50
        call ioapic_write
        mov al, 0x34                    ; the PIT at ~1 ms again
        out 0x43, al
        mov al, 1193 & 0xff
        out 0x40, al
        mov al, 1193 >> 8
        out 0x40, al
        mov eax, 0x50
        mov ebx, 2
        call wait_irq
        push ecx
        mov ecx, 0x14
        mov eax, 0x10000                ; masked
        call ioapic_write
        mov al, 0x30
        out 0x43, al
        mov al, 1
        out 0x40, al
        xor al, al
        out 0x40, al
        mov al, 0xfb
        out 0x21, al
        pop ecx
        mov esi, e_ioapicirq
        test ecx, ecx
        jz fail
        call ok
        mov esi, d_ioapic
        call puts
        mov eax, [ioapic_ver]
        mov ecx, 8
        call puthex
        jmp newline

; ---- HPET: capabilities, a running counter, timer 0 to I/O APIC pin 20 -------------------
t_hpet: mov esi, n_hpet
        call puts
        mov eax, [HPET]
        shr eax, 16
        mov esi, e_hpetvendor
        cmp eax, 0x8086
        jne fail
        mov eax, [HPET + 4]
        mov esi, e_hpetperiod
        cmp eax, 10000000
        jne fail
        mov eax, [HPET + 0x104]         ; timer 0's routing capabilities
        mov esi, e_hpetroute
        test eax, 1 << 20
        jz fail
        mov dword [HPET + 0x10], 1      ; enable
        mov ebx, [HPET + 0xf0]
        mov ecx, 1000
.d:     dec ecx
        jnz .d
        mov edx, [HPET + 0xf0]
        mov esi, e_hpetcount
        cmp edx, ebx
        jbe fail
        mov ecx, 0x39                   ; pin 20 -> vector 0x51
        xor eax, eax
        call ioapic_write
        mov ecx, 0x38
        mov eax, 0x51
        call ioapic_write
        mov dword [HPET + 0x100], (20 << 9) | (1 << 2) ; edge, enabled, route 20
        mov eax, [HPET + 0xf0]
        add eax, 10000                  ; 100 us
        mov [HPET + 0x108], eax
        mov dword [HPET + 0x10c], 0
        mov eax, 0x51
        mov ebx, 1
        call wait_irq
        mov dword [HPET + 0x100], 0
        mov esi, e_hpetirq
        test ecx, ecx
        jz fail
        call ok
        mov esi, d_hpet
        call puts
        jmp newline

; ---- ACPI PM timer: 3.579545 MHz against the TSC (whose rate CPUID 0x16 gives) -----------
t_acpipm:
        mov esi, n_acpipm
        call puts
        mov dx, 0x602                   ; PM1a_EN: the power button's enable bit reads back
        mov ax, 0x0100
        out dx, ax
        in ax, dx
        mov esi, e_pmen
        cmp ax, 0x0100
        jne fail
        mov eax, 0x16
        xor ecx, ecx
        cpuid
        mov [tsc_mhz], eax
        mov dx, PM_TMR
        in eax, dx
        mov ebx, eax
        rdtsc
        mov esi, eax
        mov ecx, 200000
.d:     dec ecx
        jnz .d
        mov dx, PM_TMR
        in eax, dx
        sub eax, ebx
        and eax, 0xffffff
        mov [pm_delta], eax
        rdtsc
        sub eax, esi
        mov [tsc_delta], eax
        mov eax, [tsc_mhz]              ; expected TSC ticks = pm ticks * MHz * 1e6 / 3579545
        mov ecx, 1000000
        mul ecx
        mul dword [pm_delta]
        mov ecx, 3579545
        div ecx
        mov ebx, eax
        mov esi, e_pmzero
        cmp dword [pm_delta], 0
        je fail
        mov eax, [tsc_delta]            ; |tsc - expected| < expected / 100
        sub eax, ebx
        jns .abs
        neg eax
.abs:   mov ecx, ebx
        push eax
        mov eax, ecx
        xor edx, edx
        mov ecx, 100
        div ecx
        mov ecx, eax
        pop eax
        mov esi, e_pmrate
        cmp eax, ecx
        jae fail
        call ok
        mov esi, d_acpipm
        call puts
        mov eax, [pm_delta]
        call putdec
        mov esi, d_acpipm2
        call puts
        mov eax, [tsc_delta]
        call putdec
        jmp newline

; ---- PCI configuration mechanism #1 ---------------------------------------------------
t_pci:  mov esi, n_pci
        call puts
        mov dx, 0xcf8
        mov eax, 0x80000000             ; 00:00.0 register 0
        out dx, eax
        in eax, dx
        mov esi, e_cf8
        cmp eax, 0x80000000
        jne fail
        mov dx, 0xcfc
        in eax, dx
        mov [pci_id], eax
        mov esi, e_pciid
        cmp eax, 0x00081b36
        jne fail
        mov dx, 0xcf8
        mov eax, 0x80000008             ; class code
        out dx, eax
        mov dx, 0xcfc
        in eax, dx
        shr eax, 8
        mov esi, e_pciclass
        cmp eax, 0x060000
        jne fail
        mov dx, 0xcf8
        mov eax, 0x8000f800             ; 00:1f.0: nothing there
        out dx, eax
        mov dx, 0xcfc
        in eax, dx
        mov esi, e_pciabsent
        cmp eax, 0xffffffff
        jne fail
        call ok
        mov esi, d_pci
        call puts
        jmp newline

; ---- generic device: 0x378-0x37F print and ignore (the host logs each access) ---------
t_generic:
        mov esi, n_generic
        call puts
        mov dx, 0x378
        mov al, 0x5a
        out dx, al
        in al, dx
        mov esi, e_generic
        cmp al, 0xff
        jne fail
        mov dx, 0x37f
        in al, dx
        cmp al, 0xff
        jne fail
        call ok
        mov esi, d_generic
        call puts
        jmp newline

; ---- strings
n_lapic:    db "lapic: ", 0
n_ioapic:   db "ioapic: ", 0
n_hpet:     db "hpet: ", 0
n_acpipm:   db "acpi-pm: ", 0
n_pci:      db "pci: ", 0
n_generic:  db "generic: ", 0
d_lapic:    db " id 0, timer woke hlt (vector 40), self ipi (vector 41), version ", 0
d_ioapic:   db " pit irq0 -> pin 2 -> vector 50, version ", 0
d_hpet:     db " vendor 8086, 10 ns period, counter runs, timer 0 -> pin 20 -> vector 51", 0
d_acpipm:   db " PM1a_EN reads back, 3.579545 MHz against the tsc: pm ", 0
d_acpipm2:  db " tsc ", 0
d_pci:      db " 00:00.0 1b36:0008 class 060000, 00:1f.0 absent", 0
d_generic:  db " 0x378-0x37f ignore writes, read ff", 0
e_apicid:     db "BSP APIC ID is not 0", 0
e_timer:      db "no timer interrupt", 0
e_current:    db "current count not 0 after a one-shot", 0
e_ipi:        db "no self IPI", 0
e_ioapicver:  db "not 24 redirection entries", 0
e_ioapicirq:  db "no interrupt through pin 2", 0
e_hpetvendor: db "vendor is not 8086", 0
e_hpetperiod: db "period is not 10 ns", 0
e_hpetroute:  db "timer 0 cannot route to pin 20", 0
e_hpetcount:  db "main counter does not run", 0
e_hpetirq:    db "no interrupt from timer 0", 0
e_pmen:       db "PM1a_EN does not read back", 0
e_pmzero:     db "PM timer does not run", 0
e_pmrate:     db "PM timer rate is not 3.579545 MHz against the TSC", 0
e_cf8:        db "0xCF8 does not read back", 0
e_pciid:      db "00:00.0 is not 1b36:0008", 0
e_pciclass:   db "00:00.0 is not a host bridge", 0
e_pciabsent:  db "an absent device does not read ffffffff", 0
e_generic:    db "ignored ports do not read ff", 0
`;
