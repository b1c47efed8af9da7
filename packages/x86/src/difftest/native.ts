// Builds the native harness with gcc (once per process, into a temporary directory) and runs a
// batch of cases through it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeOutput, encodeInput, type NativeRun, type Run } from './format.js';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'native', 'harness.c');

export function hasGcc(): boolean {
  return spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** True on the only host the harness can run on: Linux on x86-64. */
export function nativeSupported(): boolean {
  return process.platform === 'linux' && process.arch === 'x64';
}

let built: { dir: string; exe: string } | undefined;

function build(): { dir: string; exe: string } {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'serval-difftest-'));
  const exe = join(dir, 'harness');
  const r = spawnSync('gcc', ['-O2', '-std=gnu11', '-Wall', '-o', exe, SOURCE], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed to build the difftest harness:\n${r.stderr || r.error}`);
  built = { dir, exe };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return built;
}

/** Why the harness cannot be built here (gcc without the C library headers...), or undefined. */
export function harnessProblem(): string | undefined {
  try {
    build();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Runs every case of `run` on the host CPU. */
export function runNative(run: Run): NativeRun {
  const { dir, exe } = build();
  const input = join(dir, `in-${process.pid}.bin`), output = join(dir, `out-${process.pid}.bin`);
  writeFileSync(input, encodeInput(run));
  try {
    const r = spawnSync(exe, [input, output], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`difftest harness failed (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
    return decodeOutput(new Uint8Array(readFileSync(output)), run);
  } finally {
    rmSync(input, { force: true });
    rmSync(output, { force: true });
  }
}
