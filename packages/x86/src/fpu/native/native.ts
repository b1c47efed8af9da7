// Test support: runs x87 instruction bytes on this machine's FPU through runner.c (built with gcc
// once per content hash into the OS temp directory). Not used by the engine itself.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fixed addresses shared with runner.c: code goes anywhere in [CODE_BASE, +1 MiB), data at DATA_BASE. */
export const CODE_BASE = 0x200000;
export const CODE_SIZE = 0x100000;
export const DATA_BASE = 0x300000;

export interface NativeCase {
  /** Where the instruction bytes go (absolute; FIP reports it). */
  codeAddr: number;
  code: Uint8Array;
  /** 512-byte FXSAVE64 image loaded before the code runs. */
  fx: Uint8Array;
  /** Bytes placed at DATA_BASE. */
  data: Uint8Array;
  rflags?: number;
  rax?: number;
}

export interface NativeResult {
  /** 0, or the signal number that stopped the code (SIGFPE 8 for #MF, SIGSEGV 11, SIGILL 4). */
  signal: number;
  faultRip: number;
  rflags: number;
  rax: bigint;
  /** FXSAVE64 image after the code (or at the fault). */
  fx: Uint8Array;
  /** FNSTENV (32-bit layout) after the code: FIP/FDP/FOP as this CPU keeps them (zero after a signal). */
  env: Uint8Array;
  data: Uint8Array;
}

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'runner.c');
const MISSING = 'gcc not found: the x87 reference tests need gcc (apt-get install -y gcc)';
let built: string | null | undefined;

/** Path of the runner binary, or null when gcc is missing. */
export function nativeRunner(): string | null {
  if (built !== undefined) return built;
  const src = readFileSync(SOURCE);
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'serval-x87');
  const bin = join(dir, `runner-${hash}`);
  if (existsSync(bin)) return (built = bin);
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  const r = spawnSync('gcc', ['-O2', '-mno-red-zone', '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return (built = null);
    throw new Error(`building the x87 runner failed: ${r.stderr || r.error}`);
  }
  renameSync(tmp, bin);
  return (built = bin);
}

/**
 * For tests: the runner, or a skip (a failure under SERVAL_REQUIRE_TOOLS=1) when gcc is missing.
 * Returns false when the test was skipped.
 */
export function requireNative(ctx: { skip: (note?: string) => void }): boolean {
  if (nativeRunner()) return true;
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(MISSING);
  ctx.skip(MISSING);
  return false;
}

export function runNative(cases: NativeCase[]): NativeResult[] {
  const bin = nativeRunner();
  if (!bin) throw new Error(MISSING);
  let size = 0;
  for (const c of cases) size += 32 + c.code.length + 512 + c.data.length;
  const input = Buffer.alloc(size);
  let p = 0;
  for (const c of cases) {
    if (c.fx.length !== 512) throw new Error('fx image must be 512 bytes');
    input.writeUInt32LE(c.codeAddr, p);
    input.writeUInt32LE(c.code.length, p + 4);
    input.writeUInt32LE(c.data.length, p + 8);
    input.writeBigUInt64LE(BigInt(c.rflags ?? 0x202), p + 16);
    input.writeBigUInt64LE(BigInt.asUintN(64, BigInt(c.rax ?? 0)), p + 24);
    p += 32;
    input.set(c.code, p); p += c.code.length;
    input.set(c.fx, p); p += 512;
    input.set(c.data, p); p += c.data.length;
  }
  const r = spawnSync(bin, [], { input, maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) throw new Error(`x87 runner failed (status ${r.status}): ${r.error ?? ''}`);
  const out = r.stdout;
  const res: NativeResult[] = [];
  p = 0;
  for (const c of cases) {
    const signal = out.readUInt32LE(p);
    const faultRip = Number(out.readBigUInt64LE(p + 8));
    const rflags = Number(out.readBigUInt64LE(p + 16));
    const rax = out.readBigUInt64LE(p + 24);
    p += 32;
    const fx = new Uint8Array(out.subarray(p, p + 512)); p += 512;
    const env = new Uint8Array(out.subarray(p, p + 28)); p += 28;
    const data = new Uint8Array(out.subarray(p, p + c.data.length)); p += c.data.length;
    res.push({ signal, faultRip, rflags, rax, fx, env, data });
  }
  if (p !== out.length) throw new Error(`x87 runner: ${out.length - p} unexpected trailing bytes`);
  return res;
}
