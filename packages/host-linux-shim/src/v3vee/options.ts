// The v3vee module's options and the arguments of its control operations: cpu lists and sizes,
// checked completely before anything changes.
import { ShimError } from '../errors.js';

const MB = 1024 * 1024;

export function parseCpuList(s: string, what: string): number[] {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new ShimError('EINVAL', `${what}: "${s}" is not a cpu list (try cpus=1-3 or cpus=1,2)`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new ShimError('EINVAL', `${what}: range ${part} is backwards`);
    if (b - a > 1024) throw new ShimError('EINVAL', `${what}: range ${part} is out of range`);
    for (let i = a; i <= b; i++) {
      if (out.includes(i)) throw new ShimError('EINVAL', `${what}: cpu ${i} is listed twice`);
      out.push(i);
    }
  }
  return out;
}

/** A size such as 128M: at least 2 MiB and a multiple of it (the granularity of VM memory). */
export function parseSize(s: unknown, what: string): number {
  const m = typeof s === 'string' ? /^(\d+)([kmg]?)$/i.exec(s.trim()) : undefined;
  const n = typeof s === 'number' ? s : m ? Number(m[1]) * ({ '': 1, k: 1024, m: MB, g: 1024 * MB } as Record<string, number>)[m[2].toLowerCase()] : NaN;
  if (Number.isNaN(n)) throw new ShimError('EINVAL', `${what}: "${String(s)}" is not a size (try 128M)`);
  if (!Number.isSafeInteger(n) || n < 2 * MB || n % (2 * MB)) throw new ShimError('EINVAL', `${what}: ${String(s)} must be a multiple of 2M and at least 2M`);
  return n;
}

export interface ModuleOptions {
  cpus: number[];
  mem: number;
}

const KNOWN = ['cpus', 'mem'];

export function parseModuleOptions(options: Record<string, string>): ModuleOptions {
  for (const k of Object.keys(options)) {
    if (!KNOWN.includes(k)) throw new ShimError('EINVAL', `v3vee: unknown module option "${k}" (options: cpus=LIST mem=SIZE)`);
  }
  return {
    cpus: parseCpuList(options.cpus ?? '1', 'v3vee cpus'),
    mem: parseSize(options.mem ?? '128M', 'v3vee mem'),
  };
}

/** A whole number argument of a control operation. */
export function intArg(v: unknown, what: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new ShimError('EINVAL', `${what}: ${JSON.stringify(v) ?? 'nothing'} is not a whole number from ${min} to ${max}`);
  return n;
}

export function strArg(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ShimError('EINVAL', `${what}: expected a file name, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}
