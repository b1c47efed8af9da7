// Debian's real kernel (scripts/fetch-debian.sh unpacks the one linux-image-amd64 depends on):
// the vmlinux we extract must be byte for byte what the kernel's scripts/extract-vmlinux gets by
// finding the xz magic in the bzImage and piping from there into `xz -dc`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PT, parseElf64 } from '../elf/index.js';
import { debianFile, requireTool, run } from '../testing/tools.js';
import { XZ_MAGIC } from '../xz/index.js';
import { extractVmlinux, parseBzImage, pvhEntry, XLF } from './index.js';

describe("Debian's kernel", () => {
  it('parses its setup header', (ctx) => {
    const path = debianFile(ctx, 'linux-image', 'boot', 'vmlinuz-');
    if (!path) return;
    const bz = parseBzImage(readFileSync(path));
    expect(bz.header.version).toBeGreaterThanOrEqual(0x020f);
    expect(bz.header.xloadflags & XLF.KERNEL_64).toBeTruthy();
    expect(bz.header.relocatableKernel).toBe(true);
    expect(bz.header.kernelAlignment).toBe(0x200000);
    expect(bz.header.prefAddress).toBe(0x1000000);
    expect(bz.header.initSize).toBeGreaterThan(bz.kernel.length);
    expect(bz.compression).toBe('xz');
    expect(bz.kernelVersion).toMatch(/^\d+\.\d+\.\d+-\d+-amd64 \(debian-kernel@lists\.debian\.org\)/);
    expect(bz.kernelInfo?.setupTypeMax).toBeGreaterThan(0);
  });

  it('extracts vmlinux exactly as extract-vmlinux does, with its PVH entry note', (ctx) => {
    const path = debianFile(ctx, 'linux-image', 'boot', 'vmlinuz-');
    if (!path || !requireTool(ctx, 'xz', 'xz-utils')) return;
    const image = new Uint8Array(readFileSync(path));
    const t0 = performance.now(), c0 = process.cpuUsage();
    const vmlinux = extractVmlinux(image);
    const ms = performance.now() - t0, cpu = process.cpuUsage(c0);
    console.log(`extracted ${(vmlinux.length / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms (${((cpu.user + cpu.system) / 1000).toFixed(0)} ms of CPU)`);

    const at = Buffer.from(image).indexOf(Buffer.from(XZ_MAGIC));
    const reference = run('xz', ['-dc', '--single-stream'], image.subarray(at));
    expect(vmlinux.length).toBe(reference.length);
    expect(Buffer.from(vmlinux).equals(reference)).toBe(true);

    const elf = parseElf64(vmlinux, 'vmlinux');
    expect(elf.phdrs.some((p) => p.type === PT.LOAD)).toBe(true);
    const entry = pvhEntry(vmlinux);
    expect(entry).toBeDefined();
    // pvh_start_xen is a physical address inside the kernel's first loaded segment.
    const load = elf.phdrs.find((p) => p.type === PT.LOAD)!;
    expect(entry!).toBeGreaterThanOrEqual(load.paddr);
    expect(entry!).toBeLessThan(load.paddr + load.memsz);
  }, 180_000); // 66 MB through xz twice (ours and the reference) on a loaded machine
});
