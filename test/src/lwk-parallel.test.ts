// Parallel mode (`serval run --parallel`): each core's threads run in a worker thread, at the same
// time as the other cores'. test/fixtures/c/parallel.c hammers shared memory from threads on
// different cores with every kind of locked instruction, an XCHG spinlock, a pthread mutex and a
// futex barrier, then has one thread rewrite code that the others run; its totals come out exact
// only if all of that is atomic and coherent across host threads. Built with glibc and musl, it
// must print what it prints natively; so must its `orphan` mode, where a child exits while its
// other thread is still running on another core, and fork/exec under --parallel. The default mode must stay deterministic: two runs give the
// same bytes and the same instruction count and virtual time.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { debianFile } from './debian.js';
import { tmp, tool } from './tools.js';
import { fixtureBuilder, LIBCS } from './c-fixtures.js';

for (const lib of LIBCS) {
  const { libc, cc } = lib;
  describe.skipIf(!tool(cc))(`parallel cores with ${libc}`, () => {
    const exe = fixtureBuilder(lib, 'serval-par');
    const natives = new Map<string, SpawnSyncReturns<string>>();
    /** The fixture's output natively with `threads` threads. */
    const reference = (threads: string): SpawnSyncReturns<string> => {
      let r = natives.get(threads);
      if (!r) natives.set(threads, r = spawnSync(exe('parallel'), [threads], { encoding: 'utf8', timeout: 60_000 }));
      return r;
    };

    it('natively, the fixture gets every total right (the reference)', () => {
      const native = reference('2');
      expect(native.status).toBe(0);
      expect(native.stdout).toContain('all totals correct');
    });

    it('--parallel on 2 cores: locked counters, XCHG spinlock, mutex, futex barrier and rewritten code all exact', () => {
      const r = serval(['run', '--cores', '2', '--parallel', exe('parallel'), '2'], { timeoutMs: 300_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(reference('2').stdout);
      expect(r.status).toBe(0);
    }, 320_000);

    it('--parallel with more threads than host cores (4 on 4 LWK cores)', () => {
      const r = serval(['run', '--cores', '4', '--parallel', exe('parallel'), '4'], { timeoutMs: 300_000 });
      expect(r.stdout).toBe(reference('4').stdout);
      expect(r.status).toBe(0);
    }, 320_000);

    it('--parallel: fork, exec and wait across cores give the native output', () => {
      const forkexec = exe('forkexec');
      const want = spawnSync(forkexec, [], { encoding: 'utf8', cwd: tmp(), timeout: 60_000 });
      const r = serval(['run', '--cores', '4', '--parallel', forkexec], { cwd: tmp(), timeoutMs: 300_000 });
      expect(r.stdout).toBe(want.stdout);
      expect(r.status).toBe(want.status);
    }, 320_000);

    it('--parallel: a child exits while its other thread still runs on another core; the parent goes on unharmed', () => {
      const program = exe('parallel');
      const want = spawnSync(program, ['orphan'], { encoding: 'utf8', timeout: 60_000 });
      expect(want.stdout).toBe('orphan: memory intact\n');
      const r = serval(['run', '--cores', '2', '--parallel', program, 'orphan'], { timeoutMs: 300_000 });
      expect(r.stdout).toBe(want.stdout);
      expect(r.status).toBe(0);
    }, 320_000);

    it('the default mode repeats exactly: same output, instruction count and virtual time', () => {
      const runs = [0, 1].map(() => serval(['run', '--cores', '2', '--stats', exe('parallel'), '2'], { timeoutMs: 300_000 }));
      for (const r of runs) {
        expect(r.stdout).toBe(reference('2').stdout);
        expect(r.status).toBe(0);
        expect(r.stderr).toMatch(/^serval: instructions=\d+ virtual_ns=\d+\n$/);
      }
      expect(runs[1].stdout).toBe(runs[0].stdout);
      expect(runs[1].stderr).toBe(runs[0].stderr);
    }, 620_000);
  });
}

const BUSYBOX = debianFile('busybox-static', 'bin/busybox');

// A shell's pipelines put each process on its own core; `yes | head` ends `yes` with SIGPIPE while
// the shell waits on the other core, which must wake it there.
describe.skipIf(!BUSYBOX)('busybox sh in parallel mode', () => {
  it('pipelines, subshells and SIGPIPE give the native output and status', () => {
    const script = 'seq 1 3000 | sort -r | md5sum; for i in 1 2 3; do echo $i | sed s/1/one/; done | tr a-z A-Z; ' +
      '(echo sub; exit 3); echo "st $?"; yes | head -4000 | wc -l; exit 7';
    const want = spawnSync(BUSYBOX!, ['sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(want.status).toBe(7);
    for (let k = 0; k < 3; k++) {
      const r = serval(['run', '--cores', '2', '--parallel', BUSYBOX!, 'sh', '-c', script], { timeoutMs: 300_000 });
      expect(r.stdout).toBe(want.stdout);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(7);
    }
  }, 600_000);
});
