#!/usr/bin/env node
// Brings a fresh checkout to a built state with nothing but Node 20 and npm on the machine:
// pnpm (pinned) into .tools/ when the machine has no matching one, the workspace's dependencies
// from the lockfile, then a turbo build. Safe to run again; each step is a no-op when current.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pnpmCommand, toolEnv } from './pnpm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: toolEnv() });

const pnpm = pnpmCommand();
const lockfile = join(root, 'pnpm-lock.yaml');
run(pnpm, ['install', existsSync(lockfile) ? '--frozen-lockfile' : '--no-frozen-lockfile', '--reporter=silent']);
run(pnpm, ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
