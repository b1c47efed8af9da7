import { describe, expect, it } from 'vitest';
import { requireTool, run, textBytes } from '../testing/tools.js';
import { decodeLzmaAlone } from './index.js';

const text = textBytes(300_000, 3);

describe('.lzma (LZMA_Alone) decoder against xz-utils', () => {
  it('decodes streams ending in an end marker, with the size unknown, hinted or recorded', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    for (const preset of ['-0', '-6']) {
      const file = new Uint8Array(run('xz', ['--format=lzma', '-c', preset], text));
      expect(Buffer.from(run('xz', ['-dc'], file)).equals(Buffer.from(text))).toBe(true);
      // xz leaves the size unknown (all ones) and ends the stream with a marker.
      expect(file.subarray(5, 13).every((v) => v === 0xff)).toBe(true);
      expect(Buffer.from(decodeLzmaAlone(file)).equals(Buffer.from(text))).toBe(true);
      expect(Buffer.from(decodeLzmaAlone(file, text.length)).equals(Buffer.from(text))).toBe(true);
      const sized = file.slice();
      new DataView(sized.buffer).setUint32(5, text.length, true);
      new DataView(sized.buffer).setUint32(9, 0, true);
      expect(Buffer.from(decodeLzmaAlone(sized)).equals(Buffer.from(text))).toBe(true);
    }
  });

  it('reports truncation and corruption', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils')) return;
    const file = new Uint8Array(run('xz', ['--format=lzma', '-c'], text));
    expect(() => decodeLzmaAlone(file.subarray(0, 10))).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
    expect(() => decodeLzmaAlone(file.subarray(0, file.length - 100))).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
    const bad = file.slice(); bad[0] = 230;
    expect(() => decodeLzmaAlone(bad)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
  });
});
