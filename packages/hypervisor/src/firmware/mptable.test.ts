import { describe, expect, it } from 'vitest';
import { checksum } from './acpi.js';
import { buildMpTable } from './mptable.js';

describe('MP table', () => {
  const isaIrqs = [{ irq: 0, pin: 2, flags: 0 }, { irq: 1, pin: 1, flags: 0 }, { irq: 9, pin: 9, flags: 0x0d }];
  const { at, bytes } = buildMpTable({ apicIds: [0, 1], lapicAddress: 0xfee00000, cpuSignature: 0x206a1, cpuFeatures: 0x1234, ioapic: { id: 2, address: 0xfec00000 }, isaIrqs });
  const dv = new DataView(bytes.buffer);
  const table = bytes.subarray(16);

  it('a floating pointer ("_MP_", 16 bytes, sums to zero) points at the configuration table', () => {
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('_MP_');
    expect(at % 16).toBe(0);
    expect(checksum(bytes.subarray(0, 16))).toBe(0);
    expect(dv.getUint32(4, true)).toBe(at + 16);
    expect([bytes[8], bytes[9], bytes[11]]).toEqual([1, 4, 0]);
  });

  it('the configuration table lists processors, the ISA bus, the I/O APIC and the interrupt wiring', () => {
    expect(String.fromCharCode(...table.subarray(0, 4))).toBe('PCMP');
    expect(dv.getUint16(16 + 4, true)).toBe(table.length);
    expect(checksum(table)).toBe(0);
    expect(dv.getUint16(16 + 34, true)).toBe(2 + 1 + 1 + 3 + 2);
    expect(dv.getUint32(16 + 36, true)).toBe(0xfee00000);
    // Processors: type 0, APIC ID, version, flags (enabled; BSP on the first), signature.
    expect([...table.subarray(44, 48)]).toEqual([0, 0, 0x14, 3]);
    expect([...table.subarray(64, 68)]).toEqual([0, 1, 0x14, 1]);
    expect(dv.getUint32(16 + 48, true)).toBe(0x206a1);
    const bus = 84;
    expect(String.fromCharCode(...table.subarray(bus + 2, bus + 8))).toBe('ISA   ');
    expect([...table.subarray(bus + 8, bus + 12)]).toEqual([2, 2, 0x20, 1]);
    const irq = bus + 16;
    expect([...table.subarray(irq, irq + 8)]).toEqual([3, 0, 0, 0, 0, 0, 2, 2]); // IRQ 0 → pin 2
    expect([...table.subarray(irq + 16, irq + 24)]).toEqual([3, 0, 0x0d, 0, 0, 9, 2, 9]); // SCI: level, high
    expect([...table.subarray(irq + 24, irq + 40)]).toEqual([4, 3, 0, 0, 0, 0, 0xff, 0, 4, 1, 0, 0, 0, 0, 0xff, 1]);
  });
});
