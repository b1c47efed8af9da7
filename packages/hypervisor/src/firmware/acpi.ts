// ACPI tables for a Serval VM, built from what the VM has: RSDP (ACPI 2.0, with both RSDT and
// XSDT), FADT (revision 3: the PM1 event/control blocks and the PM timer of the acpi-pm device,
// the SCI, legacy-device flags, DSDT and FACS pointers in both widths), FACS, MADT (a local APIC
// per vCPU, the I/O APIC, interrupt source overrides, the LINT1 NMI), HPET, and a DSDT with the
// PCI root bridge (_HID PNP0A03, _CRS, _PRT) and \_S5. Every table's checksum makes its bytes sum
// to zero.
import * as aml from './aml.js';

export interface AcpiPlatform {
  /** Local APIC IDs, one per vCPU (MADT processor entries, in order). */
  apicIds: number[];
  lapicAddress: number;
  ioapic?: { id: number; address: number; gsiBase: number };
  /** ISA IRQ → GSI overrides, with MPS INTI flags (polarity bits 1:0, trigger bits 3:2). */
  overrides: { irq: number; gsi: number; flags: number }[];
  hpet?: { address: number; blockId: number; minTick: number };
  pm?: { evt: number; cnt: number; tmr: number; sci: number };
  pci?: { memory: [number, number] | undefined; prtGsiBase: number };
  /** CMOS index of the century byte, 0 if none. */
  century: number;
  i8042: boolean;
  /** Sleep type the acpi-pm device takes as S5. */
  s5Type: number;
}

const OEM_ID = 'SERVAL';
const OEM_TABLE = 'SERVALVM';
const CREATOR = 'SRVL';

export function checksum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return (0x100 - s) & 0xff;
}

class Writer {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer);
  }
  str(off: number, s: string, len: number): void {
    for (let i = 0; i < len; i++) this.bytes[off + i] = i < s.length ? s.charCodeAt(i) : 0x20;
  }
  u8(off: number, v: number): void { this.bytes[off] = v; }
  u16(off: number, v: number): void { this.dv.setUint16(off, v, true); }
  u32(off: number, v: number): void { this.dv.setUint32(off, v >>> 0, true); }
  u64(off: number, v: number): void { this.u32(off, v % 2 ** 32); this.u32(off + 4, Math.floor(v / 2 ** 32)); }
  /** Generic address structure: system I/O (1) or memory (0). */
  gas(off: number, space: 0 | 1, bitWidth: number, accessSize: number, address: number): void {
    this.u8(off, space); this.u8(off + 1, bitWidth); this.u8(off + 2, 0); this.u8(off + 3, accessSize); this.u64(off + 4, address);
  }
}

/** A table with the standard 36-byte header; `fill` writes the body; the checksum goes in last. */
function table(sig: string, revision: number, length: number, fill: (w: Writer) => void): Uint8Array {
  const w = new Writer(length);
  w.str(0, sig, 4);
  w.u32(4, length);
  w.u8(8, revision);
  w.str(10, OEM_ID, 6);
  w.str(16, OEM_TABLE, 8);
  w.u32(24, 1);
  w.str(28, CREATOR, 4);
  w.u32(32, 1);
  fill(w);
  w.u8(9, checksum(w.bytes));
  return w.bytes;
}

export function rsdp(rsdt: number, xsdt: number): Uint8Array {
  const w = new Writer(36);
  w.str(0, 'RSD PTR ', 8);
  w.str(9, OEM_ID, 6);
  w.u8(15, 2);
  w.u32(16, rsdt);
  w.u32(20, 36);
  w.u64(24, xsdt);
  w.u8(8, checksum(w.bytes.subarray(0, 20)));
  w.u8(32, checksum(w.bytes));
  return w.bytes;
}

export function rsdt(entries: number[]): Uint8Array {
  return table('RSDT', 1, 36 + 4 * entries.length, (w) => entries.forEach((e, i) => w.u32(36 + 4 * i, e)));
}

