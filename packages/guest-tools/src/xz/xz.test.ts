// The reference is Debian's xz: everything here is compressed by `xz` and must decode to exactly
// what `xz -dc` gives; damaged files must fail with a stable code (and xz must reject them too).
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { randomBytes, requireTool, run, textBytes } from '../testing/tools.js';
import { crc32 } from './crc.js';
import { decodeXz, readXzIndex } from './index.js';

const text = textBytes(400_000);
const random = randomBytes(300_000);
const zeros = new Uint8Array(3_000_000);
// Real x86-64 machine code (the running node binary) exercises the x86 BCJ filter.
const code = new Uint8Array(readFileSync(process.execPath).subarray(0, 800_000));

const xz = (args: string[], input: Uint8Array) => new Uint8Array(run('xz', ['-c', ...args], input));
const xzDecodes = (file: Uint8Array) => spawnSync('xz', ['-dc'], { input: file }).status === 0;

function expectSame(file: Uint8Array, original: Uint8Array): void {
  const ours = decodeXz(file);
  expect(ours.length).toBe(original.length);
  // Buffer.equals is a memcmp: toEqual on megabytes is slow and prints unreadable diffs.
  expect(Buffer.from(ours).equals(Buffer.from(run('xz', ['-dc'], file)))).toBe(true);
  expect(Buffer.from(ours).equals(Buffer.from(original))).toBe(true);
}

function codeOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as { code?: string }).code ?? String(e); }
  return undefined;
}

describe('xz decoder against xz-utils', () => {
  it('decodes presets -0, -6 and -9e', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    for (const preset of ['-0', '-6', '-9e']) expectSame(xz([preset], text), text);
    for (const preset of ['-0', '-6']) expectSame(xz([preset], code), code);
  });

  it('verifies every check type: none, CRC32, CRC64, SHA-256', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    for (const check of ['none', 'crc32', 'crc64', 'sha256']) {
      const file = xz([`--check=${check}`], text);
      expectSame(file, text);
      expect(readXzIndex(file)[0].checkType).toBe({ none: 0, crc32: 1, crc64: 4, sha256: 10 }[check]);
    }
  });

  it('decodes incompressible and all-zero data (stored chunks, long matches)', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    expectSame(xz(['-6'], random), random);
    expectSame(xz(['-6'], zeros), zeros);
    expectSame(xz(['-0'], new Uint8Array(0)), new Uint8Array(0));
    expectSame(xz(['-6'], new Uint8Array([42])), new Uint8Array([42]));
  });

  it('decodes many blocks, with and without sizes in the block headers', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    const mixed = new Uint8Array([...text.subarray(0, 150_000), ...random.subarray(0, 100_000), ...code.subarray(0, 200_000)]);
    for (const threads of ['-T1', '-T2']) {
      const file = xz([threads, '--block-size=65536'], mixed);
      expect(readXzIndex(file)[0].blocks.length).toBe(Math.ceil(mixed.length / 65536));
      expectSame(file, mixed);
    }
  });

  it('undoes the x86 BCJ and delta filters', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    expectSame(xz(['--x86', '--lzma2=preset=6'], code), code);
    expectSame(xz(['--x86=start=4096', '--lzma2=preset=1'], code), code);
    // The kernel's own invocation (scripts/xz_wrap.sh): x86 BCJ, CRC32, a 32 MiB dictionary.
    expectSame(xz(['--check=crc32', '--x86', '--lzma2=dict=32MiB'], code), code);
    expectSame(xz(['--delta=dist=4', '--lzma2=preset=6'], text), text);
    expectSame(xz(['--delta=dist=1', '--x86', '--lzma2=preset=0'], code), code);
  });

  it('decodes concatenated streams with stream padding between and after them', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    const a = xz(['--check=crc32'], text.subarray(0, 1000)), b = xz(['--check=sha256'], random.subarray(0, 5000));
    const file = new Uint8Array([...a, 0, 0, 0, 0, ...b, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(readXzIndex(file).map((s) => s.checkType)).toEqual([1, 10]);
    expectSame(file, new Uint8Array([...text.subarray(0, 1000), ...random.subarray(0, 5000)]));
  });
});

