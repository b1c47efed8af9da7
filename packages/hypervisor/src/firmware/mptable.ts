// The Intel MultiProcessor Specification 1.4 tables: a floating pointer structure ("_MP_") in the
// BIOS area and the configuration table ("PCMP") it points to, listing processors (local APIC IDs,
// the bootstrap one flagged), the ISA bus, the I/O APIC and the wiring of ISA IRQs to its pins and
// of LINT0/LINT1 (ExtINT, NMI). Linux uses it when ACPI is off (acpi=off) or absent.
import { checksum } from './acpi.js';

export interface MpPlatform {
  apicIds: number[];
  lapicAddress: number;
  /** CPUID.1 EAX and EDX of the processors. */
  cpuSignature: number;
  cpuFeatures: number;
  ioapic?: { id: number; address: number };
  /** ISA IRQ → I/O APIC pin, with MPS INTI flags. */
  isaIrqs: { irq: number; pin: number; flags: number }[];
}

export const MP_AREA = 0xf0000;
const LAPIC_VERSION = 0x14;
const IOAPIC_VERSION = 0x20;

/** The floating pointer at `at` and the configuration table right after it. */
export function buildMpTable(p: MpPlatform, at = MP_AREA): { at: number; bytes: Uint8Array } {
  const entries: number[][] = [];
  const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  p.apicIds.forEach((id, i) => entries.push([0, id, LAPIC_VERSION, i === 0 ? 3 : 1, ...u32(p.cpuSignature), ...u32(p.cpuFeatures), 0, 0, 0, 0, 0, 0, 0, 0]));
  entries.push([1, 0, ...[...'ISA   '].map((c) => c.charCodeAt(0))]);
  if (p.ioapic) {
    entries.push([2, p.ioapic.id, IOAPIC_VERSION, 1, ...u32(p.ioapic.address)]);
    for (const r of p.isaIrqs) entries.push([3, 0, r.flags & 0xff, r.flags >> 8, 0, r.irq, p.ioapic.id, r.pin]);
  }
  // LINT0 is the 8259's ExtINT, LINT1 the NMI, on every processor (destination 0xFF).
  entries.push([4, 3, 0, 0, 0, 0, 0xff, 0]);
  entries.push([4, 1, 0, 0, 0, 0, 0xff, 1]);
  const body = entries.flat();
  const table = new Uint8Array(44 + body.length);
  const dv = new DataView(table.buffer);
  table.set([...'PCMP'].map((c) => c.charCodeAt(0)), 0);
  dv.setUint16(4, table.length, true);
  table[6] = 4; // spec revision 1.4
  table.set([...'SERVAL  '].map((c) => c.charCodeAt(0)), 8);
  table.set([...'SERVALVM    '].map((c) => c.charCodeAt(0)), 16);
  dv.setUint16(34, entries.length, true);
  dv.setUint32(36, p.lapicAddress, true);
  table.set(body, 44);
  table[7] = checksum(table);

  const fp = new Uint8Array(16);
  fp.set([...'_MP_'].map((c) => c.charCodeAt(0)), 0);
  new DataView(fp.buffer).setUint32(4, at + 16, true);
  fp[8] = 1; // length in 16-byte units
  fp[9] = 4;
  // Feature bytes all 0: a configuration table is present; virtual-wire mode (no IMCR).
  fp[10] = checksum(fp);
  const out = new Uint8Array(16 + table.length);
  out.set(fp);
  out.set(table, 16);
  return { at, bytes: out };
}
