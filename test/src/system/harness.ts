// Runs one multiboot image on QEMU and on Serval and returns each serial log as lines. QEMU is the
// reference nobody here wrote: a test passes when Serval prints exactly what QEMU prints.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hypervisor, TestHost } from '@serval/hypervisor';
import type { MultibootKernel } from '@serval/guest-tools';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmp, tool } from '../tools.js';

export interface RunLog {
  lines: string[];
  /** The debug-exit status, undefined when the guest never wrote one. */
  status: number | undefined;
  /** Why the run ended otherwise (timeout, VM failure). */
  error?: string;
}

export const QEMU = 'qemu-system-x86_64';
// NX and 1 GiB pages on top of qemu64, so QEMU's CPUID covers what Serval's VMs report.
export const QEMU_CPU = 'qemu64,+nx,+pdpe1gb';

function toLines(text: string): string[] {
  const lines = text.replace(/\r/g, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function runQemu(image: Uint8Array, name: string): Promise<RunLog> {
  const dir = tmp('serval-systest-');
  const file = join(dir, `${name}.elf`);
  writeFileSync(file, image);
  const args = [
    '-machine', 'pc', '-cpu', QEMU_CPU, '-m', '64', '-no-reboot', '-display', 'none', '-monitor', 'none',
    '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', file,
  ];
  return new Promise((resolve) => {
    const p = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      // isa-debug-exit makes QEMU exit with (value << 1) | 1.
      const status = code !== null && code % 2 === 1 ? (code - 1) / 2 : undefined;
      const error = signal ? `QEMU killed by ${signal}` : status === undefined ? `QEMU exited with ${code}: ${err.trim()}` : undefined;
      resolve({ lines: toLines(out), status, ...(error ? { error } : {}) });
    });
  });
}

export function runServal(image: Uint8Array, name: string): RunLog {
  const host = new TestHost(1, 128 * 1024 * 1024);
  host.files.set(name, image);
  const vm = new Hypervisor(host).createVm({
    name, memory: '64M', kernel: { path: name, format: 'multiboot' },
    devices: [{ id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }],
  });
  vm.launch();
  // The kernels retire well under a million instructions: 0.2 s of virtual time ends a runaway one.
  const outcome = host.node.run({ stop: () => vm.state !== 'running', untilNs: 2e8 });
  const r = vm.stopReason;
  const lines = toLines(host.text(`${name}.com1`));
  if (r?.kind === 'guest-exit') return { lines, status: r.status };
  return { lines, status: undefined, error: r?.kind === 'error' ? r.message : `run ended: ${outcome.kind}` };
}

export const HAS_QEMU = tool(QEMU);

/** The lines of `log` whose tag (the text before the first ':') starts with `prefix`. */
export function section(log: RunLog, prefix: string): string[] {
  return log.lines.filter((l) => l.startsWith(prefix));
}

export interface Suite {
  qemu(): RunLog;
  serval(): RunLog;
  /**
   * A test that the lines tagged `prefix` are the same on both (and that QEMU printed some).
   * `sdm` turns a QEMU line into what the Intel SDM requires, where QEMU is known to deviate.
   */
  agree(prefix: string, title: string, sdm?: (qemuLine: string) => string): void;
  /** The same, for an area where Serval is known to differ: the test passes while the bug exists. */
  knownBug(prefix: string, title: string, sdm?: (qemuLine: string) => string): void;
}

/**
 * One kernel, run once on each machine; `body` declares the comparisons. The first tests check
 * that both runs reached the kernel's end, so a crash shows as such rather than as missing lines.
 */
export function systemSuite(name: string, build: () => MultibootKernel, body: (s: Suite) => void): void {
  describe.skipIf(!HAS_QEMU)(`${name}: Serval agrees with QEMU`, () => {
    let q: RunLog | undefined, v: RunLog | undefined;
    beforeAll(async () => {
      const { image } = build();
      const pending = runQemu(image, name);
      v = runServal(image, name);
      q = await pending;
    });
    const qemu = () => q!;
    const serval = () => v!;
    const check = (prefix: string, sdm: (l: string) => string = (l) => l) => {
      const want = section(qemu(), prefix).map(sdm);
      expect(want.length, `QEMU printed no lines tagged ${prefix}`).toBeGreaterThan(0);
      expect(section(serval(), prefix)).toEqual(want);
    };
    it('QEMU runs the kernel to its end', () => {
      expect(qemu().error).toBeUndefined();
      expect(qemu().lines.filter((l) => l.includes('UNEXPECTED'))).toEqual([]);
      expect(qemu().lines.at(-1)).toBe('done');
      expect(qemu().status).toBe(0);
    });
    const covered: string[] = ['done'];
    body({
      qemu, serval,
      agree: (prefix, title, sdm) => { covered.push(prefix); it(title, () => check(prefix, sdm)); },
      knownBug: (prefix, title, sdm) => { covered.push(prefix); it.fails(title, () => check(prefix, sdm)); },
    });
    it('every line QEMU printed is compared by one of the tests above', () => {
      expect(qemu().lines.filter((l) => !covered.some((p) => l.startsWith(p)))).toEqual([]);
    });
    it('Serval runs the kernel to its end', () => {
      expect(serval().error).toBeUndefined();
      expect(serval().lines.at(-1)).toBe('done');
      expect(serval().status).toBe(0);
    });
    it('Serval prints exactly as many lines as QEMU, in the same order of tags', () => {
      const tag = (l: string) => l.split(':')[0];
      expect(serval().lines.map(tag)).toEqual(qemu().lines.map(tag));
    });
  });
}
