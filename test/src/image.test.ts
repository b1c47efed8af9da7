// serval image: the initramfs and vmlinux a user boots. Archives are read back with GNU cpio, which
// nobody here wrote, so a round trip through our own parser cannot hide a format mistake.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { debianFile } from './debian.js';
import { tmp, tool } from './tools.js';

const HAS_CPIO = tool('cpio');
const BUSYBOX = debianFile('busybox-static', 'bin/busybox');

function cpioList(archive: string): string[] {
  const r = spawnSync('cpio', ['-it', '--quiet'], { input: readFileSync(archive), encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n').sort();
}

describe('serval image initramfs', () => {
  it.skipIf(!HAS_CPIO)('archives a host directory as newc cpio that GNU cpio reads back', () => {
    const d = tmp();
    mkdirSync(join(d, 'root/etc'), { recursive: true });
    writeFileSync(join(d, 'root/etc/hostname'), 'serval\n');
    writeFileSync(join(d, 'root/init'), '#!/bin/sh\n', { mode: 0o755 });
    const out = join(d, 'out.cpio');
    const r = serval(['image', 'initramfs', '--output', out, join(d, 'root')]);
    expect(r.status).toBe(0);
    expect(cpioList(out)).toEqual(['etc', 'etc/hostname', 'init']);
    const x = join(d, 'x');
    mkdirSync(x);
    expect(spawnSync('cpio', ['-id', '--quiet'], { cwd: x, input: readFileSync(out) }).status).toBe(0);
    expect(readFileSync(join(x, 'etc/hostname'), 'utf8')).toBe('serval\n');
  });

  it.skipIf(!HAS_CPIO || !BUSYBOX)('builds a busybox initramfs with /init, applets and device nodes', () => {
    const out = join(tmp(), 'initrd.cpio');
    expect(serval(['image', 'initramfs', '--busybox', BUSYBOX!, '--output', out]).status).toBe(0);
    const names = cpioList(out);
    for (const n of ['init', 'bin/busybox', 'bin/sh', 'bin/uname', 'dev/console', 'dev/null', 'proc', 'sys']) expect(names).toContain(n);
  });

  it('rejects a missing directory and a missing --output with a clear message', () => {
    const out = join(tmp(), 'x.cpio');
    const r = serval(['image', 'initramfs', '--output', out, '/nonexistent-serval-dir']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read directory \/nonexistent-serval-dir/);
    const u = serval(['image', 'initramfs', '/tmp']);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/needs --output/);
  });
});

describe('serval image vmlinux', () => {
  const KERNEL = debianFile('linux-image', 'boot');
  it.skipIf(!KERNEL)('extracts the ELF kernel from Debian\'s bzImage', () => {
    const vmlinuz = spawnSync('sh', ['-c', `ls ${KERNEL}/vmlinuz-*`], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
    const out = join(tmp(), 'vmlinux');
    const r = serval(['image', 'vmlinux', '--output', out, vmlinuz]);
    expect(r.status).toBe(0);
    const elf = readFileSync(out);
    expect([...elf.subarray(0, 5)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2]); // ELF, 64-bit
    expect(elf.readUInt16LE(18)).toBe(62); // EM_X86_64
    // The kernel's own version string is inside the decompressed image.
    expect(elf.includes(Buffer.from('Linux version 6.1.'))).toBe(true);
  });

  it('rejects a file that is not a bzImage', () => {
    const d = tmp();
    writeFileSync(join(d, 'not-a-kernel'), 'hello');
    const r = serval(['image', 'vmlinux', '--output', join(d, 'out'), join(d, 'not-a-kernel')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not-a-kernel/);
  });
});
