// The CPU-bound loop (workloads.ts): the same bytes on Serval, natively and under qemu-x86_64.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Node } from '@serval/machine';
import { BufferedHostIo, Lwk } from '@serval/lwk';
import { external, record, report, type Result, type Runs } from './common.js';
import { loopWorkload, type Workload } from './workloads.js';

function onServal(w: Workload): Result {
  const node = new Node({ cores: 1, memory: 256 * 1024 * 1024 });
  const lwk = new Lwk(node, { io: new BufferedHostIo() });
  const task = lwk.spawn(w.elf, { argv: [w.name], path: w.name });
  const t0 = process.hrtime.bigint();
  lwk.run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const retired = node.cores[0].cpu.icount;
  if (retired !== w.instructions) throw new Error(`${w.name}: Serval retired ${retired} instructions, expected ${w.instructions}`);
  return { name: 'serval', seconds, status: task.shellStatus ?? -1 };
}

export function loopBench(scale: number, reps: number, dir: string): void {
  const w = loopWorkload(Math.round(4_000_000 * scale));
  const exe = join(dir, w.name);
  writeFileSync(exe, w.elf);
  chmodSync(exe, 0o755);
  const runs: Runs = {};
  const add = (r: Result | undefined) => {
    if (r && r.status !== w.expectedStatus) throw new Error(`${w.name} on ${r.name} exited with ${r.status}, expected ${w.expectedStatus}`);
    record(runs, r);
  };
  for (let i = 0; i < reps; i++) {
    add(onServal(w));
    add(external('native', exe, []));
    add(external('qemu-x86_64', 'qemu-x86_64', [exe]));
  }
  report(`${w.name} (CPU-bound loop)`, w.instructions, runs);
}
