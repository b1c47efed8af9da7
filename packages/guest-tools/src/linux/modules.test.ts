import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { insmodScript, kernelModules, modinfo, moduleEntries } from './modules.js';

/** A relocatable ELF64 with a .modinfo section holding `info` (what a .ko carries). */
function fakeKo(info: string[]): Uint8Array {
  const modinfoBytes = new TextEncoder().encode(info.map((s) => `${s}\0`).join(''));
  const shstr = new TextEncoder().encode('\0.modinfo\0.shstrtab\0');
  const dataAt = 64, strAt = dataAt + modinfoBytes.length, shAt = Math.ceil((strAt + shstr.length) / 8) * 8;
  const out = new Uint8Array(shAt + 3 * 64);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, 1, true); // ET_REL
  dv.setUint16(18, 62, true);
  dv.setBigUint64(0x28, BigInt(shAt), true);
  dv.setUint16(0x3a, 64, true);
  dv.setUint16(0x3c, 3, true);
  dv.setUint16(0x3e, 2, true);
  out.set(modinfoBytes, dataAt);
  out.set(shstr, strAt);
  const sh = (i: number, name: number, off: number, size: number) => {
    dv.setUint32(shAt + 64 * i, name, true);
    dv.setUint32(shAt + 64 * i + 4, 1, true);
    dv.setBigUint64(shAt + 64 * i + 0x18, BigInt(off), true);
    dv.setBigUint64(shAt + 64 * i + 0x20, BigInt(size), true);
  };
  sh(1, 1, dataAt, modinfoBytes.length);
  sh(2, 10, strAt, shstr.length);
  return out;
}

function tree(mods: Record<string, string[]>): string {
  const root = mkdtempSync(join(tmpdir(), 'serval-mods-'));
  for (const [path, info] of Object.entries(mods)) {
    const full = join(root, 'kernel', path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, fakeKo(info));
  }
  return root;
}

describe('kernel modules for an initramfs', () => {
  it('reads .modinfo key=value strings (repeated keys kept in order)', () => {
    const m = modinfo(fakeKo(['license=GPL', 'depends=a,b', 'alias=x', 'alias=y']));
    expect(m.get('depends')).toEqual(['a,b']);
    expect(m.get('alias')).toEqual(['x', 'y']);
    expect(() => modinfo(new Uint8Array(100), 'junk.ko')).toThrow(/junk.ko: not an ELF64 file/);
  });

  it('orders each module after its dependencies, once each, and names what is missing', () => {
    const root = tree({
      'fs/ext4/ext4.ko': ['depends=jbd2,mbcache,crc16'], 'fs/jbd2/jbd2.ko': ['depends='], 'fs/mbcache.ko': ['depends='],
      'lib/crc16.ko': ['depends='], 'drivers/virtio/virtio-ring.ko': ['depends='], 'drivers/block/virtio_blk.ko': ['depends=virtio_ring'],
      'drivers/bad.ko': ['depends=nowhere'],
    });
    const mods = kernelModules(root, ['virtio_blk', 'ext4', 'jbd2']);
    expect(mods.map((m) => m.name)).toEqual(['virtio_ring', 'virtio_blk', 'jbd2', 'mbcache', 'crc16', 'ext4']);
    expect(mods[0].path).toBe('kernel/drivers/virtio/virtio-ring.ko');
    expect(() => kernelModules(root, ['bad'])).toThrow(/module nowhere \(needed by bad\) is not under/);
    const entries = moduleEntries(mods.slice(0, 2), '6.1.0-test');
    expect(entries.map((e) => e.path)).toEqual([
      'lib', 'lib/modules', 'lib/modules/6.1.0-test', 'lib/modules/6.1.0-test/kernel', 'lib/modules/6.1.0-test/kernel/drivers',
      'lib/modules/6.1.0-test/kernel/drivers/virtio', 'lib/modules/6.1.0-test/kernel/drivers/virtio/virtio-ring.ko',
      'lib/modules/6.1.0-test/kernel/drivers/block', 'lib/modules/6.1.0-test/kernel/drivers/block/virtio_blk.ko',
    ]);
    expect(insmodScript(mods.slice(0, 1), 'r')).toBe('insmod /lib/modules/r/kernel/drivers/virtio/virtio-ring.ko || echo "insmod virtio_ring failed"\n');
    expect(readdirSync(root)).toEqual(['kernel']);
  });
});
