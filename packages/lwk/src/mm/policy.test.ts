// Kitten's job memory: a heap allocated and mapped up front, page sizes by policy, regions sorted
// and disjoint, SMARTMAP between address spaces.
import { PhysicalMemory } from '@serval/x86';
import { describe, expect, it } from 'vitest';
import { AddressSpace, PageTablePool, PROT_RW, SMARTMAP_SLOT } from './aspace.js';
import { Mm } from './mm.js';
import { Pmem } from './pmem.js';

const MB = 1024 * 1024, GB = 1024 * MB;

function res() {
  const mem = new PhysicalMemory(256 * MB);
  const pmem = new Pmem(mem.size);
  pmem.reserve(0, MB, 'kernel', 'test');
  let flushes = 0;
  return { r: { mem, pmem, pool: new PageTablePool(mem, pmem), flushAll: () => { flushes++; } }, flushes: () => flushes };
}

describe('memory policy', () => {
  it('maps with the largest page the policy allows: 1 GiB, 2 MiB or 4 KiB', () => {
    const { r } = res();
    for (const [max, want] of [[GB, GB], [2 * MB, 2 * MB], [4096, 4096]] as const) {
      const as = new AddressSpace(r.mem, r.pool);
      as.maxPage = max;
      as.mapRange(GB, GB + 2 * MB, GB, PROT_RW); // physical addresses beyond the node are fine for the tables
      expect(as.pageSizeAt(GB + 12345)).toBe(want);
      expect(as.pageSizeAt(2 * GB + 4096)).toBe(Math.min(max, 2 * MB));
      expect(as.translate(GB + 0x12345)).toBe(GB + 0x12345);
    }
  });

  it('allocates a fixed heap up front, aligned for large pages; brk moves inside it and zeroes what it gives back', () => {
    const { r } = res();
    const mm = new Mm(r, 'job', { heap: 8 * MB, maxPage: 2 * MB });
    mm.brkStart = mm.brk = mm.brkMapped = 0x4a3000;
    mm.reserveHeap(8 * MB);
    expect(mm.brkStart).toBe(0x600000);
    expect(mm.heapEnd).toBe(0x600000 + 8 * MB);
    expect(mm.aspace.pageSizeAt(0x600000)).toBe(2 * MB);
    expect(mm.aspace.pageSizeAt(0x600000 + 7 * MB)).toBe(2 * MB);
    const region = r.pmem.regions('umem').find((x) => x.owner === 'job heap');
    expect(region?.size).toBe(8 * MB);
    expect(mm.setBrk(0x600000 + 4 * MB)).toBe(0x600000 + 4 * MB);
    expect(mm.setBrk(0x600000 + 9 * MB)).toBe(0x600000 + 4 * MB); // past the heap: refused
    expect(mm.write(0x600000 + MB, Uint8Array.of(7))).toBe(true);
    mm.setBrk(0x600000);
    mm.setBrk(0x600000 + 2 * MB);
    expect(mm.read(0x600000 + MB, 1)?.[0]).toBe(0);
    const small = new Mm(r, 'small', { maxPage: 4096 });
    small.brkStart = 0x4a3000;
    small.reserveHeap(4 * MB);
    expect(small.brkStart).toBe(0x4a3000);
    expect(small.aspace.pageSizeAt(0x600000)).toBe(4096);
  });

  it('gives a forked child the same large pages', () => {
    const { r } = res();
    const mm = new Mm(r, 'parent');
    mm.mapFresh(0x10000000, 4 * MB, PROT_RW, 'anon', 'big', 2 * MB);
    mm.mapFresh(0x7fff00000000 - 3 * MB, 6 * MB, PROT_RW, 'stack', 'stack', 2 * MB); // starts 1 MiB into a large page
    mm.write(0x10000000 + 3 * MB, Uint8Array.of(9));
    const child = mm.fork('child');
    expect(child.aspace.pageSizeAt(0x10000000)).toBe(2 * MB);
    expect(child.aspace.pageSizeAt(0x7fff00000000)).toBe(2 * MB);
    expect(child.read(0x10000000 + 3 * MB, 1)?.[0]).toBe(9);
    expect(child.aspace.translate(0x10000000)).not.toBe(mm.aspace.translate(0x10000000));
  });

  it('keeps regions sorted and disjoint, splitting what a new mapping overlaps', () => {
    const { r } = res();
    const mm = new Mm(r, 'p');
    mm.mapFresh(0x10000000, 4 * MB, PROT_RW, 'anon', 'a');
    mm.mapFresh(0x8000000, MB, PROT_RW, 'anon', 'b');
    mm.mapFresh(0x10100000, 4096, PROT_RW, 'anon', 'c');
    const m = mm.mappings.map((v) => [v.va, v.va + v.size, v.name]);
    expect(m).toEqual([[0x8000000, 0x8100000, 'b'], [0x10000000, 0x10100000, 'a'], [0x10100000, 0x10101000, 'c'], [0x10101000, 0x10400000, 'a']]);
    for (let i = 1; i < m.length; i++) expect(m[i][0]).toBeGreaterThanOrEqual(m[i - 1][1] as number);
    for (const [va] of m) expect(mm.aspace.translate(va as number)).toBeDefined(); // mapped eagerly
  });

  it('SMARTMAP shows another space\'s first 512 GiB, including what it maps later, until it goes away', () => {
    const { r, flushes } = res();
    const a = new Mm(r, 'rank0'), b = new Mm(r, 'rank1');
    a.mapFresh(0x400000, 2 * MB, PROT_RW, 'anon', 'data');
    a.write(0x400010, Uint8Array.of(42));
    b.smartmap(a, SMARTMAP_SLOT);
    expect(b.read(SMARTMAP_SLOT + 0x400010, 1)?.[0]).toBe(42);
    expect(b.aspace.translate(SMARTMAP_SLOT + 0x400010)).toBe(a.aspace.translate(0x400010));
    a.mapFresh(0x40000000, 4096, PROT_RW, 'anon', 'later');
    expect(b.aspace.translate(SMARTMAP_SLOT + 0x40000000)).toBe(a.aspace.translate(0x40000000));
    expect(b.rangeFree(SMARTMAP_SLOT + 0x1000000, 4096)).toBe(false);
    expect(() => b.smartmap(a, SMARTMAP_SLOT)).toThrow('already in use');
    expect(() => b.mapFresh(SMARTMAP_SLOT + 0x1000000, 4096, PROT_RW, 'anon', 'x')).toThrow('SMARTMAP');
    expect(() => b.smartmap(a, SMARTMAP_SLOT + 4096)).toThrow('multiple of 512 GiB');
    const before = flushes();
    a.removeRange(0x400000, 4096);
    expect(flushes()).toBeGreaterThan(before); // other cores may hold the old translation
    expect(b.aspace.translate(SMARTMAP_SLOT + 0x400010)).toBeUndefined();
    // A space that ends while shown stays until the last space showing it lets go.
    const used = r.pmem.free;
    a.destroy();
    expect(r.pmem.free).toBe(used);
    expect(b.aspace.translate(SMARTMAP_SLOT + 0x40000000)).toBe(a.aspace.translate(0x40000000));
    b.unsmartmap(SMARTMAP_SLOT);
    expect(r.pmem.free).toBeGreaterThan(used);
    expect(b.aspace.translate(SMARTMAP_SLOT + 0x40000000)).toBeUndefined();
    expect(b.read(SMARTMAP_SLOT + 0x40000000, 1)).toBeUndefined();
    expect(b.rangeFree(SMARTMAP_SLOT, 4096)).toBe(true);
    // And a viewer that ends first simply lets go.
    const c = new Mm(r, 'rank2'), d = new Mm(r, 'rank3');
    c.mapFresh(0x400000, 4096, PROT_RW, 'anon', 'data');
    d.smartmap(c, SMARTMAP_SLOT);
    d.destroy();
    const freeBefore = r.pmem.free;
    c.destroy();
    expect(r.pmem.free).toBeGreaterThan(freeBefore);
  });

  it('lists physical memory by type', () => {
    const { r } = res();
    const mm = new Mm(r, 'p');
    mm.mapFresh(0x400000, MB, PROT_RW, 'anon', 'x');
    expect(r.pmem.regions('kernel')).toEqual([{ start: 0, size: MB, type: 'kernel', owner: 'test' }]);
    expect(r.pmem.regions('pagetables').length).toBe(1);
    expect(r.pmem.regions('umem').map((x) => x.owner)).toEqual(['p x']);
    expect(r.pmem.regionAt(MB + 5)?.type).toBe('pagetables');
    const total = r.pmem.regions().reduce((s, x) => s + x.size, 0);
    expect(total).toBe(256 * MB);
  });
});
