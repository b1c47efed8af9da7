import { describe, expect, it } from 'vitest';
import { findMultibootHeader, parseElf32 } from '../../multiboot/index.js';
import { buildDeviceTestKernel, DEVICE_TEST_DEVICES, DEVICE_TEST_LINES, DEVICE_TEST_SOURCE } from './index.js';

describe('device test kernel', () => {
  it('is a multiboot ELF32 loaded at 1 MiB whose entry follows the header', () => {
    const image = buildDeviceTestKernel();
    const h = findMultibootHeader(image);
    expect(h).toBeDefined();
    const elf = parseElf32(image);
    expect(elf.loads[0].paddr).toBe(0x100000);
    expect(elf.entry).toBe(0x100020);
  });

  it('prints a line for every device it names, and its VM has a device for each', () => {
    for (const name of DEVICE_TEST_LINES) expect(DEVICE_TEST_SOURCE).toContain(`db "${name}: ", 0`);
    const classes = DEVICE_TEST_DEVICES.map((d) => d.class);
    for (const c of ['pic8259', 'pit8254', 'uart16550', 'rtc', 'i8042', 'port80', 'lapic', 'ioapic', 'hpet', 'acpi-pm', 'pci', 'generic', 'debug-exit']) expect(classes).toContain(c);
  });
});
