// Runs the built `serval` command the way a user does.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(ROOT, 'apps', 'cli', 'dist', 'serval.cjs');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function serval(args: string[], opts: { input?: string; cwd?: string; timeoutMs?: number } = {}): CliResult {
  if (!existsSync(BUNDLE)) throw new Error(`the CLI is not built (${BUNDLE} is missing): run npm run build`);
  const r = spawnSync(join(ROOT, 'serval'), args, { input: opts.input ?? '', encoding: 'utf8', cwd: opts.cwd ?? ROOT, timeout: opts.timeoutMs ?? 120_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
