// A Linux guest checkpointed mid-boot: Debian's stock kernel boots in a VM of the Linux host shim,
// is saved 200 ms into its boot by one serval process and continued by another; the second ends
// with exactly the console (every printk timestamp included) and instruction count of a boot that
// was never interrupted. The kernel runs busybox as init to reboot, so the run has an end.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { debianFile } from './debian.js';
import { tmp } from './tools.js';

const BOOT = debianFile('linux-image', 'boot');
const BUSYBOX = debianFile('busybox-static', 'bin/busybox');
const VMLINUZ = BOOT && join(BOOT, readdirSync(BOOT).find((f) => f.startsWith('vmlinuz-'))!);
const MINUTES = 60_000;
const APPEND = 'console=ttyS0 acpi=off pci=off nolapic nokaslr mitigations=off tsc=reliable no_timer_check nosmp cryptomgr.notests lpj=10000000 rdinit=/bin/busybox -- reboot -f';

describe.skipIf(!VMLINUZ || !BUSYBOX)('a Linux guest saved mid-boot and loaded in another process', () => {
  it('ends with the uninterrupted boot\'s console and instruction count', () => {
    const dir = tmp('serval-linux-ckpt-');
    const initrd = join(dir, 'initrd.cpio');
    expect(serval(['image', 'initramfs', '--busybox', BUSYBOX!, '--output', initrd]).status).toBe(0);
    writeFileSync(join(dir, 'linux.json'), JSON.stringify({
      name: 'linux', memory: '256M', kernel: { path: VMLINUZ, format: 'pvh', initrd, cmdline: APPEND },
      devices: [
        { id: 'pic', class: 'pic8259' }, { id: 'pit', class: 'pit8254' }, { id: 'rtc', class: 'rtc' }, { id: 'kbc', class: 'i8042' },
        { id: 'post', class: 'port80' }, { id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' },
      ],
    }));
    const v3 = (...cmds: string[][]) => serval(['host', 'v3', '--host-memory', '1G', ...cmds.flatMap((c, i) => (i ? ['+', ...c] : c))], { cwd: dir, timeoutMs: 15 * MINUTES });
    const whole = v3(['create', 'linux.json'], ['launch', '0'], ['cons', '0'], ['wait', '0'], ['inspect', '0']);
    expect(whole.stderr).toBe('');
    expect(whole.stdout).toContain('Run /bin/busybox as init process');
    expect(whole.stdout).toContain('vm0 stopped: reset\n');
    const a = v3(['create', 'linux.json'], ['cons', '0'], ['simulate', '0', '200'], ['save', '0', 'linux.ckpt']);
    expect(a.stderr).toBe('');
    const b = v3(['create', 'linux.json'], ['load', '0', 'linux.ckpt'], ['cons', '0'], ['continue', '0'], ['wait', '0'], ['inspect', '0']);
    expect(b.stderr).toBe('');
    const before = a.stdout.slice(a.stdout.indexOf('\n') + 1, a.stdout.indexOf('saved linux.ckpt'));
    expect(before).toContain('Linux version');
    expect(before).not.toContain('Run /bin/busybox');
    const after = b.stdout.slice(b.stdout.indexOf('\n') + 1);
    expect(before + after).toBe(whole.stdout.slice(whole.stdout.indexOf('\n') + 1));
    expect(after).toMatch(/vm0 linux stopped \(reset\) instructions=\d{9} time_ns=\d+ exits: /);
  }, 45 * MINUTES);
});