export function xsdt(entries: number[]): Uint8Array {
  return table('XSDT', 1, 36 + 8 * entries.length, (w) => entries.forEach((e, i) => w.u64(36 + 8 * i, e)));
}

export function facs(): Uint8Array {
  const w = new Writer(64);
  w.str(0, 'FACS', 4);
  w.u32(4, 64);
  w.u8(32, 1); // version 1 (ACPI 2.0 layout)
  return w.bytes;
}

const FADT_FLAGS = { WBINVD: 1 << 0, PROC_C1: 1 << 2, SLP_BUTTON: 1 << 5, TMR_VAL_EXT: 1 << 8 } as const;
const BOOT_ARCH = { LEGACY_DEVICES: 1 << 0, I8042: 1 << 1, NO_VGA: 1 << 2 } as const;

export function fadt(p: AcpiPlatform, facsAddr: number, dsdtAddr: number): Uint8Array {
  return table('FACP', 3, 244, (w) => {
    // FIRMWARE_CTRL must be 0 when X_FIRMWARE_CTRL is set (ACPI 6.4, 5.2.9); DSDT may repeat X_DSDT.
    w.u32(40, dsdtAddr);
    w.u8(45, 0); // preferred PM profile: unspecified
    const pm = p.pm;
    if (pm) {
      w.u16(46, pm.sci);
      // SMI_CMD 0: no SMM, the machine is in ACPI mode from reset (SCI_EN reads 1).
      w.u32(56, pm.evt);
      w.u32(64, pm.cnt);
      w.u32(76, pm.tmr);
      w.u8(88, 4); w.u8(89, 2); w.u8(91, 4);
      w.gas(148, 1, 32, 0, pm.evt);
      w.gas(172, 1, 16, 0, pm.cnt);
      w.gas(208, 1, 32, 0, pm.tmr);
    }
    // No C2/C3 states (latencies above the limits), no cache flush geometry.
    w.u16(96, 101);
    w.u16(98, 1001);
    w.u8(108, p.century);
    w.u16(109, BOOT_ARCH.LEGACY_DEVICES | (p.i8042 ? BOOT_ARCH.I8042 : 0) | BOOT_ARCH.NO_VGA);
    // A fixed-feature power button (the acpi-pm device's PWRBTN), no sleep button, 32-bit PM timer.
    w.u32(112, FADT_FLAGS.WBINVD | FADT_FLAGS.PROC_C1 | FADT_FLAGS.SLP_BUTTON | (pm ? FADT_FLAGS.TMR_VAL_EXT : 0));
    w.u64(132, facsAddr);
    w.u64(140, dsdtAddr);
  });
}

export function madt(p: AcpiPlatform): Uint8Array {
  const entries: number[][] = [];
  p.apicIds.forEach((id, uid) => entries.push([0, 8, uid, id, 1, 0, 0, 0]));
  if (p.ioapic) {
    const a = p.ioapic;
    entries.push([1, 12, a.id, 0, ...u32le(a.address), ...u32le(a.gsiBase)]);
  }
  for (const o of p.overrides) entries.push([2, 10, 0, o.irq, ...u32le(o.gsi), o.flags & 0xff, o.flags >> 8]);
  // LINT1 of every processor is the NMI input (flags: conforming polarity and trigger).
  entries.push([4, 6, 0xff, 0, 0, 1]);
  const body = entries.flat();
  return table('APIC', 3, 44 + body.length, (w) => {
    w.u32(36, p.lapicAddress);
    w.u32(40, 1); // PCAT_COMPAT: the 8259 pair is there too
    w.bytes.set(body, 44);
  });
}

export function hpet(h: NonNullable<AcpiPlatform['hpet']>): Uint8Array {
  return table('HPET', 1, 56, (w) => {
    w.u32(36, h.blockId);
    w.gas(40, 0, 64, 0, h.address);
    w.u8(52, 0); // HPET number
    w.u16(53, h.minTick);
    w.u8(55, 0); // no page protection
  });
}

