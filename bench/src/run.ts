// The benchmark harness: each workload runs on Serval (the LWK, in this process) and on the peers
// available on this machine (natively, and under qemu-x86_64 when installed), in the same run;
// the table reports guest MIPS and time ratios against the peers. Numbers, not assertions.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Node } from '@serval/machine';
import { BufferedHostIo, Lwk } from '@serval/lwk';
import { loopWorkload, type Workload } from './workloads.js';

interface Result { name: string; seconds: number; status: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function onServal(w: Workload): Result {
  const node = new Node({ cores: 1, memory: 256 * 1024 * 1024 });
  const lwk = new Lwk(node, { io: new BufferedHostIo() });
  const task = lwk.spawn(w.elf, { argv: [w.name], path: w.name });
  const t0 = process.hrtime.bigint();
  lwk.run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const retired = node.cores[0].cpu.icount;
  if (retired !== w.instructions) throw new Error(`${w.name}: Serval retired ${retired} instructions, expected ${w.instructions}`);
  return { name: 'serval', seconds, status: task.status ?? -1 };
}

function external(name: string, cmd: string, args: string[]): Result | undefined {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) return undefined;
  return { name, seconds, status: r.status ?? -1 };
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function main(): void {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  const reps = Number(process.env.BENCH_REPS ?? '3');
  const w = loopWorkload(Math.round(4_000_000 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'serval-bench-'));
  const exe = join(dir, w.name);
  writeFileSync(exe, w.elf);
  chmodSync(exe, 0o755);
  const runs: Record<string, number[]> = {};
  const add = (r: Result | undefined) => {
    if (!r) return;
    if (r.status !== w.expectedStatus) throw new Error(`${w.name} on ${r.name} exited with ${r.status}, expected ${w.expectedStatus}`);
    (runs[r.name] ??= []).push(r.seconds);
  };
  for (let i = 0; i < reps; i++) {
    add(onServal(w));
    add(external('native', exe, []));
    add(external('qemu-x86_64', 'qemu-x86_64', [exe]));
  }
  const serval = median(runs.serval);
  console.log(`workload ${w.name}: ${w.instructions.toLocaleString('en-US')} guest instructions, median of ${reps}`);
  console.log('peer          seconds     MIPS   serval time / peer time');
  for (const [name, xs] of Object.entries(runs)) {
    const s = median(xs);
    console.log(`${name.padEnd(12)} ${fmt(s).padStart(8)} ${fmt(w.instructions / s / 1e6).padStart(8)}   ${name === 'serval' ? '' : `×${fmt(serval / s)}`}`);
  }
}

main();
