// A CPU-bound C program (bench/c/cpu.c, built here with gcc -static -O2 against glibc) on the LWK,
// natively and under qemu-x86_64; every peer must print the same checksums.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Node } from '@serval/machine';
import { BufferedHostIo, Lwk } from '@serval/lwk';
import { external, record, report, ROOT, skipped, type Runs } from './common.js';

export function cprogBench(scale: number, reps: number, dir: string): void {
  const title = 'C program (sieve, qsort, hashing, double loop; gcc -static -O2)';
  const exe = join(dir, 'cpu');
  const cc = spawnSync('gcc', ['-static', '-O2', '-o', exe, join(ROOT, 'bench/c/cpu.c')], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return skipped(title, `gcc could not build it: ${cc.error?.message ?? cc.stderr}`);
  const arg = String(Math.max(1, Math.round(scale)));
  const expected = spawnSync(exe, [arg], { encoding: 'utf8' }).stdout;
  const runs: Runs = {};
  let instructions = 0;
  for (let i = 0; i < reps; i++) {
    const node = new Node({ cores: 1, memory: 512 * 1024 * 1024 });
    const io = new BufferedHostIo();
    const lwk = new Lwk(node, { io });
    lwk.spawn(readFileSync(exe), { argv: ['cpu', arg], path: exe });
    const t0 = process.hrtime.bigint();
    lwk.run();
    record(runs, { name: 'serval', seconds: Number(process.hrtime.bigint() - t0) / 1e9, status: 0 });
    const out = io.stdout;
    if (out !== expected) throw new Error(`the C program printed ${JSON.stringify(out)} on Serval, ${JSON.stringify(expected)} natively`);
    instructions = node.cores[0].cpu.icount;
    record(runs, external('native', exe, [arg]));
    record(runs, external('qemu-x86_64', 'qemu-x86_64', [exe, arg]));
  }
  report(title, instructions, runs);
}
