// Parallel mode's speedup: a C program whose threads compute without sharing (bench/c/parallel.c)
// on a 2-core LWK, run deterministically (both cores interleaved in this thread) and in parallel
// mode (each core in a worker thread), timed in the same run. Prints the ratio; a number, not an
// assertion. Worker start-up (each loads iced-x86) is part of the parallel time.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Node } from '@serval/machine';
import { BufferedHostIo, Lwk } from '@serval/lwk';
import { fmt, median, record, ROOT, skipped, type Runs } from './common.js';

const WORKER = join(ROOT, 'packages/lwk/dist/parallel/worker-entry.js');

export function parallelBench(scale: number, reps: number, dir: string): void {
  const title = 'parallel mode: 2 threads computing apart on 2 cores (gcc -static -O2 -pthread)';
  const exe = join(dir, 'parallel');
  const cc = spawnSync('gcc', ['-static', '-O2', '-pthread', '-o', exe, join(ROOT, 'bench/c/parallel.c')], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return skipped(title, `gcc could not build it: ${cc.error?.message ?? cc.stderr}`);
  if (!existsSync(WORKER)) return skipped(title, `${WORKER} is missing: build the LWK first`);
  const args = ['2', String(Math.max(1, Math.round(scale)))];
  const expected = spawnSync(exe, args, { encoding: 'utf8' }).stdout;
  const runs: Runs = {};
  let instructions = 0;
  for (let i = 0; i < reps; i++) {
    for (const mode of ['deterministic', 'parallel'] as const) {
      const node = new Node({ cores: 2, memory: 512 * 1024 * 1024 });
      const io = new BufferedHostIo();
      const lwk = new Lwk(node, { io, parallel: mode === 'parallel' ? { workerFile: WORKER } : undefined });
      lwk.spawn(readFileSync(exe), { argv: ['parallel', ...args], path: exe });
      const t0 = process.hrtime.bigint();
      lwk.run();
      record(runs, { name: mode, seconds: Number(process.hrtime.bigint() - t0) / 1e9, status: 0 });
      if (io.stdout !== expected) throw new Error(`${mode} mode printed ${JSON.stringify(io.stdout)}, natively ${JSON.stringify(expected)}`);
      if (mode === 'deterministic') instructions = node.cores.reduce((a, c) => a + c.cpu.icount, 0);
    }
  }
  const det = median(runs.deterministic), par = median(runs.parallel);
  console.log(`\nworkload ${title}: ${instructions.toLocaleString('en-US')} guest instructions, medians of ${reps} run(s)`);
  console.log(`deterministic ${fmt(det).padStart(8)} s   ${fmt(instructions / det / 1e6).padStart(7)} MIPS`);
  console.log(`parallel      ${fmt(par).padStart(8)} s   ${fmt(instructions / par / 1e6).padStart(7)} MIPS`);
  console.log(`parallel speedup on 2 cores: ×${fmt(det / par)}`);
}
