// An LWK as the guest of the hypervisor module in the Linux host shim (issue: "an LWK or runtime as
// the guest"): the module gets cores and a contiguous memory block taken from the host; the guest
// owns all of its vCPUs and memory (1 GiB pages, one worker per vCPU, no OS between) and gets its
// input from, and writes its result to, files on the real file system through the host's services.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { tmp } from './tools.js';

function config(dir: string, cores: number, memory: string, outputWritable = true) {
  const input = join(dir, 'input.bin');
  const bytes = new Uint8Array(50_000);
  let x = 7;
  for (let i = 0; i < bytes.length; i++) { x = (x * 1103515245 + 12345) >>> 0; bytes[i] = x >>> 24; }
  writeFileSync(input, bytes);
  const cfg = join(dir, 'lwk.json');
  writeFileSync(cfg, JSON.stringify({
    name: 'lwk', memory, cores: Array.from({ length: cores }, () => ({})),
    kernel: { path: 'builtin:lwk-guest', format: 'multiboot' },
    files: [{ id: 'in', path: input }, { id: 'out', path: join(dir, 'result.txt'), writable: outputWritable }],
    devices: [{ id: 'pic', class: 'pic8259' }, { id: 'lapic', class: 'lapic' }, { id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }],
  }));
  return { cfg, total: bytes.reduce((a, b) => a + b, 0), result: join(dir, 'result.txt') };
}

describe('an LWK guest in the Linux host shim', () => {
  it('owns 3 vCPUs and 512 MiB taken from the host, splits its work over them, and leaves its result in a host file', () => {
    const dir = tmp();
    const { cfg, total, result } = config(dir, 3, '512M');
    const r = serval(['host', 'script', '--host-cores', '4', '--host-memory', '1G', '-'], { cwd: dir, timeoutMs: 5 * 60_000, input: [
      'insmod v3vee cpus=1-3 mem=512M',
      `v3_create ${cfg}`,
      'cat /proc/v3vee',
      'v3_launch 0',
      'v3_cons 0',
      'v3_wait 0',
      'v3_free 0',
      'rmmod v3vee',
      'cat /proc/cpus',
    ].join('\n') + '\n' }, );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('vm0 lwk created cpus=1,2,3 mem=512M');
    expect(r.stdout).toContain('lwk-guest: 3 vCPUs, 512 MiB mapped with 1 GiB pages, input 50000 bytes\n');
    for (const v of [0, 1, 2]) expect(r.stdout).toMatch(new RegExp(`lwk-guest: vcpu ${v} input sum \\d+, 160 MiB filled and checked, 0 bad pages\\n`));
    expect(r.stdout).toContain(`lwk-guest: total ${total}\nlwk-guest: result written to the host\n`);
    expect(r.stdout).toContain('vm0 stopped: guest exit status 0\n');
    expect(readFileSync(result, 'utf8')).toBe(`${total}\n`);
    // Everything the module took is the host's again.
    expect(r.stdout).toMatch(/cpu1: online\ncpu2: online\ncpu3: online\n$/);
  }, 6 * 60_000);

  it('a result file the config does not let it write stays unwritten, and the guest says it failed', () => {
    const dir = tmp();
    const { cfg, result } = config(dir, 1, '64M', false);
    const r = serval(['host', 'script', '-'], { cwd: dir, input: ['insmod v3vee cpus=1 mem=64M', `v3_create ${cfg}`, 'v3_launch 0', 'v3_cons 0', 'v3_wait 0'].join('\n') + '\n' });
    expect(r.stdout).toContain('lwk-guest: failed\n');
    expect(r.stdout).toContain('vm0 stopped: guest exit status 1\n');
    expect(existsSync(result)).toBe(false);
  }, 2 * 60_000);
});
