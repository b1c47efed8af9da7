import { describe, expect, it } from 'vitest';
import { MmioBus, PortBus, type PortDevice, type MmioDevice } from './bus.js';

const portDev = (name: string, log: string[]): PortDevice => ({
  name,
  ioRead: (off, size) => { log.push(`${name} r${off}/${size}`); return 0x10 + off; },
  ioWrite: (off, size, v) => { log.push(`${name} w${off}/${size}=${v}`); },
});
const mmioDev = (name: string): MmioDevice => ({ name, mmioRead: (off) => off, mmioWrite: () => {} });

describe('port bus', () => {
  it('gives devices offsets from their own base; unclaimed ports read all-ones', () => {
    const bus = new PortBus();
    const log: string[] = [];
    bus.register(0x3f8, 8, portDev('com1', log));
    expect(bus.read(0x3fd, 1)).toBe(0x15);
    bus.write(0x3f8, 1, 65);
    expect(log).toEqual(['com1 r5/1', 'com1 w0/1=65']);
    expect(bus.read(0x80, 1)).toBe(0xff);
    expect(bus.read(0x80, 2)).toBe(0xffff);
    expect(bus.read(0x80, 4)).toBe(0xffffffff);
  });

  it('rejects overlapping and empty ranges naming both devices', () => {
    const bus = new PortBus();
    bus.register(0x3f8, 8, portDev('com1', []));
    expect(() => bus.register(0x3ff, 2, portDev('other', []))).toThrow(/0x3ff of other is already taken by com1/);
    expect(() => bus.register(0x100, 0, portDev('empty', []))).toThrow(/empty or out of bounds/);
    expect(() => bus.register(0xffff, 2, portDev('wrap', []))).toThrow(/out of bounds/);
  });
});

describe('MMIO bus', () => {
  it('finds devices by range and rejects overlaps', () => {
    const bus = new MmioBus();
    bus.register(0xfee00000, 0x1000, mmioDev('lapic'));
    bus.register(0xfec00000, 0x100, mmioDev('ioapic'));
    expect(bus.read(0xfee00020, 4)).toBe(0x20);
    expect(bus.read(0xfec00010, 4)).toBe(0x10);
    expect(bus.read(0xfed00000, 4)).toBe(0xffffffff);
    expect(() => bus.register(0xfee00800, 0x1000, mmioDev('x'))).toThrow(/overlaps lapic/);
  });
});
