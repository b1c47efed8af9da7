// Debian 12's stock kernel (linux-image-amd64) boots in a VM hosted by the LWK, by both Linux entry
// paths, to busybox's shell on the serial console; the test types commands and reads the answers.
// CI downloads the packages (scripts/fetch-debian.sh).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { debianFile } from './debian.js';
import { tmp } from './tools.js';

const BOOT = debianFile('linux-image', 'boot');
const BUSYBOX = debianFile('busybox-static', 'bin/busybox');
const VMLINUZ = BOOT && join(BOOT, readdirSync(BOOT).find((f) => f.startsWith('vmlinuz-'))!);
const VERSION = VMLINUZ?.replace(/.*vmlinuz-/, '');

// The devices this command line needs are the legacy PC ones (8259, 8254, COM1, i8042, RTC):
// QEMU shows the kernel touching nothing else with it.
const APPEND = 'console=ttyS0 quiet acpi=off pci=off nolapic nokaslr mitigations=off tsc=reliable no_timer_check nosmp cryptomgr.notests lpj=10000000';
const TYPED = 'echo hello; uname -r\nreboot -f\n';
const MINUTES = 60_000;

function initramfs(): string {
  const out = join(tmp('serval-linux-'), 'initrd.cpio');
  const r = serval(['image', 'initramfs', '--busybox', BUSYBOX!, '--output', out]);
  expect(r.status, r.stderr).toBe(0);
  return out;
}

describe.skipIf(!VMLINUZ || !BUSYBOX)('Debian\'s stock kernel in a VM on the LWK', () => {
  for (const format of ['pvh', 'bzimage'] as const) {
    it(`boots by ${format === 'pvh' ? 'PVH' : 'the bzImage 64-bit entry'} to the busybox prompt and answers typed commands`, () => {
      const r = serval(['vm', 'boot', '--kernel', VMLINUZ!, '--initrd', initramfs(), '--format', format,
        '--memory', '256M', '--append', APPEND], { input: TYPED, timeoutMs: 20 * MINUTES });
      // The init script's banner, then the shell's prompt, then each command's answer on its own line.
      expect(r.stdout).toContain(`Serval initramfs: kernel ${VERSION}`);
      expect(r.stdout).toMatch(/BusyBox v1\.\d+\.\d+ .* built-in shell \(ash\)/);
      const afterPrompt = r.stdout.slice(r.stdout.lastIndexOf('# echo hello; uname -r'));
      expect(afterPrompt).toMatch(new RegExp(`^# echo hello; uname -r\\r?\\nhello\\r?\\n${VERSION!.replace(/\./g, '\\.')}\\r?\\n`));
      expect(r.stdout).toContain('reboot: Restarting system');
      expect(r.stderr).toMatch(/reset itself \(reboot\)/);
      expect(r.status).toBe(0);
    }, 25 * MINUTES);
  }
});