describe('xz decoder on damaged input', () => {
  it('names what is wrong with a stable code, where xz also fails', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    const file = xz(['--check=crc64'], text.subarray(0, 100_000));
    const headerSize = (file[12] + 1) * 4;
    const cases: [string, Uint8Array, string][] = [];
    const damaged = (what: string, code: string, edit: (b: Uint8Array) => Uint8Array | void) => {
      const b = file.slice();
      cases.push([what, edit(b) ?? b, code]);
    };
    damaged('not xz at all', 'NOT_XZ', () => new TextEncoder().encode('hello, world\n'));
    damaged('only part of the magic', 'TRUNCATED', (b) => b.slice(0, 4));
    for (const n of [12, 13, 100, file.length - 13, file.length - 1]) damaged(`cut to ${n} bytes`, 'TRUNCATED', (b) => b.slice(0, n));
    damaged('garbage appended', 'TRUNCATED', (b) => new Uint8Array([...b, 1, 2, 3, 4]));
    damaged('padding not a multiple of 4', 'TRUNCATED', (b) => new Uint8Array([...b, 0, 0]));
    damaged('stream header flags', 'BAD_CRC', (b) => { b[7] ^= 0x04; });
    damaged('block header', 'BAD_CRC', (b) => { b[13] ^= 0x40; });
    damaged('index', 'BAD_CRC', (b) => { b[b.length - 12 - 8 + 2] ^= 1; });
    damaged('stream footer', 'BAD_CRC', (b) => { b[b.length - 8] ^= 1; });
    damaged('stored check', 'CHECK_MISMATCH', (b) => { b[b.length - 12 - indexSize(b) - 1] ^= 1; });
    damaged('invalid LZMA2 control byte', 'CORRUPT', (b) => { b[12 + headerSize] = 0x03; });
    damaged('first chunk without a dictionary reset', 'CORRUPT', (b) => { b[12 + headerSize] &= 0x9f; });
    damaged('range coder start byte', 'CORRUPT', (b) => { b[12 + headerSize + 6] = 1; });
    for (const [what, bytes, code] of cases) {
      expect(`${what}: ${codeOf(() => decodeXz(bytes))}`).toBe(`${what}: ${code}`);
      expect(xzDecodes(bytes), `xz accepts "${what}"`).toBe(false);
    }
  });

  it('detects flipped bits in the compressed data (as corrupt or as a failed check)', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    const file = xz(['--check=crc32'], code.subarray(0, 200_000));
    for (let k = 0; k < 20; k++) {
      const b = file.slice();
      b[40 + Math.floor((b.length - 100) * k / 20)] ^= 1 << (k % 8);
      expect(['CORRUPT', 'CHECK_MISMATCH']).toContain(codeOf(() => decodeXz(b)));
    }
  });

  it('refuses filters and checks it does not implement, saying which', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    expect(() => decodeXz(xz(['--arm', '--lzma2'], text))).toThrow(/ARM BCJ filter/);
    const b = xz(['--check=none'], text.subarray(0, 100));
    // Check type 2 is reserved: set it in the footer and fix the footer's CRC so only the type is wrong.
    b[b.length - 3] = 2;
    new DataView(b.buffer).setUint32(b.length - 12, crc32(b, b.length - 8, b.length - 2), true);
    expect(() => decodeXz(b)).toThrow(/integrity check 2/);
    expect(codeOf(() => decodeXz(b))).toBe('UNSUPPORTED');
  });
});

function indexSize(b: Uint8Array): number {
  return (new DataView(b.buffer, b.byteOffset).getUint32(b.length - 8, true) + 1) * 4;
}
