// Debian 12's stock kernel with its default command line (console=ttyS0 only: ACPI, local APICs,
// I/O APIC, HPET, PCI and the ACPI PM timer all in use) in a 2-vCPU VM on the LWK: it finds its
// platform in the ACPI tables, starts the second CPU with INIT/SIPI, reaches the busybox shell, and
// powers off through ACPI S5. One boot; it takes minutes (the kernel runs its crypto self-tests).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { debianFile } from './debian.js';
import { tmp } from './tools.js';

const BOOT = debianFile('linux-image', 'boot');
const BUSYBOX = debianFile('busybox-static', 'bin/busybox');
const VMLINUZ = BOOT && join(BOOT, readdirSync(BOOT).find((f) => f.startsWith('vmlinuz-'))!);
const TYPED = 'grep -c ^processor /proc/cpuinfo\npoweroff -f\n';
const MINUTES = 60_000;

describe.skipIf(!VMLINUZ || !BUSYBOX)('Debian\'s stock kernel, default command line, two vCPUs', () => {
  it('brings both CPUs online from the ACPI tables, reaches the shell and powers off through ACPI', () => {
    const initrd = join(tmp('serval-linux-smp-'), 'initrd.cpio');
    const img = serval(['image', 'initramfs', '--busybox', BUSYBOX!, '--output', initrd]);
    expect(img.status, img.stderr).toBe(0);
    const r = serval(['vm', 'boot', '--kernel', VMLINUZ!, '--initrd', initrd, '--format', 'pvh', '--memory', '256M',
      '--cores', '2', '--append', 'console=ttyS0'], { input: TYPED, timeoutMs: 40 * MINUTES });
    const log = r.stdout;
    // The platform as the kernel found it.
    expect(log).toMatch(/ACPI: RSDP 0x00000000000E0000 000024 \(v02 SERVAL\)/);
    expect(log).toMatch(/IOAPIC\[0\]: apic_id \d+, version 32, address 0xfec00000, GSI 0-23/);
    expect(log).toContain('ACPI: HPET id: 0x8086a201 base: 0xfed00000');
    expect(log).toContain('smpboot: Allowing 2 CPUs, 0 hotplug CPUs');
    expect(log).toMatch(/\.\.TIMER: vector=0x\w+ apic1=0 pin1=2/);
    expect(log).toContain('smp: Brought up 1 node, 2 CPUs');
    expect(log).toContain('ACPI: Interpreter enabled');
    expect(log).toContain('ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00-ff])');
    expect(log).toContain('pci 0000:00:00.0: [1b36:0008] type 00 class 0x060000');
    expect(log).toContain('clocksource: acpi_pm: mask: 0xffffff');
    // No complaint about the tables or the interrupt setup.
    expect(log).not.toMatch(/ACPI (BIOS )?(Error|Warning)|ACPI Exception|APIC error|spurious|Firmware Bug/i);
    // The shell answers: two processors, then ACPI S5 ends the VM with status 0.
    const afterPrompt = log.slice(log.lastIndexOf('# grep -c ^processor /proc/cpuinfo'));
    expect(afterPrompt).toMatch(/^# grep -c \^processor \/proc\/cpuinfo\r?\n2\r?\n/);
    expect(log).toContain('reboot: Power down');
    expect(r.status, r.stderr).toBe(0);
  }, 45 * MINUTES);
});
