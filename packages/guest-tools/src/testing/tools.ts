// Test support: Debian's own tools (xz, cpio, lz4, ...) and downloaded Debian packages are the
// references. Tests that need one skip with a visible reason when it is missing, except under CI
// (SERVAL_REQUIRE_TOOLS=1), where a missing reference is a failure (same rule as test/src/tools.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface Skippable { skip(note?: string): void }

function missing(ctx: Skippable, why: string): false {
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(`${why} (CI provides it)`);
  ctx.skip(why);
  return false;
}

/** Whether `cmd` runs; skips the test (or fails under CI) when it does not. */
export function requireTool(ctx: Skippable, cmd: string, debPackage = cmd): boolean {
  if (spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0) return true;
  return missing(ctx, `${cmd} is not installed (apt-get install -y ${debPackage})`);
}

/**
 * The first file in .cache/debian/<dir>/<subdir> whose name starts with `prefix` (downloaded by
 * scripts/fetch-debian.sh); skips (or fails under CI) when there is none.
 */
export function debianFile(ctx: Skippable, dir: string, subdir: string, prefix: string): string | undefined {
  const d = join(REPO_ROOT, '.cache', 'debian', dir, subdir);
  const name = existsSync(d) ? readdirSync(d).sort().find((f) => f.startsWith(prefix)) : undefined;
  if (name) return join(d, name);
  missing(ctx, `${dir}/${subdir}/${prefix}* is not downloaded (run scripts/fetch-debian.sh)`);
  return undefined;
}

/** Runs a tool on `input`, returning stdout; throws with its stderr when it fails. */
export function run(cmd: string, args: string[], input?: Uint8Array): Buffer {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString() ?? r.error}`);
  return r.stdout;
}

/** Deterministic pseudo-random bytes (xorshift32), so tests do not depend on a seed. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x;
  }
  return out;
}

/** Compressible text: words drawn from a small vocabulary, like logs or configuration files. */
export function textBytes(n: number, seed = 7): Uint8Array {
  const words = ['kernel', 'serval', 'memory', 'page', 'the', 'of', 'CONFIG_', '=y\n', 'x86_64', ' ', 'vmlinux', '0x1000', 'boot', '\n', 'init'];
  const r = randomBytes(n, seed);
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const w = words[r[i % n] % words.length];
    parts.push(w);
    len += w.length;
  }
  return new TextEncoder().encode(parts.join('')).subarray(0, n);
}
