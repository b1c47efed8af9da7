// Job launch: serval run -n RANKS --cores ... --heap ... --large-pages ... places ranks as
// Pisces/Kitten's LAUNCH_JOB does, labels their output, and exits with the worst rank's status;
// --initrd gives the job a private file system from a cpio archive.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCpio } from '@serval/guest-tools';
import { describe, expect, it } from 'vitest';
import { ROOT, serval } from './cli.js';
import { gcc, tmp, tool } from './tools.js';

const HAS_GCC = tool('gcc');
const dir = tmp('serval-job-');
const exe = join(dir, 'native-job');
if (HAS_GCC) gcc(['-static', '-O2', '-I', join(ROOT, 'packages/lwk/include'), '-o', exe, join(ROOT, 'test/fixtures/c/native-job.c')]);

/** Lines sorted, so the test does not depend on how ranks interleave. */
const sorted = (s: string) => s.split('\n').filter(Boolean).sort();

describe.skipIf(!HAS_GCC)('serval run -n', () => {
  it('puts each rank on its own core and labels its lines', () => {
    const r = serval(['run', '-n', '4', exe, 'where']);
    expect(sorted(r.stdout)).toEqual([0, 1, 2, 3].map((i) => `[${i}] rank ${i} of 4 on core ${i} (1 cores), pages up to 1048576 KiB, SERVAL_RANK=${i}`));
    expect(r.status).toBe(0);
  });

  it('shares the listed cores out evenly, with the page-size policy', () => {
    const r = serval(['run', '-n', '2', '--cores', '2-5', '--large-pages', '2m', exe, 'where']);
    expect(sorted(r.stdout)).toEqual([
      '[0] rank 0 of 2 on core 2 (2 cores), pages up to 2048 KiB, SERVAL_RANK=0',
      '[1] rank 1 of 2 on core 4 (2 cores), pages up to 2048 KiB, SERVAL_RANK=1',
    ]);
  });

  it('gives each rank a fixed heap: brk stays inside it', () => {
    const fixed = serval(['run', '-n2', '--heap', '32M', exe, 'heap', '20']);
    expect(sorted(fixed.stdout)).toEqual(['[0] rank 0: 20 MiB of heap ok, 20 MiB more refused', '[1] rank 1: 20 MiB of heap ok, 20 MiB more refused']);
    const growing = serval(['run', '-n2', exe, 'heap', '20']);
    expect(sorted(growing.stdout)).toEqual(['[0] rank 0: 20 MiB of heap ok, 20 MiB more ok', '[1] rank 1: 20 MiB of heap ok, 20 MiB more ok']);
  });

  it('with --smartmap, every rank reads every rank\'s memory', () => {
    const r = serval(['run', '-n', '4', '--smartmap', exe, 'smartmap']);
    expect(sorted(r.stdout)).toEqual([0, 1, 2, 3].map((i) => `[${i}] rank ${i} sees the sum 4014`));
    expect(r.status).toBe(0);
    const without = serval(['run', '-n', '2', exe, 'smartmap']);
    expect(sorted(without.stdout)).toEqual(['[0] rank 0: no SMARTMAP', '[1] rank 1: no SMARTMAP']);
    expect(without.status).toBe(1);
  });

  it('exits with the worst rank\'s status', () => {
    const r = serval(['run', '-n', '3', exe, 'fail', '1', '7']);
    expect(sorted(r.stdout)).toEqual(['[0] rank 0 exits with 0', '[1] rank 1 exits with 7', '[2] rank 2 exits with 0']);
    expect(r.status).toBe(7);
  });

  it('gives stdin to rank 0 only', () => {
    const r = serval(['run', '-n', '2', exe, 'stdin'], { input: 'twelve bytes' });
    expect(sorted(r.stdout)).toEqual(['[0] rank 0 read 12 bytes of stdin', '[1] rank 1 read 0 bytes of stdin']);
  });

  it('refuses more ranks than cores, and bad options, with a usage message', () => {
    const r = serval(['run', '-n', '3', '--cores', '2', exe, 'where']);
    expect(r.stderr).toContain('3 ranks need 3 cores, one each; the job has 2 (0,1)');
    expect(r.status).not.toBe(0);
    expect(serval(['run', '--large-pages', '4m', exe]).stderr).toContain('--large-pages 4m is not one of 1g, 2m, none');
    expect(serval(['run', '--cores', '3-1', exe]).stderr).toContain('is not a range of cores');
  });
});

describe.skipIf(!HAS_GCC)('serval run --initrd', () => {
  it('runs the program from the archive, which is the whole file system', () => {
    const hostFile = join(dir, 'host-only.txt');
    writeFileSync(hostFile, 'on the host\n');
    const archive = join(dir, 'job.cpio');
    writeFileSync(archive, buildCpio([
      { type: 'dir', path: 'bin' },
      { type: 'file', path: 'bin/job', data: new Uint8Array(readFileSync(exe)), mode: 0o755 },
      { type: 'file', path: 'etc/motd', data: 'from the initrd\n' },
    ]));
    const r = serval(['run', '--initrd', archive, '/bin/job', 'cat', '/etc/motd']);
    expect(r.stdout).toBe('from the initrd\n');
    expect(r.status).toBe(0);
    const host = serval(['run', '--initrd', archive, '/bin/job', 'cat', hostFile]);
    expect(host.stdout).toBe(`cannot open ${hostFile}\n`);
    expect(serval(['run', exe, 'cat', hostFile]).stdout).toBe('on the host\n');
    expect(serval(['run', '--initrd', archive, '--root', dir, '/bin/job']).stderr).toContain('pick one');
  });
});
