import { PhysicalMemory } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { AddressSpace, PageTablePool, PROT_RW, PROT_RX } from './aspace.js';
import { Pmem } from './pmem.js';

const MB = 1024 * 1024;

function setup() {
  const mem = new PhysicalMemory(64 * MB);
  const pmem = new Pmem(mem.size);
  pmem.reserve(0, MB, 'kernel', 'test');
  return { mem, as: new AddressSpace(mem, new PageTablePool(mem, pmem)) };
}

/** Walks the tables by hand: [level of the leaf (1G=1, 2M=2, 4K=3), the leaf entry]. */
function leaf(mem: PhysicalMemory, cr3: number, va: number): [number, bigint] {
  let table = cr3;
  for (let level = 0; level < 4; level++) {
    const shift = 39 - 9 * level;
    const e = mem.dv.getBigUint64(table + (Math.floor(va / 2 ** shift) % 512) * 8, true);
    if (!(e & 1n)) throw new Error(`not present at level ${level}`);
    if (level === 3 || (e & 0x80n)) return [level, e];
    table = Number(e & 0xffffffffff000n);
  }
  throw new Error('unreachable');
}

describe('address spaces', () => {
  it('maps with the largest pages that fit and the right permission bits', () => {
    const { mem, as } = setup();
    as.mapRange(0x40000000, 2 * MB + 8192, 0x800000, PROT_RW);
    as.mapRange(0x401000, 4096, 0x2000000, PROT_RX);
    const [lvl2, e2] = leaf(mem, as.cr3, 0x40000000);
    expect(lvl2).toBe(2);
    expect(e2 & 0xfffffffff000n).toBe(0x800000n);
    expect(e2 & 0x87n).toBe(0x87n); // P, RW, U, PS
    expect(e2 >> 63n).toBe(1n); // NX
    const [lvl4, e4] = leaf(mem, as.cr3, 0x40200000 + 4096);
    expect(lvl4).toBe(3);
    expect(e4 & 0xfffffffff000n).toBe(BigInt(0x800000 + 2 * MB + 4096));
    const [, t] = leaf(mem, as.cr3, 0x401000);
    expect(t & 2n).toBe(0n);
    expect(t >> 63n).toBe(0n);
  });

  it('splits a large page when part of it changes, keeping the rest', () => {
    const { mem, as } = setup();
    as.mapRange(0x40000000, 2 * MB, 0x800000, PROT_RW);
    as.unmapRange(0x40001000, 4096);
    expect(as.translate(0x40000010)).toBe(0x800010);
    expect(as.translate(0x40001010)).toBeUndefined();
    expect(as.translate(0x40002010)).toBe(0x802010);
    const [lvl] = leaf(mem, as.cr3, 0x40002000);
    expect(lvl).toBe(3);
    as.mapRange(0x40001000, 4096, 0x900000, PROT_RX);
    expect(as.translate(0x40001004)).toBe(0x900004);
  });

  it('refuses unaligned and non-user ranges', () => {
    const { as } = setup();
    expect(() => as.mapRange(0x11001, 0x1000, 0, PROT_RW)).toThrow('is not a page-aligned user range');
    expect(() => as.mapRange(0x800000000000, 0x1000, 0, PROT_RW)).toThrow('is not a page-aligned user range');
  });
});
