import { describe, expect, it } from 'vitest';
import { PostPort } from './port80.js';

describe('POST port 0x80', () => {
  it('latches writes, reports them, and reads 0xff by default', () => {
    const codes: number[] = [];
    const p = new PostPort({ onPost: (c) => codes.push(c) });
    expect(p.ioRead(0, 1)).toBe(0xff);
    p.ioWrite(0, 1, 0x1234);
    p.ioWrite(0, 1, 0xaa);
    expect(codes).toEqual([0x34, 0xaa]);
    expect(p.last).toBe(0xaa);
    expect(p.ioRead(0, 1)).toBe(0xff);
    expect(p.ioRead(0, 4)).toBe(0xffffffff);
  });

  it('reads the last code back when configured to', () => {
    const p = new PostPort({ readBack: true });
    expect(p.ioRead(0, 1)).toBe(0xff);
    p.ioWrite(0, 1, 0x42);
    expect(p.ioRead(0, 1)).toBe(0x42);
    expect(p.ioRead(0, 2)).toBe(0xff42);
    expect(p.ioRead(0, 4)).toBe(0xffffff42);
  });

  it('saved state restores the latch', () => {
    const a = new PostPort({ readBack: true });
    a.ioWrite(0, 1, 0x5d);
    const b = new PostPort({ readBack: true });
    b.loadState(JSON.parse(JSON.stringify(a.saveState())));
    expect(b.last).toBe(0x5d);
    expect(b.ioRead(0, 1)).toBe(0x5d);
    const c = new PostPort({ readBack: true });
    c.loadState(JSON.parse(JSON.stringify(c.saveState())));
    expect(c.last).toBeUndefined();
    expect(c.ioRead(0, 1)).toBe(0xff);
    expect(() => c.loadState({})).toThrow(/last/);
    expect(() => c.loadState({ last: 256 })).toThrow(/last/);
  });
});
