import { describe, expect, it } from 'vitest';
import { GenericPorts, type PortAccess } from './generic.js';

describe('generic port range', () => {
  it('ignore mode: reads float to all-ones, writes vanish', () => {
    const g = new GenericPorts({ base: 0x3c0, length: 32 });
    expect(g.portRanges()).toEqual([{ base: 0x3c0, length: 32, device: g }]);
    expect([g.ioRead(0, 1), g.ioRead(4, 2), g.ioRead(8, 4)]).toEqual([0xff, 0xffff, 0xffffffff]);
    g.ioWrite(1, 1, 0x12);
    expect(g.name).toBe('ports-3c0');
  });

  it('print mode: one line per access with absolute ports', () => {
    const lines: string[] = [];
    const g = new GenericPorts({ name: 'vga', base: 0x3c0, length: 32, mode: 'print', print: (l) => lines.push(l) });
    g.ioWrite(0x14, 1, 0x1ff);
    g.ioWrite(0x14, 2, 0xabcd);
    expect(g.ioRead(0x1a, 1)).toBe(0xff);
    g.ioWrite(0, 4, -1);
    expect(lines).toEqual(['vga: outb 0x03d4 <- 0xff', 'vga: outw 0x03d4 <- 0xabcd', 'vga: inb 0x03da -> 0xff', 'vga: outl 0x03c0 <- 0xffffffff']);
  });

  it('forward mode: the callback sees every access and supplies read values', () => {
    const seen: PortAccess[] = [];
    const g = new GenericPorts({ base: 0xcf8, length: 8, mode: 'forward', forward: (a) => { seen.push(a); return a.write ? undefined : a.offset === 4 ? 0x1234_5678 : undefined; } });
    expect(g.ioRead(4, 4)).toBe(0x12345678);
    expect(g.ioRead(4, 1)).toBe(0x78);
    expect(g.ioRead(0, 2)).toBe(0xffff);
    g.ioWrite(0, 4, 0x80000000);
    expect(seen).toEqual([
      { port: 0xcfc, offset: 4, size: 4, write: false, value: 0 },
      { port: 0xcfc, offset: 4, size: 1, write: false, value: 0 },
      { port: 0xcf8, offset: 0, size: 2, write: false, value: 0 },
      { port: 0xcf8, offset: 0, size: 4, write: true, value: 0x80000000 },
    ]);
    expect(() => new GenericPorts({ base: 0, length: 1, mode: 'forward' })).toThrow(/forward callback/);
  });

  it('saved state is empty and symmetric', () => {
    const g = new GenericPorts({ base: 0x100, length: 4 });
    const h = new GenericPorts({ base: 0x100, length: 4 });
    h.loadState(JSON.parse(JSON.stringify(g.saveState())));
    expect(h.saveState()).toEqual(g.saveState());
    expect(() => h.loadState(null)).toThrow(/not an object/);
  });
});
