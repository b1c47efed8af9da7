// Boot to the busybox prompt: Debian's stock kernel, the same initramfs and command line, on
// Serval (`serval vm boot`, the hypervisor hosted by the LWK) and on qemu-system-x86_64 -accel tcg.
// The clock stops when the shell's prompt reaches the serial console; then the guest is rebooted.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX, record, report, ROOT, skipped, type Result, type Runs } from './common.js';

const APPEND = 'console=ttyS0 quiet acpi=off pci=off nolapic nokaslr mitigations=off tsc=reliable no_timer_check nosmp cryptomgr.notests lpj=10000000';
const PROMPT = /\n[/~] # /;
const LIMIT_MS = 30 * 60_000;

/**
 * Starts `cmd` and times until the prompt appears on stdout; `reboot -f` is typed then, or, with
 * `typeAhead`, given on stdin from the start (the guest reads it only once its shell runs).
 */
function untilPrompt(name: string, cmd: string, args: string[], typeAhead: boolean): Promise<Result | undefined> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let seconds: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('error', () => { clearTimeout(timer); resolve(undefined); });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (seconds === undefined && PROMPT.test(out)) {
        seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        if (!typeAhead) child.stdin.end('reboot -f\n');
      }
    });
    child.stderr.on('data', () => {});
    if (typeAhead) child.stdin.end('reboot -f\n');
    child.on('close', (status) => {
      clearTimeout(timer);
      if (seconds === undefined) reject(new Error(`${name} never showed the busybox prompt (exit ${status}); its console:\n${out.slice(-2000)}`));
      else resolve({ name, seconds, status: status ?? -1 });
    });
  });
}

export async function bootBench(reps: number, dir: string): Promise<void> {
  const title = 'Linux boot to the busybox prompt (Debian 6.1 bzImage, legacy-PC command line)';
  const boot = join(ROOT, '.cache/debian/linux-image/boot');
  if (!existsSync(boot) || !existsSync(BUSYBOX)) return skipped(title, 'run scripts/fetch-debian.sh for linux-image and busybox-static');
  const kernel = join(boot, readdirSync(boot).find((f) => f.startsWith('vmlinuz-'))!);
  const initrd = join(dir, 'initrd.cpio');
  const mk = spawnSync(join(ROOT, 'serval'), ['image', 'initramfs', '--busybox', BUSYBOX, '--output', initrd], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`serval image initramfs failed: ${mk.stderr}`);
  const runs: Runs = {};
  for (let i = 0; i < reps; i++) {
    // Serval reads a piped stdin to its end before the guest runs, so the reboot is typed ahead;
    // QEMU drops what arrives before the guest's UART is ready, so it gets it after the prompt.
    record(runs, await untilPrompt('serval', join(ROOT, 'serval'), ['vm', 'boot', '--kernel', kernel, '--initrd', initrd,
      '--memory', '256M', '--append', APPEND], true));
    record(runs, await untilPrompt('qemu-system (tcg)', 'qemu-system-x86_64', ['-accel', 'tcg', '-m', '256', '-nographic',
      '-no-reboot', '-kernel', kernel, '-initrd', initrd, '-append', APPEND], false));
  }
  report(title, undefined, runs);
}
