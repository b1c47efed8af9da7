// The C programs of test/fixtures/c, built on demand with both C libraries (static), once each.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { tmp } from './tools.js';

const C_FIXTURES = join(ROOT, 'test/fixtures/c');

export const LIBCS = [
  { libc: 'glibc', cc: 'gcc', flags: ['-pthread'] },
  { libc: 'musl', cc: 'musl-gcc', flags: [] as string[] },
];

/** A function that builds fixture `name` with this C library (the first time) and returns its path. */
export function fixtureBuilder({ libc, cc, flags }: (typeof LIBCS)[number], prefix: string): (name: string) => string {
  const out = tmp(`${prefix}-${libc}-`);
  const built = new Map<string, string>();
  return (name) => {
    let path = built.get(name);
    if (!path) {
      path = join(out, `${name}.${libc}`);
      execFileSync(cc, ['-static', '-O2', ...flags, '-o', path, join(C_FIXTURES, `${name}.c`), '-lm'], { stdio: 'pipe' });
      built.set(name, path);
    }
    return path;
  };
}
