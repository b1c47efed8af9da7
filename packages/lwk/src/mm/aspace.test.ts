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
    as.map({ va: 0x40000000, size: 2 * MB + 8192, pa: 0x800000, prot: PROT_RW, name: 'data' });
    as.map({ va: 0x401000, size: 4096, pa: 0x2000000, prot: PROT_RX, name: 'text' });
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

  it('resolves user addresses and refuses overlaps and holes', () => {
    const { as } = setup();
    as.map({ va: 0x10000, size: 0x2000, pa: 0x300000, prot: PROT_RX, name: 'a' });
    expect(as.resolve(0x10010, 16, 'read')).toBe(0x300010);
    expect(as.resolve(0x11ff0, 32, 'read')).toBeUndefined();
    expect(as.resolve(0x10010, 16, 'write')).toBeUndefined();
    expect(() => as.map({ va: 0x11000, size: 0x1000, pa: 0, prot: PROT_RW, name: 'b' })).toThrow('mapping b at 0x11000 overlaps a');
    expect(() => as.map({ va: 0x11001, size: 0x1000, pa: 0, prot: PROT_RW, name: 'c' })).toThrow('is not page aligned');
  });
});
