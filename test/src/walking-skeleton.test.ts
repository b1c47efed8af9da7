// The three paths end to end through the built CLI: a program on the LWK, a guest in the
// hypervisor on the LWK, a guest in the hypervisor module of the Linux host shim.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHelloElf } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { ROOT, serval } from './cli.js';
import { gcc, tmp, tool } from './tools.js';

const HAS_GCC = tool('gcc');
const BANNER = 'Serval demo guest kernel: x86-64 long mode, booted by the Serval hypervisor';

describe('serval run: a static program on the LWK', () => {
  it.skipIf(!HAS_GCC)('runs a gcc -static -nostdlib program: its output and its exit status', () => {
    const dir = tmp();
    const exe = join(dir, 'hello');
    gcc(['-static', '-nostdlib', '-O2', '-fno-stack-protector', '-fcf-protection=none', '-o', exe, join(ROOT, 'test/fixtures/hello-nostdlib.c')]);
    const r = serval(['run', exe]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from gcc -static -nostdlib\n');
    expect(r.status).toBe(42);
  });

  it.skipIf(!HAS_GCC)('runs a static-PIE program (loaded at the PIE base)', () => {
    const exe = join(tmp(), 'hello-pie');
    gcc(['-static-pie', '-nostdlib', '-fPIE', '-O2', '-fno-stack-protector', '-fcf-protection=none', '-o', exe, join(ROOT, 'test/fixtures/hello-nostdlib.c')]);
    const r = serval(['run', exe]);
    expect(r.stdout).toBe('hello from gcc -static -nostdlib\n');
    expect(r.status).toBe(42);
  });

  it('runs the hello program assembled in this repository', () => {
    const exe = join(tmp(), 'hello');
    writeFileSync(exe, buildHelloElf(7));
    const r = serval(['run', exe, 'ignored-arg']);
    expect(r.stdout).toBe('Hello from Serval: a static x86-64 program on the LWK\n');
    expect(r.status).toBe(7);
  });
});

describe('serval vm boot: the hypervisor hosted by the LWK', () => {
  it('boots the demo guest and shows its serial console', () => {
    const r = serval(['vm', 'boot']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe(BANNER);
    expect(r.stdout).toContain('  memory: 64 MiB\n');
    expect(r.stdout).toContain('  primes below 10000: 1229\n');
    expect(r.stdout).toContain('demo guest done, exiting with status 0\n');
    expect(r.status).toBe(0);
  });

  it('gives identical output and identical instruction counts run after run', () => {
    const a = serval(['vm', 'boot', '--stats']);
    const b = serval(['vm', 'boot', '--stats']);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const count = (s: string) => /instructions=(\d+)/.exec(s)?.[1];
    expect(count(a.stderr)).toMatch(/^\d+$/);
    expect(Number(count(a.stderr))).toBeGreaterThan(10_000);
    expect(a.stderr).toBe(b.stderr);
  });

  it('boots from a config file, passing the command line', () => {
    const cfg = join(tmp(), 'vm.json');
    writeFileSync(cfg, JSON.stringify({
      name: 'cfgvm', memory: '32M', cores: [{ freq: '2GHz' }],
      kernel: { path: 'builtin:demo', cmdline: 'hello from the config' },
      devices: [{ id: 'com1', class: 'uart16550', options: { port: '0x3f8' } }, { id: 'exit', class: 'debug-exit' }],
    }));
    const r = serval(['vm', 'boot', cfg]);
    expect(r.stdout).toContain('  memory: 32 MiB\n');
    expect(r.stdout).toContain('  cmdline: hello from the config\n');
    expect(r.status).toBe(0);
  });
});

describe('serval host boot: the hypervisor as a module of the Linux host shim', () => {
  it('boots the same guest through /dev/v3vee', () => {
    const r = serval(['host', 'boot']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe(BANNER);
    expect(r.stdout).toContain('demo guest done, exiting with status 0\n');
    expect(r.status).toBe(0);
  });
});

describe('bad input: one line on stderr and a nonzero status', () => {
  const oneLine = (s: string) => s.trimEnd().split('\n');

  it('a missing program', () => {
    const r = serval(['run', '/nonexistent/prog']);
    expect(oneLine(r.stderr)).toEqual(['serval: cannot read /nonexistent/prog: no such file']);
    expect(r.status).toBe(127); // as a shell reports a missing command
  });

  it('a file that is not an ELF', () => {
    const f = join(tmp(), 'script.sh');
    writeFileSync(f, '#!/bin/sh\necho hi\n');
    const r = serval(['run', f]);
    expect(oneLine(r.stderr)).toEqual([`serval: ${f} is not an ELF file (no \\x7fELF magic)`]);
    expect(r.status).toBe(126); // as a shell reports a file it cannot execute
  });

  it('a VM config with an unknown key', () => {
    const cfg = join(tmp(), 'bad.json');
    writeFileSync(cfg, JSON.stringify({ kernel: { path: 'builtin:demo' }, devices: [{ id: 'c', class: 'uart16550', options: { prot: 1 } }] }));
    const r = serval(['vm', 'boot', cfg]);
    expect(oneLine(r.stderr)).toEqual(['serval: config devices[0].options.prot: unknown key (known keys here: port, irq)']);
    expect(r.status).toBe(1);
  });

  it('an unknown option', () => {
    const r = serval(['vm', 'boot', '--frobnicate']);
    expect(oneLine(r.stderr)).toEqual(['serval: unknown option --frobnicate for "vm boot" (see serval help vm)']);
    expect(r.status).toBe(2);
  });

  it('an unknown command', () => {
    const r = serval(['launch']);
    expect(oneLine(r.stderr)).toEqual(['serval: unknown command "launch" (see serval help)']);
    expect(r.status).toBe(2);
  });
});
