// The benchmark harness: each workload runs on Serval (the LWK, in this process) and on the peers
// available on this machine (natively, and under qemu-x86_64 when installed), in the same run;
// the table reports guest MIPS and time ratios against the peers. Numbers, not assertions.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { dirname, join as pjoin } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Node } from '@serval/machine';
import { BufferedHostIo, Lwk, MemFs } from '@serval/lwk';
import { loopWorkload, type Workload } from './workloads.js';

interface Result { name: string; seconds: number; status: number; instructions?: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const ROOT = pjoin(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUSYBOX = pjoin(ROOT, '.cache/debian/busybox-static/bin/busybox');

/** busybox sha256sum of a deterministic file, on Serval (in-memory root) and natively. */
function sha256Bench(mb: number, reps: number, dir: string): void {
  if (!existsSync(BUSYBOX)) { console.log('sha256sum: skipped (run scripts/fetch-debian.sh for busybox-static)'); return; }
  const data = new Uint8Array(mb * 1024 * 1024);
  let x = 12345;
  for (let i = 0; i < data.length; i++) { x = (Math.imul(x, 1103515245) + 12345) | 0; data[i] = x >>> 24; }
  const file = pjoin(dir, 'data.bin');
  writeFileSync(file, data);
  const bb = readFileSync(BUSYBOX);
  const runs: Record<string, number[]> = {};
  let instructions = 0;
  for (let i = 0; i < reps; i++) {
    const fs = new MemFs();
    fs.addFile('/data.bin', data);
    const node = new Node({ cores: 1, memory: 512 * 1024 * 1024 });
    const io = new BufferedHostIo();
    const lwk = new Lwk(node, { io, fs });
    lwk.spawn(bb, { argv: ['sha256sum', '/data.bin'], path: '/bin/busybox' });
    const t0 = process.hrtime.bigint();
    lwk.run();
    (runs.serval ??= []).push(Number(process.hrtime.bigint() - t0) / 1e9);
    instructions = node.cores[0].cpu.icount;
    const nat = external('native', BUSYBOX, ['sha256sum', file]);
    if (nat) (runs.native ??= []).push(nat.seconds);
    const q = external('qemu-x86_64', 'qemu-x86_64', [BUSYBOX, 'sha256sum', file]);
    if (q) (runs['qemu-x86_64'] ??= []).push(q.seconds);
  }
  report(`busybox sha256sum ${mb} MiB`, instructions, runs);
}

function report(title: string, instructions: number, runs: Record<string, number[]>): void {
  const serval = median(runs.serval);
  console.log(`workload ${title}: ${instructions.toLocaleString('en-US')} guest instructions on Serval, medians`);
  console.log('peer          seconds     MIPS   serval time / peer time');
  for (const [name, xs] of Object.entries(runs)) {
    const s = median(xs);
    console.log(`${name.padEnd(12)} ${fmt(s).padStart(8)} ${fmt(instructions / s / 1e6).padStart(8)}   ${name === 'serval' ? '' : `×${fmt(serval / s)}`}`);
  }
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
  return { name: 'serval', seconds, status: task.shellStatus ?? -1 };
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
  report(`${w.name} (CPU-bound loop)`, w.instructions, runs);
  sha256Bench(Math.max(1, Math.round(8 * scale)), reps, dir);
}

main();
