// The benchmark harness: each workload runs on Serval and on the peers available on this machine
// (natively, qemu-x86_64, qemu-system-x86_64 -accel tcg) in the same run, and prints time ratios
// against them. Numbers, not assertions. `npm run bench -- [loop] [c] [sha256] [boot]` picks
// workloads (default: all); BENCH_SCALE and BENCH_REPS size them. `parallel` prints parallel mode's
// speedup on 2 cores over the deterministic mode.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootBench } from './boot.js';
import { cprogBench } from './cprog.js';
import { loopBench } from './loop.js';
import { parallelBench } from './parallel.js';
import { sha256Bench } from './sha256.js';

const ALL = ['loop', 'c', 'sha256', 'boot', 'parallel'];

async function main(): Promise<void> {
  const picked = process.argv.slice(2);
  for (const p of picked) if (!ALL.includes(p)) throw new Error(`unknown workload "${p}" (choose from ${ALL.join(', ')})`);
  const want = (w: string) => picked.length === 0 || picked.includes(w);
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const reps = process.env.BENCH_REPS ? Number(process.env.BENCH_REPS) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'serval-bench-'));
  if (want('loop')) loopBench(scale, reps ?? 3, dir);
  if (want('c')) cprogBench(scale, reps ?? 3, dir);
  // The sizes: sha256sum of 100 MB; the heavy workloads run once unless asked.
  if (want('sha256')) sha256Bench(Math.max(1, Math.round(100 * scale)), reps ?? 1, dir);
  if (want('boot')) await bootBench(reps ?? 1, dir);
  if (want('parallel')) parallelBench(scale, reps ?? 3, dir);
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
