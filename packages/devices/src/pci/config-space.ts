// A PCI function's 256-byte configuration space: the bytes, which bits the guest may write, and
// which are write-1-to-clear (status). BAR sizing needs no special code: a BAR of size S has its
// low log2(S) address bits read-only zero, so writing all ones reads back the size mask, as on
// hardware. Device models build their header with the helpers and may watch writes (`onWrite`) to
// follow the command register or a moved BAR.
import { DeviceError } from '../device.js';

/** Standard header offsets. */
export const PCI = {
  VENDOR_ID: 0x00, DEVICE_ID: 0x02, COMMAND: 0x04, STATUS: 0x06, REVISION: 0x08, PROG_IF: 0x09,
  SUBCLASS: 0x0a, CLASS: 0x0b, CACHE_LINE: 0x0c, LATENCY: 0x0d, HEADER_TYPE: 0x0e, BAR0: 0x10,
  SUBSYSTEM_VENDOR_ID: 0x2c, SUBSYSTEM_ID: 0x2e, CAPABILITIES: 0x34, INTERRUPT_LINE: 0x3c, INTERRUPT_PIN: 0x3d,
} as const;

/** What the host bridge needs from a function: configuration reads and writes. */
export interface PciFunction {
  readonly name: string;
  readConfig(offset: number, size: 1 | 2 | 4): number;
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void;
}

export interface PciIdentity {
  vendor: number;
  device: number;
  /** Class code: base class, subclass, programming interface (e.g. 0x060000 for a host bridge). */
  classCode: number;
  revision?: number;
  subsystemVendor?: number;
  subsystem?: number;
  /** Header type byte (0 for an endpoint; bit 7 for a multi-function device). */
  headerType?: number;
}

export class PciConfigSpace implements PciFunction {
  readonly bytes = new Uint8Array(256);
  readonly writable = new Uint8Array(256);
  readonly clearOnWrite = new Uint8Array(256);
  /** Called after a guest write, with the offset and size written. */
  onWrite: ((offset: number, size: number) => void) | undefined;

  constructor(readonly name: string, id: PciIdentity) {
    this.put(PCI.VENDOR_ID, 2, id.vendor);
    this.put(PCI.DEVICE_ID, 2, id.device);
    this.put(PCI.REVISION, 1, id.revision ?? 0);
    this.put(PCI.PROG_IF, 1, id.classCode & 0xff);
    this.put(PCI.SUBCLASS, 1, (id.classCode >> 8) & 0xff);
    this.put(PCI.CLASS, 1, (id.classCode >> 16) & 0xff);
    this.put(PCI.HEADER_TYPE, 1, id.headerType ?? 0);
    this.put(PCI.SUBSYSTEM_VENDOR_ID, 2, id.subsystemVendor ?? 0);
    this.put(PCI.SUBSYSTEM_ID, 2, id.subsystem ?? 0);
    // Command: I/O space, memory space, bus master, SERR#, interrupt disable.
    this.mask(PCI.COMMAND, 2, 0x0507);
    // Status: the error bits clear when written with 1.
    this.clearOnWrite[PCI.STATUS + 1] = 0xf9;
    this.mask(PCI.CACHE_LINE, 1, 0xff);
    this.mask(PCI.LATENCY, 1, 0xff);
  }

  /** Sets a field (little-endian) without regard to the guest's write mask. */
  put(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) this.bytes[offset + i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
  }

  get(offset: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v += this.bytes[offset + i] * 2 ** (8 * i);
    return v;
  }

  /** Makes bits of a field guest-writable. */
  mask(offset: number, size: number, bits: number): void {
    for (let i = 0; i < size; i++) this.writable[offset + i] = Math.floor(bits / 2 ** (8 * i)) & 0xff;
  }

  /**
   * Declares BAR `n` (0-5): `size` bytes (a power of two: at least 16 for memory, 4 for I/O) in
   * I/O or 32-bit memory space. The guest programs its address.
   */
  bar(n: number, size: number, kind: 'io' | 'mem32', prefetchable = false): void {
    if (n < 0 || n > 5) throw new DeviceError('BAD_PCI_BAR', `${this.name}: BAR ${n} does not exist (0-5)`);
    const min = kind === 'io' ? 4 : 16;
    if (size < min || size > 2 ** 31 || (size & (size - 1)) !== 0) throw new DeviceError('BAD_PCI_BAR', `${this.name}: BAR ${n} size ${size} is not a power of two of at least ${min}`);
    const off = PCI.BAR0 + 4 * n;
    this.put(off, 4, kind === 'io' ? 1 : prefetchable ? 8 : 0);
    this.mask(off, 4, ((0x100000000 - size) & (kind === 'io' ? 0xfffffffc : 0xfffffff0)) >>> 0);
  }

  /** The address programmed into BAR `n` (type bits stripped). */
  barAddress(n: number): number {
    const v = this.get(PCI.BAR0 + 4 * n, 4);
    return (v & 1) ? v & 0xfffffffc : v - (v % 16);
  }

  /** Interrupt pin (1 = INTA#) and the line firmware routed it to. */
  interrupt(pin: number, line: number): void {
    this.put(PCI.INTERRUPT_PIN, 1, pin);
    this.put(PCI.INTERRUPT_LINE, 1, line);
    this.mask(PCI.INTERRUPT_LINE, 1, 0xff);
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return offset + size <= 256 ? this.get(offset, size) : 2 ** (8 * size) - 1;
  }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset + size > 256) return;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      const b = Math.floor(value / 2 ** (8 * i)) & 0xff;
      this.bytes[o] = (this.bytes[o] & ~this.writable[o] & ~(b & this.clearOnWrite[o])) | (b & this.writable[o]);
    }
    this.onWrite?.(offset, size);
  }
}
