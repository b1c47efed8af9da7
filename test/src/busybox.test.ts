// Debian's busybox-static on the LWK against the same busybox run natively: stdout and exit
// status of every applet case, byte for byte (issue: unmodified static Linux binaries).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, serval } from './cli.js';
import { debianFile } from './debian.js';
import { tmp } from './tools.js';

const BUSYBOX = debianFile('busybox-static', 'bin/busybox');
const SCRIPT = join(ROOT, 'test/fixtures/busybox-applets.sh');

function scratch(): string {
  const d = tmp('serval-bb-');
  mkdirSync(join(d, 'w'));
  copyFileSync(SCRIPT, join(d, 'applets.sh'));
  return join(d, 'w');
}

describe.skipIf(!BUSYBOX)('busybox-static on the LWK', () => {
  it('runs the applet script with the same output and status as natively', () => {
    const native = spawnSync(BUSYBOX!, ['sh', '../applets.sh'], { cwd: scratch(), encoding: 'utf8', env: { PATH: '/bin:/usr/bin', LANG: 'C' } });
    const ours = serval(['run', BUSYBOX!, 'sh', '../applets.sh'], { cwd: scratch() });
    const cases = Number(/cases: (\d+)/.exec(native.stdout)?.[1]);
    expect(cases).toBeGreaterThanOrEqual(70);
    // Compare case by case first, for a readable failure.
    const split = (s: string) => s.split(/^(?=--- \d+:)/m);
    const a = split(native.stdout), b = split(ours.stdout);
    for (let i = 0; i < Math.max(a.length, b.length); i++) expect(b[i], `case ${i}`).toBe(a[i]);
    expect(ours.status).toBe(native.status);
  });
});