export function dsdt(p: AcpiPlatform): Uint8Array {
  const terms: aml.Bytes[] = [];
  if (p.pci) {
    const crs: aml.Bytes[] = [
      aml.wordRange('bus', 0, 0xff),
      aml.ioPort(0xcf8, 0xcf8, 1, 8),
      aml.wordRange('io', 0x0000, 0x0cf7),
      aml.wordRange('io', 0x0d00, 0xffff),
      aml.dwordMemory(0xa0000, 0xbffff),
    ];
    if (p.pci.memory) crs.push(aml.dwordMemory(p.pci.memory[0], p.pci.memory[1]));
    // INTA-D of slots 1-31 go straight to four I/O APIC pins, rotated by slot (the usual swizzle).
    const prt: aml.Bytes[] = [];
    for (let slot = 1; slot < 32; slot++) {
      for (let pin = 0; pin < 4; pin++) {
        prt.push(aml.pkg(aml.integer(slot * 0x10000 + 0xffff), aml.integer(pin), aml.integer(0), aml.integer(p.pci.prtGsiBase + ((slot + pin) & 3))));
      }
    }
    terms.push(aml.scope('\\_SB', aml.device('PCI0',
      aml.name('_HID', aml.eisaId('PNP0A03')),
      aml.name('_UID', aml.integer(0)),
      aml.name('_CRS', aml.resourceTemplate(...crs)),
      aml.name('_PRT', varPackage(prt)),
    )));
  }
  terms.push(aml.name('\\_S5', aml.pkg(aml.integer(p.s5Type), aml.integer(p.s5Type), aml.integer(0), aml.integer(0))));
  const body = terms.flat();
  return table('DSDT', 2, 36 + body.length, (w) => w.bytes.set(body, 36));
}

/** A package of more than 255 elements (VarPackageOp with a computed count). */
function varPackage(elements: aml.Bytes[]): aml.Bytes {
  if (elements.length <= 255) return aml.pkg(...elements);
  const body = [...aml.integer(elements.length), ...elements.flat()];
  return [0x13, ...aml.pkgLength(body.length), ...body];
}

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Where the tables go: the BIOS area the e820 map reserves (Linux also scans it for the RSDP). */
export const ACPI_AREA = { base: 0xe0000, size: 0x20000 } as const;

export interface AcpiImage {
  /** Guest-physical address of the RSDP. */
  rsdp: number;
  /** [address, bytes] pieces to copy into guest memory. */
  pieces: [number, Uint8Array][];
  tables: Record<string, number>;
}

/** Lays the tables out from `base`: RSDP, FACS (64-byte aligned), then the rest, 16-byte aligned. */
export function buildAcpi(p: AcpiPlatform, base = ACPI_AREA.base): AcpiImage {
  const pieces: [number, Uint8Array][] = [];
  const tables: Record<string, number> = {};
  let at = base + 64;
  const place = (name: string, bytes: Uint8Array, align = 16) => {
    at = Math.ceil(at / align) * align;
    pieces.push([at, bytes]);
    tables[name] = at;
    at += bytes.length;
    return tables[name];
  };
  const facsAt = place('FACS', facs(), 64);
  const dsdtAt = place('DSDT', dsdt(p));
  const others = [place('FACP', fadt(p, facsAt, dsdtAt)), place('APIC', madt(p))];
  if (p.hpet) others.push(place('HPET', hpet(p.hpet)));
  const rsdtAt = place('RSDT', rsdt(others));
  const xsdtAt = place('XSDT', xsdt(others));
  pieces.push([base, rsdp(rsdtAt, xsdtAt)]);
  tables.RSDP = base;
  if (at > ACPI_AREA.base + ACPI_AREA.size) throw new RangeError(`ACPI tables end at 0x${at.toString(16)}, past the BIOS area`);
  return { rsdp: base, pieces, tables };
}
