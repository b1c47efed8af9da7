import { describe, expect, it } from 'vitest';
import { buildMultibootKernel, MULTIBOOT_HEADER_SIZE } from './build.js';
import { buildElf32, parseElf32 } from './elf32.js';
import { encodeMultibootHeader, findMultibootHeader, MBH, MULTIBOOT_MAGIC } from './header.js';

const SRC = `
start:  mov eax, msg
        hlt
msg:    db "hi", 0
`;

describe('multiboot header', () => {
  it('is found 4-byte aligned in the first 8 KiB, with a checksum that sums to zero', () => {
    const img = new Uint8Array(8192 + 64);
    img.set(encodeMultibootHeader(MBH.MEMORY_INFO), 4096 + 4);
    const h = findMultibootHeader(img)!;
    expect(h).toEqual({ offset: 4100, flags: MBH.MEMORY_INFO });
    const dv = new DataView(img.buffer);
    expect((dv.getUint32(4100, true) + dv.getUint32(4104, true) + dv.getUint32(4108, true)) >>> 0).toBe(0);
  });

  it('is not found unaligned, past 8 KiB, or with a bad checksum', () => {
    const at = (off: number, patch?: (dv: DataView) => void) => {
      const img = new Uint8Array(16384);
      img.set(encodeMultibootHeader(0), off);
      patch?.(new DataView(img.buffer));
      return findMultibootHeader(img);
    };
    expect(at(2)).toBeUndefined();
    expect(at(8192)).toBeUndefined();
    expect(at(8, (dv) => dv.setUint32(12, 1, true))).toBeUndefined();
    expect(at(8180)).toBeDefined();
  });

  it('carries the address fields when asked', () => {
    const a = { headerAddr: 0x100000, loadAddr: 0x100000, loadEndAddr: 0x101000, bssEndAddr: 0x102000, entryAddr: 0x100020 };
    const h = findMultibootHeader(encodeMultibootHeader(MBH.PAGE_ALIGN, a))!;
    expect(h.flags).toBe(MBH.PAGE_ALIGN | MBH.ADDRESSES);
    expect(h.addresses).toEqual(a);
  });
});

describe('multiboot kernels built from assembly', () => {
  it('as ELF32: one segment at the load address, header first, code assembled after it', () => {
    const k = buildMultibootKernel({ source: SRC, bssSize: 0x2000 });
    const elf = parseElf32(k.image);
    expect(elf.entry).toBe(0x100000 + MULTIBOOT_HEADER_SIZE);
    expect(elf.loads).toHaveLength(1);
    const l = elf.loads[0];
    expect(l.paddr).toBe(0x100000);
    expect(l.memsz).toBe(l.filesz + 0x2000);
    const seg = k.image.subarray(l.offset, l.offset + l.filesz);
    const h = findMultibootHeader(k.image)!;
    expect(h.offset).toBe(l.offset);
    expect(h.addresses).toBeUndefined();
    // mov eax, imm32 holds the absolute address of msg.
    expect(seg[32]).toBe(0xb8);
    expect(new DataView(seg.buffer, seg.byteOffset).getUint32(33, true)).toBe(k.labels.get('msg'));
    expect(k.labels.get('msg')).toBe(0x100000 + 32 + 6);
  });

  it('aligns from the load address, so `align 4096` gives a page boundary', () => {
    const k = buildMultibootKernel({ source: 'start: hlt\nalign 4096\npage: dd 1' });
    expect(k.labels.get('page')).toBe(0x101000);
    expect(k.loadEnd).toBe(0x101004);
  });

  it('as a flat binary: the header names where each part goes', () => {
    const k = buildMultibootKernel({ source: SRC, format: 'flat', loadAddr: 0x200000, bssSize: 100 });
    const h = findMultibootHeader(k.image)!;
    expect(h.offset).toBe(0);
    expect(h.addresses).toEqual({ headerAddr: 0x200000, loadAddr: 0x200000, loadEndAddr: 0x200000 + k.image.length, bssEndAddr: 0x200000 + k.image.length + 100, entryAddr: 0x200020 });
    expect(new DataView(k.image.buffer).getUint32(0, true)).toBe(MULTIBOOT_MAGIC);
  });

  it('are reproducible and refuse a source without its entry label', () => {
    expect(buildMultibootKernel({ source: SRC }).image).toEqual(buildMultibootKernel({ source: SRC }).image);
    expect(() => buildMultibootKernel({ source: 'nop' })).toThrow('no entry label "start"');
  });
});

describe('ELF32 reader', () => {
  it('rejects ELF64 and other machines', () => {
    const img = buildElf32(0x1000, [{ addr: 0x1000, bytes: new Uint8Array(4) }]);
    expect(parseElf32(img).loads[0]).toMatchObject({ paddr: 0x1000, filesz: 4, memsz: 4 });
    const e64 = img.slice(); e64[4] = 2;
    expect(() => parseElf32(e64)).toThrow('not a 32-bit ELF');
    const arm = img.slice(); arm[18] = 40;
    expect(() => parseElf32(arm)).toThrow('machine type 40');
  });
});
