import { describe, expect, it } from 'vitest';
import { Pmem } from './pmem.js';

const MB = 1024 * 1024;

describe('pmem', () => {
  it('allocates contiguous, aligned, typed regions and merges them back when freed', () => {
    const p = new Pmem(64 * MB);
    p.reserve(0, MB, 'kernel', 'LWK');
    const a = p.alloc(3 * MB, 'umem', 'a', 2 * MB);
    expect(a).toMatchObject({ start: 2 * MB, size: 3 * MB, type: 'umem', owner: 'a' });
    const b = p.alloc(5000, 'umem', 'b');
    expect(b.start).toBe(MB);
    expect(b.size).toBe(8192);
    expect(p.free).toBe(64 * MB - MB - 3 * MB - 8192);
    p.freeRegion(a);
    p.freeRegion(b);
    expect(p.free).toBe(63 * MB);
    expect(p.regions().filter((r) => r.type === 'free')).toHaveLength(1);
  });

  it('says how much is free when a contiguous block cannot be found', () => {
    const p = new Pmem(8 * MB);
    p.alloc(6 * MB, 'umem', 'big');
    expect(() => p.alloc(4 * MB, 'umem', 'next')).toThrow('no 4096 KiB of contiguous physical memory is free (2048 KiB free in all) for next');
    expect(() => p.reserve(0, 4096, 'kernel', 'x')).toThrow('is not free');
  });
});
