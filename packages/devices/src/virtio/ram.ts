// Guest RAM as a device sees it for DMA: guest-physical addresses over one contiguous host block.
// Every access is bounds-checked (a driver's bad address becomes a VirtioError, never a host
// crash), and writes go through PhysicalMemory so code compiled from the written pages is dropped.
import type { PhysicalMemory } from '@serval/x86';
import { DeviceError } from '../device.js';

/** The same shape as the hypervisor's GuestMemory: guest-physical 0 is `hostBase` in `mem`. */
export interface GuestRam {
  readonly mem: PhysicalMemory;
  readonly hostBase: number;
  readonly size: number;
}

export class VirtioError extends DeviceError {}

export class Dma {
  constructor(readonly ram: GuestRam, private readonly who: string) {}

  private at(gpa: number, len: number): number {
    if (!(Number.isInteger(gpa) && gpa >= 0 && len >= 0 && gpa + len <= this.ram.size)) {
      throw new VirtioError('BAD_DMA_ADDRESS', `${this.who}: the driver gave guest-physical range 0x${gpa.toString(16)}+${len}, outside the ${this.ram.size}-byte RAM`);
    }
    return this.ram.hostBase + gpa;
  }

  u16(gpa: number): number { return this.ram.mem.dv.getUint16(this.at(gpa, 2), true); }
  u32(gpa: number): number { return this.ram.mem.dv.getUint32(this.at(gpa, 4), true); }
  /** A 64-bit field as a number: addresses and sectors fit in 53 bits. */
  u64(gpa: number): number {
    const h = this.at(gpa, 8);
    return this.ram.mem.dv.getUint32(h + 4, true) * 4294967296 + this.ram.mem.dv.getUint32(h, true);
  }
  setU16(gpa: number, v: number): void { this.ram.mem.writeU16(this.at(gpa, 2), v & 0xffff); }
  setU32(gpa: number, v: number): void { this.ram.mem.writeU32(this.at(gpa, 4), v); }
  /** A copy of guest bytes. */
  read(gpa: number, len: number): Uint8Array { return this.ram.mem.read(this.at(gpa, len), len); }
  /** Guest bytes without a copy (valid until the guest changes them). */
  view(gpa: number, len: number): Uint8Array { const h = this.at(gpa, len); return this.ram.mem.u8.subarray(h, h + len); }
  write(gpa: number, bytes: Uint8Array): void { this.ram.mem.write(this.at(gpa, bytes.length), bytes); }
}
