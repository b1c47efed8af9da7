// Parallel mode's speedup: a C program whose threads compute without sharing (bench/c/parallel.c)
// on a 2-core LWK, run by the serval command deterministically (both cores interleaved in one
// thread) and with --parallel (each core in a worker thread). Each run is a fresh process, so both
// start cold (a worker compiles the code it runs itself, and V8 warms up per thread). Prints the
// ratio: a number, not an assertion.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, median, record, ROOT, skipped, type Runs } from './common.js';

const CLI = join(ROOT, 'apps/cli/dist/serval.cjs');

export function parallelBench(scale: number, reps: number, dir: string): void {
  const title = 'parallel mode: 2 threads computing apart on 2 cores (gcc -static -O2 -pthread)';
  const exe = join(dir, 'parallel');
  const cc = spawnSync('gcc', ['-static', '-O2', '-pthread', '-o', exe, join(ROOT, 'bench/c/parallel.c')], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return skipped(title, `gcc could not build it: ${cc.error?.message ?? cc.stderr}`);
  if (!existsSync(CLI)) return skipped(title, `${CLI} is missing: build the CLI first`);
  const args = ['2', String(Math.max(1, Math.round(scale)))];
  const expected = spawnSync(exe, args, { encoding: 'utf8' }).stdout;
  const runs: Runs = {};
  let instructions = 0;
  for (let i = 0; i < reps; i++) {
    for (const mode of ['deterministic', 'parallel'] as const) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [CLI, 'run', '--cores', '2', '--stats', ...(mode === 'parallel' ? ['--parallel'] : []), exe, ...args], { encoding: 'utf8' });
      record(runs, { name: mode, seconds: Number(process.hrtime.bigint() - t0) / 1e9, status: r.status ?? -1 });
      if (r.stdout !== expected) throw new Error(`${mode} mode printed ${JSON.stringify(r.stdout)} (${r.stderr.trim()}), natively ${JSON.stringify(expected)}`);
      const m = /instructions=(\d+)/.exec(r.stderr);
      if (mode === 'deterministic' && m) instructions = Number(m[1]);
    }
  }
  const det = median(runs.deterministic), par = median(runs.parallel);
  console.log(`\nworkload ${title}: ${instructions.toLocaleString('en-US')} guest instructions, medians of ${reps} run(s) of the serval command`);
  console.log(`deterministic ${fmt(det).padStart(8)} s   ${fmt(instructions / det / 1e6).padStart(7)} MIPS`);
  console.log(`--parallel    ${fmt(par).padStart(8)} s   ${fmt(instructions / par / 1e6).padStart(7)} MIPS`);
  console.log(`parallel speedup on 2 cores: ×${fmt(det / par)}`);
}
