// Programs that cannot start or that crash: one clear line on stderr and the status a shell gives
// for the same program natively — 127 for a missing program, 126 for one that cannot be executed
// (truncated ELF, another architecture, 32-bit, dynamically linked, not ELF), 128 + signal for a
// program killed by a signal (139 for SIGSEGV). qemu-x86_64 exits with 1 in the first cases; a
// user who replaces `./prog` with `serval run ./prog` in a script keeps the shell's codes. One
// deliberate difference: Linux starts an ELF cut inside a segment and lets it crash; the LWK
// refuses it with 126 and says what is missing.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, serval } from './cli.js';
import { debianFile } from './debian.js';
import { gcc, tmp, tool } from './tools.js';

const BUSYBOX = debianFile('busybox-static', 'bin/busybox');

/** The status bash reports for running `path` directly (`; exit` keeps bash from exec'ing it). */
function shellStatus(path: string): number {
  return spawnSync('bash', ['-c', '"$0"; exit $?', path], { stdio: 'ignore' }).status!;
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('serval run with bad input', () => {
  it('a missing program: 127, as from a shell', () => {
    const missing = join(tmp(), 'no-such-program');
    const r = serval(['run', missing]);
    expect(shellStatus(missing)).toBe(127);
    expect(r.status).toBe(127);
    expectOneLine(r.stderr, /^serval: cannot read .*no-such-program: no such file/);
  });

  it.skipIf(!BUSYBOX)('a truncated ELF: 126, naming what is missing', () => {
    const dir = tmp();
    // Cut inside the ELF header: Linux's execve refuses it too (ENOEXEC), and the shell says 126.
    const head = join(dir, 'head-only');
    writeFileSync(head, readFileSync(BUSYBOX!).subarray(0, 40));
    chmodSync(head, 0o755);
    let r = serval(['run', head]);
    expect(shellStatus(head)).toBe(126);
    expect(r.status).toBe(126);
    expectOneLine(r.stderr, /^serval: .*head-only is truncated: 40 bytes is shorter than an ELF64 header$/);
    // Cut inside a segment: Linux starts it anyway and it dies when it reaches the missing bytes
    // (SIGSEGV or SIGBUS, by where the cut falls). The LWK refuses it up front, as for any file it
    // cannot execute.
    const seg = join(dir, 'truncated');
    writeFileSync(seg, readFileSync(BUSYBOX!).subarray(0, 1000));
    chmodSync(seg, 0o755);
    r = serval(['run', seg]);
    expect(r.status).toBe(126);
    expectOneLine(r.stderr, /^serval: .*truncated is truncated: segment \d+ needs bytes \d+\.\.\d+ but the file has 1000$/);
  });

  it('an ELF for another machine (AArch64) and a 32-bit ELF: 126', () => {
    const dir = tmp();
    const header = (cls: number, machine: number) => {
      const b = new Uint8Array(64);
      b.set([0x7f, 0x45, 0x4c, 0x46, cls, 1, 1]);
      const dv = new DataView(b.buffer);
      dv.setUint16(16, 2, true); // ET_EXEC
      dv.setUint16(18, machine, true);
      return b;
    };
    const arm = join(dir, 'arm64'), i386 = join(dir, 'i386');
    writeFileSync(arm, header(2, 183));
    writeFileSync(i386, header(1, 3));
    let r = serval(['run', arm]);
    expect(r.status).toBe(126);
    expectOneLine(r.stderr, /^serval: .*arm64 is for machine type 183, not x86-64/);
    r = serval(['run', i386]);
    expect(r.status).toBe(126);
    expectOneLine(r.stderr, /^serval: .*i386 is a 32-bit ELF; only x86-64/);
  });

  it('a dynamically linked program and a script: 126, with the reason', () => {
    const dir = tmp();
    const script = join(dir, 'script.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o755);
    let r = serval(['run', script]);
    expect(r.status).toBe(126);
    expectOneLine(r.stderr, /is not an ELF file/);
    if (tool('gcc')) {
      const dyn = join(dir, 'dynamic');
      copyFileSync(join(ROOT, 'test/fixtures/c/segfault.c'), join(dir, 's.c'));
      gcc(['-O2', '-o', dyn, join(dir, 's.c')]);
      r = serval(['run', dyn]);
      expect(r.status).toBe(126);
      expectOneLine(r.stderr, /is dynamically linked .*link with -static/);
    }
  });

  it.skipIf(!tool('gcc'))('a program that segfaults: 139 as natively from a shell, its output kept, one line on why', () => {
    const exe = join(tmp(), 'segfault');
    gcc(['-static', '-O2', '-o', exe, join(ROOT, 'test/fixtures/c/segfault.c')]);
    expect(shellStatus(exe)).toBe(139);
    const r = serval(['run', exe]);
    expect(r.status).toBe(139);
    expect(r.stdout).toBe('before the fault\n');
    expectOneLine(r.stderr, /^serval: segfault: terminated by SIGSEGV \(invalid memory access at 0x0, rip 0x[0-9a-f]+\)$/);
  });
});
