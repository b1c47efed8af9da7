// bzImages built here around payloads compressed by Debian's own tools, as the kernel's build does
// (the decompressed size appended to every payload).
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildElf64 } from '../elf/index.js';
import { requireTool, run, textBytes } from '../testing/tools.js';
import { decompressPayload, extractVmlinux, parseBzImage, pvhEntry, XLF } from './index.js';

const PVH = 0x1000120;
const vmlinux = buildElf64({
  entry: -2130706432 + 0x1000,
  segments: [{ vaddr: -2130706432, paddr: 0x1000000, bytes: textBytes(300_000, 9) }],
  notes: [{ name: 'Xen', type: 18, desc: new Uint8Array([0x20, 0x01, 0x00, 0x01, 0, 0, 0, 0]) }],
});

const withSize = (compressed: Uint8Array, size = vmlinux.length) => {
  const out = new Uint8Array(compressed.length + 4);
  out.set(compressed);
  new DataView(out.buffer).setUint32(compressed.length, size, true);
  return out;
};

/** A bzImage with 4 setup sectors whose protected-mode part is junk, the payload, junk. */
function bzImage(payload: Uint8Array, edit?: (dv: DataView) => void): Uint8Array {
  const setupSize = 5 * 512;
  const kernel = 0x100 + payload.length + 64;
  const img = new Uint8Array(setupSize + kernel);
  const dv = new DataView(img.buffer);
  img[0x1f1] = 4;
  dv.setUint32(0x1f4, Math.floor(kernel / 16), true);
  dv.setUint16(0x1fe, 0xaa55, true);
  img[0x200] = 0xeb; img[0x201] = 0x6a;
  dv.setUint32(0x202, 0x53726448, true);
  dv.setUint16(0x206, 0x020f, true);
  img[0x211] = 0x01;
  dv.setUint32(0x230, 0x200000, true);
  img[0x234] = 1;
  dv.setUint16(0x236, XLF.KERNEL_64 | XLF.CAN_BE_LOADED_ABOVE_4G, true);
  dv.setUint32(0x238, 2047, true);
  dv.setUint32(0x248, 0x100, true);
  dv.setUint32(0x24c, payload.length, true);
  dv.setUint32(0x258, 0x1000000, true);
  dv.setUint32(0x260, 0x2000000, true);
  img.set(payload, setupSize + 0x100);
  edit?.(dv);
  return img;
}

function codeOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

describe('bzImage', () => {
  it('reads the setup header and splits setup, kernel and payload', () => {
    const payload = withSize(zlib.gzipSync(vmlinux));
    const bz = parseBzImage(bzImage(payload));
    expect(bz.header).toMatchObject({
      setupSects: 4, version: 0x020f, versionString: '2.15', loadflags: 1, kernelAlignment: 0x200000,
      relocatableKernel: true, cmdlineSize: 2047, payloadOffset: 0x100, prefAddress: 0x1000000, initSize: 0x2000000, headerEnd: 0x26c,
    });
    expect(bz.setup.length).toBe(5 * 512);
    expect(bz.kernel.length).toBe(0x100 + payload.length + 64);
    expect(Buffer.from(bz.payload).equals(Buffer.from(payload))).toBe(true);
    expect(bz.compression).toBe('gzip');
  });

  it('extracts the vmlinux from xz, gzip, lzma, lz4 and uncompressed payloads, and finds its PVH entry', (ctx) => {
    if (!requireTool(ctx, 'xz', 'xz-utils') || !requireTool(ctx, 'lz4')) return;
    const payloads: [string, Uint8Array][] = [
      // As the kernel's scripts/xz_wrap.sh and Makefile.lib compress.
      ['xz', withSize(run('xz', ['-c', '--check=crc32', '--x86', '--lzma2=dict=32MiB'], vmlinux))],
      ['gzip', run('gzip', ['-c', '-n', '-9'], vmlinux)],
      ['lzma', withSize(run('xz', ['-c', '--format=lzma', '-9'], vmlinux))],
      ['lz4', withSize(run('lz4', ['-c', '-q', '-l', '-9'], vmlinux))],
      ['none', withSize(vmlinux)],
    ];
    for (const [name, payload] of payloads) {
      const image = bzImage(payload);
      expect(parseBzImage(image).compression).toBe(name);
      const out = extractVmlinux(image);
      expect(Buffer.from(out).equals(Buffer.from(vmlinux)), name).toBe(true);
      expect(pvhEntry(out)).toBe(PVH);
    }
  });

  it('says which compressions it cannot decode, and why', (ctx) => {
    if (!requireTool(ctx, 'bzip2')) return;
    const bz2 = bzImage(withSize(run('bzip2', ['-c', '-9'], vmlinux)));
    expect(() => extractVmlinux(bz2)).toThrow(/bzip2-compressed and there is no decoder/);
    const lzo = bzImage(withSize(new Uint8Array([0x89, 0x4c, 0x5a, 0x4f, 0, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])));
    expect(codeOf(() => extractVmlinux(lzo))).toBe('UNSUPPORTED');
    const zstd = bzImage(withSize(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])));
    expect(['UNSUPPORTED', 'CORRUPT']).toContain(codeOf(() => extractVmlinux(zstd)));
    expect(codeOf(() => extractVmlinux(bzImage(withSize(new Uint8Array(64).fill(7)))))).toBe('UNKNOWN_COMPRESSION');
  });

  it('rejects what is not a usable bzImage with a stable code', () => {
    const good = bzImage(zlib.gzipSync(vmlinux));
    expect(codeOf(() => parseBzImage(vmlinux))).toBe('NOT_BZIMAGE');
    expect(codeOf(() => parseBzImage(good.subarray(0, 0x100)))).toBe('TRUNCATED');
    expect(codeOf(() => parseBzImage(good.subarray(0, 5 * 512 + 0x200)))).toBe('TRUNCATED');
    expect(codeOf(() => parseBzImage(bzImage(new Uint8Array(16), (dv) => dv.setUint16(0x206, 0x0206, true))))).toBe('UNSUPPORTED');
    expect(codeOf(() => parseBzImage(bzImage(new Uint8Array(16), (dv) => dv.setUint8(0x211, 0))))).toBe('UNSUPPORTED');
    expect(codeOf(() => parseBzImage(bzImage(new Uint8Array(16), (dv) => dv.setUint32(0x24c, 1 << 20, true))))).toBe('TRUNCATED');
    // The appended size disagrees with what the payload holds.
    expect(codeOf(() => decompressPayload(withSize(zlib.gzipSync(vmlinux), 5)))).toBe('CORRUPT');
    expect(codeOf(() => decompressPayload(withSize(zlib.deflateRawSync(vmlinux))))).toBe('UNKNOWN_COMPRESSION');
    const text = new TextEncoder().encode('not an ELF file at all');
    expect(codeOf(() => extractVmlinux(bzImage(zlib.gzipSync(text))))).toBe('NOT_ELF');
  });
});
