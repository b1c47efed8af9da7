import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildElf64 } from '@serval/guest-tools';
import { Cpu, PhysicalMemory } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { bootBzImage, bootPvh, START_INFO, ZERO_PAGE } from './linux.js';

const MB = 1024 * 1024;

function guest(size: number) {
  const mem = new PhysicalMemory(size);
  return { cpu: new Cpu({ memory: mem }), g: { mem, hostBase: 0, size } };
}

const u64 = (mem: PhysicalMemory, at: number) => mem.dv.getUint32(at, true) + mem.dv.getUint32(at + 4, true) * 2 ** 32;

describe('the ACPI RSDP handed to Linux', () => {
  it('PVH: hvm_start_info.rsdp_paddr (offset 32), 0 without tables', () => {
    const entry = 0x1000000;
    const desc = new Uint8Array(4);
    new DataView(desc.buffer).setUint32(0, entry, true);
    const vmlinux = buildElf64({ entry, segments: [{ vaddr: entry, bytes: Uint8Array.of(0xf4), flags: 5 }], notes: [{ name: 'Xen', type: 18, desc }] });
    const a = guest(32 * MB);
    bootPvh(a.cpu, a.g, vmlinux, { cmdline: '', rsdp: 0xe0000 }, 'test');
    expect(a.g.mem.dv.getUint32(START_INFO, true)).toBe(0x336ec578);
    expect(u64(a.g.mem, START_INFO + 32)).toBe(0xe0000);
    const b = guest(32 * MB);
    bootPvh(b.cpu, b.g, vmlinux, { cmdline: '' }, 'test');
    expect(u64(b.g.mem, START_INFO + 32)).toBe(0);
  });

  // A real bzImage (its setup header is what decides where boot_params fields go).
  const dir = join(__dirname, '../../../../.cache/debian/linux-image/boot');
  const vmlinuz = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('vmlinuz-')) : undefined;
  if (!vmlinuz && process.env.SERVAL_REQUIRE_TOOLS === '1') throw new Error('the Debian kernel is required (scripts/fetch-debian.sh)');
  if (!vmlinuz) console.warn('skipping the bzImage case: the Debian kernel is not downloaded (scripts/fetch-debian.sh)');
  it.skipIf(!vmlinuz)('bzImage: boot_params.acpi_rsdp_addr (offset 0x70, protocol 2.14+)', () => {
    const image = new Uint8Array(readFileSync(join(dir, vmlinuz!)));
    const a = guest(128 * MB);
    bootBzImage(a.cpu, a.g, image, { cmdline: 'console=ttyS0', rsdp: 0xe0000 }, 'vmlinuz');
    expect(u64(a.g.mem, ZERO_PAGE + 0x70)).toBe(0xe0000);
    expect(a.g.mem.readU32(ZERO_PAGE + 0x202)).toBe(0x53726448); // the setup header was copied in ('HdrS')
  });
});
