import { describe, expect, it } from 'vitest';
import { buildElf64 } from './write.js';
import { elfNotes, parseElf64 } from './parse.js';
import { PF, PT } from './types.js';

const code = new Uint8Array([0x90, 0x90, 0xc3]);

describe('ELF64', () => {
  it('round-trips a built executable, including upper-half addresses and notes', () => {
    const bytes = buildElf64({
      entry: -2130706432 + 16,
      segments: [
        { vaddr: -2130706432, paddr: 0x1000000, bytes: code },
        { vaddr: 0x600000, bytes: new Uint8Array([1, 2, 3, 4]), memSize: 0x2000, flags: PF.R | PF.W },
      ],
      notes: [{ name: 'Xen', type: 18, desc: new Uint8Array([0x50, 0x08, 0, 1]) }],
    });
    const elf = parseElf64(bytes);
    expect(elf.entry).toBe(-2130706432 + 16);
    const loads = elf.phdrs.filter((p) => p.type === PT.LOAD);
    expect(loads.map((p) => [p.vaddr, p.paddr, p.filesz, p.memsz, p.flags])).toEqual([
      [-2130706432, 0x1000000, 3, 3, PF.R | PF.X],
      [0x600000, 0x600000, 4, 0x2000, PF.R | PF.W],
    ]);
    for (const p of loads) expect(p.offset % 4096).toBe(((p.vaddr % 4096) + 4096) % 4096);
    expect(bytes.subarray(loads[0].offset, loads[0].offset + 3)).toEqual(code);
    expect(elfNotes(elf)).toEqual([{ name: 'Xen', type: 18, desc: new Uint8Array([0x50, 0x08, 0, 1]) }]);
  });

  it('rejects what is not a loadable x86-64 ELF64, saying why', () => {
    const good = buildElf64({ entry: 0x400000, segments: [{ vaddr: 0x400000, bytes: code }] });
    expect(() => parseElf64(new TextEncoder().encode('#!/bin/sh\necho hi\n'), 'prog')).toThrow(/prog is not an ELF file/);
    expect(() => parseElf64(good.slice(0, 40))).toThrow(/truncated/);
    expect(() => parseElf64(good.slice(0, 100))).toThrow(/truncated: its program headers end/);
    const b32 = good.slice(); b32[4] = 1;
    expect(() => parseElf64(b32)).toThrow(/32-bit ELF/);
    const arm = good.slice(); arm[18] = 183;
    expect(() => parseElf64(arm)).toThrow(/machine type 183, not x86-64/);
    const rel = good.slice(); rel[16] = 1;
    expect(() => parseElf64(rel)).toThrow(/ELF type 1/);
    expect(() => parseElf64(good.slice(0, good.length - 1))).toThrow(/truncated: segment 0/);
    try { parseElf64(b32); } catch (e) { expect((e as { code: string }).code).toBe('NOT_64BIT'); }
  });
});
