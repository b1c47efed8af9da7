// Test support: runs SSE instruction bytes on this machine's CPU through runner.c (built with gcc
// once per content hash into the OS temp directory). Not used by the engine itself.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeCase {
  /** Instruction bytes (at most 31); memory operands use [rdx], GPR operands rax/rcx. */
  code: Uint8Array;
  /** The instruction's assembly text, when the test knows it (reports, register shuffling). */
  text?: string;
  mxcsr: number;
  /** xmm0..xmm3 as 16 int32 lanes (lane 4k is the low dword of xmm k). */
  xmm: Int32Array;
  /** mm0, mm1 as int32 halves [lo0, hi0, lo1, hi1]. */
  mm?: Int32Array;
  /** x87 control word (0x37f if absent), status word (TOP matters for MMX forms), abridged tags. */
  fcw?: number;
  fsw?: number;
  ftw?: number;
  rax?: bigint;
  rcx?: bigint;
  /** 64 bytes of memory; RDX = its address + memOff. */
  mem?: Uint8Array;
  memOff?: number;
}

export interface NativeResult {
  /** 0, or the signal that stopped the instruction: 8 SIGFPE (#XM), 11 SIGSEGV (#GP), 4 SIGILL (#UD). */
  signal: number;
  mxcsr: number;
  rflags: number;
  rax: bigint;
  rcx: bigint;
  fsw: number;
  ftw: number;
  /** Exponent words (bits 64-79) of the registers MM0 and MM1 alias. */
  mmExp: [number, number];
  xmm: Int32Array;
  mm: Int32Array;
  mem: Uint8Array;
}

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'runner.c');
const MISSING = 'gcc not found: the SSE floating-point reference tests need gcc (apt-get install -y gcc)';
let built: string | null | undefined;

/** Path of the runner binary, or null when gcc is missing. */
export function nativeRunner(): string | null {
  if (built !== undefined) return built;
  const src = readFileSync(SOURCE);
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'serval-ssef');
  const bin = join(dir, `runner-${hash}`);
  if (existsSync(bin)) return (built = bin);
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  const r = spawnSync('gcc', ['-O2', '-mno-red-zone', '-mgeneral-regs-only', '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return (built = null);
    throw new Error(`building the SSE runner failed: ${r.stderr || r.error}`);
  }
  renameSync(tmp, bin);
  return (built = bin);
}

/** For tests: true if the runner exists; else a skip (a failure under SERVAL_REQUIRE_TOOLS=1). */
export function requireNative(ctx: { skip: (note?: string) => void }): boolean {
  if (nativeRunner()) return true;
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(MISSING);
  ctx.skip(MISSING);
  return false;
}

const REC = 256;

export function runNative(cases: NativeCase[]): NativeResult[] {
  const bin = nativeRunner();
  if (!bin) throw new Error(MISSING);
  const input = Buffer.alloc(cases.length * REC);
  cases.forEach((c, n) => {
    const p = n * REC;
    if (c.code.length > 31) throw new Error('instruction bytes too long');
    input.writeUInt32LE(c.code.length, p);
    input.writeUInt32LE(c.memOff ?? 0, p + 4);
    input.writeUInt32LE(c.mxcsr >>> 0, p + 8);
    input.writeUInt16LE(c.fsw ?? 0, p + 12);
    input.writeUInt8(c.ftw ?? 0, p + 14);
    input.writeBigUInt64LE(BigInt.asUintN(64, c.rax ?? 0n), p + 16);
    input.writeBigUInt64LE(BigInt.asUintN(64, c.rcx ?? 0n), p + 24);
    input.set(c.code, p + 32);
    for (let k = 0; k < 16; k++) input.writeInt32LE(c.xmm[k] | 0, p + 64 + 4 * k);
    if (c.mm) for (let k = 0; k < 4; k++) input.writeInt32LE(c.mm[k] | 0, p + 128 + 4 * k);
    if (c.mem) input.set(c.mem.subarray(0, 64), p + 144);
    input.writeUInt16LE(c.fcw ?? 0, p + 208);
  });
  const r = spawnSync(bin, [], { input, maxBuffer: 1 << 30 });
  if (r.error || r.status !== 0) throw new Error(`SSE runner failed (status ${r.status}): ${r.error ?? ''}`);
  const out = r.stdout;
  if (out.length !== cases.length * REC) throw new Error(`SSE runner: ${out.length} bytes for ${cases.length} cases`);
  return cases.map((_, n) => {
    const p = n * REC;
    const xmm = new Int32Array(16), mm = new Int32Array(4);
    for (let k = 0; k < 16; k++) xmm[k] = out.readInt32LE(p + 64 + 4 * k);
    for (let k = 0; k < 4; k++) mm[k] = out.readInt32LE(p + 128 + 4 * k);
    return {
      signal: out.readUInt32LE(p),
      mxcsr: out.readUInt32LE(p + 4),
      rflags: Number(out.readBigUInt64LE(p + 8)),
      rax: out.readBigUInt64LE(p + 16),
      rcx: out.readBigUInt64LE(p + 24),
      fsw: out.readUInt16LE(p + 32),
      ftw: out.readUInt8(p + 34),
      mmExp: [out.readUInt16LE(p + 36), out.readUInt16LE(p + 38)],
      xmm, mm,
      mem: new Uint8Array(out.subarray(p + 144, p + 208)),
    };
  });
}
