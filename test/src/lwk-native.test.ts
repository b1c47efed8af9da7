// The LWK-native API from C: a sample runtime (test/fixtures/c/native-runtime.c) asks the kernel
// for its cores, puts a worker task on each with lwk_task_create, and keeps results in physical
// memory it maps itself. Natively the same binary finds every native call answering -ENOSYS.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, serval } from './cli.js';
import { gcc, tmp, tool } from './tools.js';

const HAS_GCC = tool('gcc');

function build(): string {
  const exe = join(tmp(), 'native-runtime');
  gcc(['-static', '-O2', '-fno-stack-protector', '-I', join(ROOT, 'packages/lwk/include'), '-o', exe, join(ROOT, 'test/fixtures/c/native-runtime.c')]);
  return exe;
}

/** "part I [lo, hi) on core C: ok" lines as [I, C, ok]. */
function parts(out: string): [number, number, string][] {
  return [...out.matchAll(/^part (\d+) \[\d+, \d+\) on core (\d+): (\w+)$/gm)].map((m) => [Number(m[1]), Number(m[2]), m[3]]);
}

describe.skipIf(!HAS_GCC)('a native runtime on the LWK', () => {
  const exe = HAS_GCC ? build() : '';

  it('natively, the native calls are -ENOSYS (their numbers are free on Linux)', () => {
    const r = spawnSync(exe, [], { encoding: 'utf8' });
    expect(r.stdout).toBe('not on the Serval LWK: lwk_sys_info returned -38\n');
    expect(r.status).toBe(2);
  });

  it('spreads one worker over each of its cores and gets every part right', () => {
    const r = serval(['run', '--cores', '4', exe]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('LWK ABI 1: 4 of 4 cores are mine: 0 1 2 3; main runs on core 0\n');
    expect(r.stdout).toMatch(/^physical memory: 512 MiB in \d+ regions, 1024 KiB kernel$/m);
    expect(parts(r.stdout)).toEqual([[0, 0, 'ok'], [1, 1, 'ok'], [2, 2, 'ok'], [3, 3, 'ok']]);
    expect(r.stdout).toContain('3 workers started; sum of squares below 120000 = 575992800020000 (right)\n');
    expect(r.status).toBe(0);
  });

  it('uses only the cores it is given', () => {
    const r = serval(['run', '--cores', '0,2-3', exe]);
    expect(r.stdout).toContain('3 of 4 cores are mine: 0 2 3;');
    expect(parts(r.stdout)).toEqual([[0, 0, 'ok'], [1, 2, 'ok'], [2, 3, 'ok']]);
    expect(r.status).toBe(0);
  });
});
