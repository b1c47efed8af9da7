// A multiboot test kernel that exercises every device of Serval's PC and reports one line per
// device on COM1: "<device>: ok <what it saw>" or "<device>: FAIL <why>". It runs in 32-bit
// protected mode without paging (the APIC, I/O APIC and HPET pages are reachable as is), takes
// interrupts through its own IDT (a counter per vector from 0x20 to 0x5F), and exits through the
// debug-exit port with the number of failures as its status. Every wait for an interrupt or a
// device is bounded, so a broken device gives a FAIL line rather than a hang.
//
// It expects: the 8259 pair, 8254 with port 61h, 16550 at 0x3F8 (IRQ 4) with one byte of input,
// CMOS RTC (default start 2024-01-01, BCD), i8042, port 80h, local APIC, I/O APIC, HPET, the ACPI
// PM block at 0x600, the PCI host bridge (1b36:0008), a generic device at 0x378-0x37F and
// debug-exit at 0xF4 (`DEVICE_TEST_DEVICES`).
import { buildMultibootKernel } from '../../multiboot/build.js';
import { LEGACY_TESTS } from './legacy.js';
import { PLATFORM_TESTS } from './platform.js';
import { RUNTIME_CODE, RUNTIME_DATA } from './runtime.js';

/** The device lines the kernel prints, in order. */
export const DEVICE_TEST_LINES = ['pic', 'pit', 'pit-ch2', 'uart', 'uart-rx', 'rtc', 'cmos', 'i8042', 'post', 'lapic', 'ioapic', 'hpet', 'acpi-pm', 'pci', 'generic'] as const;

/** The byte the UART test waits for on its serial input. */
export const DEVICE_TEST_INPUT = 'Q';

/** The VM's devices, as config entries (the order and options the kernel expects). */
export const DEVICE_TEST_DEVICES = [
  { id: 'pic', class: 'pic8259' },
  { id: 'ioapic', class: 'ioapic' },
  { id: 'lapic', class: 'lapic' },
  { id: 'hpet', class: 'hpet' },
  { id: 'pm', class: 'acpi-pm' },
  { id: 'pci', class: 'pci' },
  { id: 'pit', class: 'pit8254' },
  { id: 'rtc', class: 'rtc' },
  { id: 'kbc', class: 'i8042' },
  { id: 'post', class: 'port80', options: { print: true } },
  { id: 'com1', class: 'uart16550', options: { port: 0x3f8, irq: 4 } },
  { id: 'lpt', class: 'generic', options: { base: 0x378, length: 8, mode: 'print' } },
  { id: 'exit', class: 'debug-exit', options: { port: 0xf4 } },
] as const;

export const DEVICE_TEST_SOURCE = [RUNTIME_CODE, LEGACY_TESTS, PLATFORM_TESTS, RUNTIME_DATA].join('\n');

/** The device test kernel as a multiboot ELF32 image. */
export function buildDeviceTestKernel(): Uint8Array {
  return buildMultibootKernel({ source: DEVICE_TEST_SOURCE }).image;
}
