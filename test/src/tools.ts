// External reference tools (gcc, nasm, qemu): tests that need one skip with a visible reason when
// it is missing, except under CI (SERVAL_REQUIRE_TOOLS=1), where a missing tool is a failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasTool(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Returns whether `cmd` is usable; throws under CI when it is not. */
export function tool(cmd: string): boolean {
  if (hasTool(cmd)) return true;
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(`${cmd} is required for this test (CI installs it: see .ci/run)`);
  console.warn(`skipping: ${cmd} is not installed`);
  return false;
}

export function tmp(prefix = 'serval-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function gcc(args: string[]): void {
  execFileSync('gcc', args, { stdio: 'pipe' });
}
