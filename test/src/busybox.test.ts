// Debian's busybox-static on the LWK against the same busybox run natively: stdout and exit
// status of every applet case, byte for byte (issue: unmodified static Linux binaries).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, serval } from './cli.js';
import { debianFile } from './debian.js';
import { tmp } from './tools.js';

const BUSYBOX = debianFile('busybox-static', 'bin/busybox');
const SCRIPT = join(ROOT, 'test/fixtures/busybox-applets.sh');
/** The applets the issue names; each must be exercised by the script. */
const REQUIRED = ['sh', 'echo', 'cat', 'ls', 'sort', 'uniq', 'wc', 'grep', 'sed', 'awk', 'tr', 'cut', 'head', 'tail', 'md5sum',
  'sha256sum', 'expr', 'seq', 'printf', 'test', 'find', 'xargs', 'tar', 'gzip', 'gunzip', 'od'];

/** Identical scratch paths on both sides (…/w), so nothing path-dependent differs. */
function scratch(): string {
  const d = tmp('serval-bb-');
  mkdirSync(join(d, 'w'));
  copyFileSync(SCRIPT, join(d, 'applets.sh'));
  return join(d, 'w');
}

describe.skipIf(!BUSYBOX)('busybox-static on the LWK', () => {
  it('the applet script exercises at least 40 applets, the issue\'s among them', () => {
    const applets = new Set(spawnSync(BUSYBOX!, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
    const used = new Set<string>();
    // Words in command position or after a pipe/separator of each case line.
    for (const line of readFileSync(SCRIPT, 'utf8').split('\n')) {
      for (const m of line.matchAll(/(?:^t |[|;&({]|&&|\|\||\$\(|\bxargs(?: -n ?\d)?|\bdo|\bthen)\s*['"]?([a-z0-9[][a-z0-9_-]*)/g)) {
        if (applets.has(m[1])) used.add(m[1]);
      }
    }
    used.add('sh'); // the script itself runs under busybox sh, and cases start `sh` again
    expect(REQUIRED.filter((a) => !used.has(a))).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(40);
  });

  it('runs the applet script with the same output and status as natively', () => {
    // The script sets PATH to nothing: busybox's shell runs its own applets, never the host's.
    const native = spawnSync(BUSYBOX!, ['sh', '../applets.sh'], { cwd: scratch(), encoding: 'utf8', env: { PATH: '/bin:/usr/bin', LANG: 'C' } });
    const ours = serval(['run', BUSYBOX!, 'sh', '../applets.sh'], { cwd: scratch() });
    const cases = Number(/cases: (\d+)/.exec(native.stdout)?.[1]);
    expect(cases).toBeGreaterThanOrEqual(120);
    // Compare case by case first, for a readable failure.
    const split = (s: string) => s.split(/^(?=--- \d+:)/m);
    const a = split(native.stdout), b = split(ours.stdout);
    for (let i = 0; i < Math.max(a.length, b.length); i++) expect(b[i], `case ${i}`).toBe(a[i]);
    expect(ours.status).toBe(native.status);
  }, 180_000);
});
