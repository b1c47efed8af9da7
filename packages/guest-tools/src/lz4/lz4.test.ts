// The reference is Debian's lz4 tool: whatever it writes must decode to the original bytes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { randomBytes, requireTool, run, textBytes } from '../testing/tools.js';
import { decodeLz4 } from './index.js';
import { xxh32 } from './xxhash.js';

const text = textBytes(600_000, 11);
const code = new Uint8Array(readFileSync(process.execPath).subarray(0, 1_500_000));
const random = randomBytes(200_000, 5);
const zeros = new Uint8Array(2_000_000);

const lz4 = (args: string[], input: Uint8Array) => new Uint8Array(run('lz4', ['-c', '-q', ...args], input));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function codeOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

describe('lz4 decoder against the lz4 tool', () => {
  it('decodes frames: default, linked 64 KiB blocks, block checksums, content size, -12', (ctx) => {
    if (!requireTool(ctx, 'lz4')) return;
    const variants = [[], ['-B4', '-BD'], ['-B5', '-BX'], ['--content-size'], ['-12', '-B6', '-BD'], ['--no-frame-crc']];
    for (const args of variants) {
      for (const data of [text, code, random, zeros, new Uint8Array(0)]) {
        const file = lz4(args, data);
        const ours = decodeLz4(file);
        expect(same(ours, data), `lz4 ${args.join(' ')} of ${data.length} bytes`).toBe(true);
        expect(same(ours, run('lz4', ['-dc'], file))).toBe(true);
      }
    }
  });

  it('decodes the legacy format the kernel uses (lz4 -l), and concatenated frames', (ctx) => {
    if (!requireTool(ctx, 'lz4')) return;
    const big = new Uint8Array(Buffer.concat([code, code, code, code, code, code, text])); // > 8 MiB: two legacy blocks
    for (const data of [text, big]) expect(same(decodeLz4(lz4(['-l', '-9'], data)), data)).toBe(true);
    const two = new Uint8Array(Buffer.concat([lz4([], text), lz4(['-l'], code)]));
    expect(same(decodeLz4(two), Buffer.concat([text, code]))).toBe(true);
  });

  it('reports damage with stable codes', (ctx) => {
    if (!requireTool(ctx, 'lz4')) return;
    const file = lz4(['-BX'], text);
    expect(codeOf(() => decodeLz4(new Uint8Array([1, 2, 3, 4, 5])))).toBe('NOT_LZ4');
    expect(codeOf(() => decodeLz4(file.subarray(0, file.length - 3)))).toBe('TRUNCATED');
    expect(codeOf(() => decodeLz4(file.subarray(0, 100)))).toBe('TRUNCATED');
    const hdr = file.slice(); hdr[4] ^= 0x08; // content-size flag: the descriptor checksum catches it
    expect(codeOf(() => decodeLz4(hdr))).toBe('BAD_CRC');
    const blk = file.slice(); blk[200] ^= 1;
    expect(codeOf(() => decodeLz4(blk))).toBe('CHECK_MISMATCH');
    const sum = lz4([], text); sum[sum.length - 1] ^= 1;
    expect(codeOf(() => decodeLz4(sum))).toBe('CHECK_MISMATCH');
  });

  it('computes xxHash32 like the reference vectors', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(new TextEncoder().encode('a'))).toBe(0x550d7456);
    expect(xxh32(new TextEncoder().encode('abc'))).toBe(0x32d153ff);
    expect(xxh32(new TextEncoder().encode('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});
