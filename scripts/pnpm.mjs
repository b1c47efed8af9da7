#!/usr/bin/env node
// Finds (or installs into .tools/) the pinned pnpm and runs it. pnpm releases newer than the pin
// fail here (their other-platform builds are not served), so the version is checked, not assumed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const toolsBin = join(root, '.tools', 'node_modules', '.bin');

export function toolEnv() {
  return {
    ...process.env,
    PATH: `${toolsBin}${delimiter}${process.env.PATH ?? ''}`,
    TURBO_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
    npm_config_update_notifier: 'false',
  };
}

function versionOf(cmd) {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', env: toolEnv() });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export function pnpmCommand() {
  const local = join(toolsBin, 'pnpm');
  if (existsSync(local) && versionOf(local) === wanted) return local;
  if (versionOf('pnpm') === wanted) return 'pnpm';
  process.stderr.write(`serval: installing pnpm ${wanted} into .tools/\n`);
  execFileSync('npm', ['install', '--prefix', join(root, '.tools'), '--no-save', '--no-audit', '--no-fund',
    '--loglevel=error', `pnpm@${wanted}`], { stdio: 'inherit', env: toolEnv() });
  return local;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = spawnSync(pnpmCommand(), process.argv.slice(2), { cwd: process.cwd(), stdio: 'inherit', env: toolEnv() });
  process.exit(r.status ?? 1);
}
