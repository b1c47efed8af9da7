// What every bench workload shares: timing peers in the same run and printing ratios.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUSYBOX = join(ROOT, '.cache/debian/busybox-static/bin/busybox');

export interface Result { name: string; seconds: number; status: number }
export type Runs = Record<string, number[]>;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** Runs a command of the real machine to completion; undefined when it is not installed. */
export function external(name: string, cmd: string, args: string[]): Result | undefined {
  if (cmd.includes('/') && !existsSync(cmd)) return undefined;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) return undefined;
  return { name, seconds, status: r.status ?? -1 };
}

export function record(runs: Runs, r: Result | undefined): void {
  if (r) (runs[r.name] ??= []).push(r.seconds);
}

/** One table: each peer's median time, guest MIPS, and Serval's time as a multiple of the peer's. */
export function report(title: string, instructions: number | undefined, runs: Runs): void {
  const serval = median(runs.serval);
  const what = instructions ? `${instructions.toLocaleString('en-US')} guest instructions on Serval, ` : '';
  console.log(`\nworkload ${title}: ${what}medians of ${runs.serval.length} run(s)`);
  console.log(`peer                 seconds ${instructions ? '    MIPS' : ''}   serval time / peer time`);
  for (const [name, xs] of Object.entries(runs)) {
    const s = median(xs);
    const mips = instructions ? fmt(instructions / s / 1e6).padStart(8) : '';
    console.log(`${name.padEnd(18)} ${fmt(s).padStart(9)} ${mips}   ${name === 'serval' ? '' : `×${fmt(serval / s)}`}`);
  }
}

export function skipped(title: string, why: string): void {
  console.log(`\nworkload ${title}: skipped (${why})`);
}
