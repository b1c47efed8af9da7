// Static C programs built here from test/fixtures/c, with glibc (gcc -static) and musl
// (musl-gcc -static), run natively and on the LWK over 4 cores: stdout and exit status must be
// identical. They cover pthreads across cores, printf of float/double/long double, malloc and
// mmap, files, signals (handlers, SIGSEGV with sigaltstack, masks, alarm, death by a signal) and
// fork/exec/wait, ptrace, and modify_ldt with the selectors a signal frame records.
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { tmp, tool } from './tools.js';
import { fixtureBuilder, LIBCS } from './c-fixtures.js';

const PROGRAMS: { name: string; args?: string[] }[] = [
  { name: 'threads' }, { name: 'float' }, { name: 'memory' }, { name: 'files' },
  { name: 'signals' }, { name: 'signals', args: ['abort'] }, { name: 'forkexec' }, { name: 'ptrace' }, { name: 'ldt' },
];

for (const lib of LIBCS) {
  const { libc, cc } = lib;
  describe.skipIf(!tool(cc))(`static ${libc} programs on the LWK`, () => {
    const exe = fixtureBuilder(lib, 'serval-c');
    for (const { name, args = [] } of PROGRAMS) {
      it(`${[name, ...args].join(' ')}: same output and status as natively`, () => {
        const program = exe(name);
        const native = spawnSync(program, args, { cwd: tmp(), encoding: 'utf8', timeout: 60_000 });
        const ours = serval(['run', '--cores', '4', program, ...args], { cwd: tmp() });
        expect(native.stdout.length).toBeGreaterThan(0);
        expect(ours.stdout).toBe(native.stdout);
        // spawnSync reports a signal death by name; the shell's 128 + signal is what serval exits with.
        const nativeStatus = native.status ?? 128 + constants.signals[native.signal!];
        expect(ours.status).toBe(nativeStatus);
      }, 180_000);
    }
  });
}
