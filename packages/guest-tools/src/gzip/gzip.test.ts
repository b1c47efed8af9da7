import { describe, expect, it } from 'vitest';
import { randomBytes, requireTool, run, textBytes } from '../testing/tools.js';
import { decodeGzip } from './index.js';

const text = textBytes(500_000, 21);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
function codeOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

describe('gzip decoder against gzip', () => {
  it('decodes what gzip writes, with or without a name, and concatenated members', (ctx) => {
    if (!requireTool(ctx, 'gzip')) return;
    for (const args of [['-9', '-n'], ['-1'], ['-6', '-N']]) {
      for (const data of [text, randomBytes(100_000), new Uint8Array(0)]) {
        expect(same(decodeGzip(run('gzip', ['-c', ...args], data)), data)).toBe(true);
      }
    }
    const two = Buffer.concat([run('gzip', ['-c'], text), run('gzip', ['-c'], text.subarray(0, 99))]);
    expect(same(decodeGzip(two), Buffer.concat([text, text.subarray(0, 99)]))).toBe(true);
    // Bytes after the last member (Linux appends the decompressed size to some payloads).
    expect(same(decodeGzip(Buffer.concat([run('gzip', ['-c'], text), Buffer.from([1, 2, 3, 4])])), text)).toBe(true);
  });

  it('reports damage with stable codes', (ctx) => {
    if (!requireTool(ctx, 'gzip')) return;
    const file = new Uint8Array(run('gzip', ['-c', '-n'], text));
    expect(codeOf(() => decodeGzip(new Uint8Array([1, 2, 3])))).toBe('NOT_GZIP');
    expect(codeOf(() => decodeGzip(file.subarray(0, 5)))).toBe('TRUNCATED');
    expect(codeOf(() => decodeGzip(file.subarray(0, file.length - 100)))).toBe('TRUNCATED');
    expect(codeOf(() => decodeGzip(file.subarray(0, file.length - 4)))).toBe('TRUNCATED');
    const sum = file.slice(); sum[sum.length - 6] ^= 1;
    expect(codeOf(() => decodeGzip(sum))).toBe('CHECK_MISMATCH');
    const method = file.slice(); method[2] = 7;
    expect(codeOf(() => decodeGzip(method))).toBe('UNSUPPORTED');
  });
});
