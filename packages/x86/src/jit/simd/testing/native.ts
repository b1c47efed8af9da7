// Test support: the native reference. Builds runner.c once (cached by source hash in the temp
// directory, so parallel test files share one build) and runs batches of cases through it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';
import { FX, type SimdCase, type SimdResult, WIN } from './state.js';

const IN_SIZE = 16 + 16 + 128 + 16 + 512 + WIN;
const OUT_SIZE = 128 + 8 + 8 + 8 + 8 + 8 + 512 + WIN;
const MISSING = 'gcc not found or the native runner cannot run here (x86-64 Linux with gcc needed)';

let built: string | null | undefined;

function runnerSource(): string {
  return readFileSync(fileURLToPath(new URL('./runner.c', import.meta.url)), 'utf8');
}

/** Path of the built runner, or null when this machine cannot build or run it. */
export function nativeRunner(): string | null {
  if (built !== undefined) return built;
  built = null;
  if (process.arch !== 'x64' || process.platform !== 'linux') return null;
  const src = runnerSource();
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'serval-simd-runner');
  const exe = join(dir, `runner-${hash}`);
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    const tmpExe = `${exe}.${process.pid}.tmp`;
    const srcPath = fileURLToPath(new URL('./runner.c', import.meta.url));
    const r = spawnSync('gcc', ['-O1', '-o', tmpExe, srcPath], { encoding: 'utf8' });
    if (r.status !== 0) { rmSync(tmpExe, { force: true }); return null; }
    renameSync(tmpExe, exe);
  }
  built = exe;
  return exe;
}

/** Skips the test without a native reference, except under CI (SERVAL_REQUIRE_TOOLS=1). */
export function requireNative(ctx: TestContext): string {
  const exe = nativeRunner();
  if (exe) return exe;
  if (process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error(MISSING);
  ctx.skip(MISSING);
  throw new Error('unreachable');
}

export function runNative(exe: string, cases: SimdCase[]): SimdResult[] {
  const input = Buffer.alloc(IN_SIZE * cases.length);
  cases.forEach((c, k) => {
    const o = k * IN_SIZE;
    if (c.code.length > 15) throw new Error(`instruction too long: ${c.text}`);
    input.set(c.code, o);
    input.writeUInt32LE(c.code.length, o + 16);
    for (let i = 0; i < 16; i++) input.writeBigUInt64LE(c.gpr[i], o + 32 + 8 * i);
    input.writeBigUInt64LE(BigInt(c.rflags), o + 160);
    input.set(c.fx, o + 176);
    input.set(c.mem, o + 176 + 512);
  });
  const r = spawnSync(exe, [], { input, maxBuffer: OUT_SIZE * cases.length + 1024 });
  if (r.status !== 0) throw new Error(`native runner failed (${r.status ?? r.signal}): ${r.stderr.toString()}`);
  const out = r.stdout;
  if (out.length !== OUT_SIZE * cases.length) throw new Error(`native runner returned ${out.length} bytes`);
  return cases.map((_, k) => {
    const o = k * OUT_SIZE;
    const gpr = new BigUint64Array(16);
    for (let i = 0; i < 16; i++) gpr[i] = out.readBigUInt64LE(o + 8 * i);
    const signo = out.readUInt32LE(o + 136);
    const res: SimdResult = {
      gpr,
      rflags: Number(out.readBigUInt64LE(o + 128) & 0xffffffffn),
      fx: new Uint8Array(out.subarray(o + 168, o + 168 + FX)),
      mem: new Uint8Array(out.subarray(o + 168 + FX, o + 168 + FX + WIN)),
    };
    if (signo !== 0) {
      const vector = out.readUInt32LE(o + 140);
      res.fault = {
        vector,
        errorCode: Number(out.readBigUInt64LE(o + 144) & 0xffffffffn),
        cr2: vector === 14 ? Number(out.readBigUInt64LE(o + 152)) : 0,
      };
    }
    return res;
  });
}
