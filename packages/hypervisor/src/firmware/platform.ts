// Firmware for a VM with the PC's APIC platform: describes what attachDevices built (local APICs,
// I/O APIC, HPET, ACPI PM block, PCI) in ACPI tables and copies them into guest memory. VMs without
// local APICs get no tables (nothing would describe their processors).
import { HPET_BASE, IOAPIC_BASE, LAPIC_BASE, SLP_TYP_S5 } from '@serval/devices';
import type { Attached } from '../devices/attach.js';
import { isaGsi } from '../devices/irq-router.js';
import type { GuestMemory } from '../loader/elf64.js';
import { type AcpiPlatform, buildAcpi } from './acpi.js';
import { buildMpTable, type MpPlatform } from './mptable.js';

const GIB = 1024 * 1024 * 1024;
/** PCI INTA-D of slots route to I/O APIC pins 16-19. */
export const PCI_GSI_BASE = 16;
/** MPS INTI flags: active high, level triggered (the SCI). */
const LEVEL_HIGH = 0x0d;

export function acpiPlatform(a: Attached, memory: number): AcpiPlatform | undefined {
  if (a.lapics.length === 0) return undefined;
  const overrides: AcpiPlatform['overrides'] = [];
  if (a.ioapic) {
    overrides.push({ irq: 0, gsi: isaGsi(0), flags: 0 });
    if (a.acpiPm) overrides.push({ irq: a.acpiPm.sci, gsi: isaGsi(a.acpiPm.sci), flags: LEVEL_HIGH });
  }
  // The PCI memory window: from 3 GiB (or the first 256 MiB boundary above RAM) to below the I/O APIC.
  const windowStart = Math.max(3 * GIB, Math.ceil(memory / 0x10000000) * 0x10000000);
  return {
    apicIds: a.lapics.map((l) => l.apicId),
    lapicAddress: LAPIC_BASE,
    ioapic: a.ioapic ? { id: a.ioapic.id, address: IOAPIC_BASE, gsiBase: 0 } : undefined,
    overrides,
    hpet: a.hpet ? { address: HPET_BASE, blockId: a.hpet.capabilities, minTick: 100 } : undefined,
    pm: a.acpiPm ? { evt: a.acpiPm.base, cnt: a.acpiPm.base + 4, tmr: a.acpiPm.base + 8, sci: a.acpiPm.sci } : undefined,
    pci: a.pci ? { memory: windowStart < 0xfec00000 ? [windowStart, 0xfebfffff] : undefined, prtGsiBase: PCI_GSI_BASE } : undefined,
    century: 0x32,
    i8042: a.i8042,
    s5Type: SLP_TYP_S5,
  };
}

export function mpPlatform(a: Attached, cpuid: { signature: number; features: number }): MpPlatform | undefined {
  if (a.lapics.length === 0) return undefined;
  const isaIrqs: MpPlatform['isaIrqs'] = [];
  // Every ISA IRQ but the cascade (2), on its pin; the SCI level-triggered, active high.
  for (let irq = 0; irq < 16; irq++) {
    if (irq === 2) continue;
    isaIrqs.push({ irq, pin: isaGsi(irq), flags: a.acpiPm && irq === a.acpiPm.sci ? LEVEL_HIGH : 0 });
  }
  return {
    apicIds: a.lapics.map((l) => l.apicId), lapicAddress: LAPIC_BASE, cpuSignature: cpuid.signature, cpuFeatures: cpuid.features,
    ioapic: a.ioapic ? { id: a.ioapic.id, address: IOAPIC_BASE } : undefined, isaIrqs,
  };
}

/**
 * Writes the VM's MP table and ACPI tables (CPUID.1 gives the processors' signature for the MP
 * table); returns the RSDP's guest-physical address, if any.
 */
export function installFirmware(a: Attached, g: GuestMemory, cpuid: { signature: number; features: number }): number | undefined {
  const p = acpiPlatform(a, g.size);
  const mp = mpPlatform(a, cpuid);
  if (!p || !mp) return undefined;
  const table = buildMpTable(mp);
  g.mem.write(g.hostBase + table.at, table.bytes);
  const img = buildAcpi(p);
  for (const [gpa, bytes] of img.pieces) g.mem.write(g.hostBase + gpa, bytes);
  return img.rsdp;
}
