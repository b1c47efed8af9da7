// The I/O APIC (82093AA-style, version 0x20 with the EOI register) at 0xFEC00000: 24 pins, each
// with a redirection entry (vector, delivery mode, destination, polarity, trigger mode, mask) that
// turns a pin's assertion into an APIC-bus message. Edge-triggered pins deliver on a rising edge
// while unmasked (an edge on a masked pin is lost, as the datasheet says); level-triggered pins
// deliver while asserted, set remote IRR, and deliver again after the EOI if still asserted.
//
// Lines here carry "asserted", not voltage: IrqLine.raise() means the device requests service,
// whatever polarity the guest programs (the polarity bit is kept for the guest to read back).
import type { AccessSize, IrqSink, MmioDevice } from '@serval/machine';
import { type Device, DeviceError } from '../device.js';
import { type ApicBus, type EoiListener } from '../lapic/apic-bus.js';
import { intField, numberArray } from '../ports.js';

export const IOAPIC_BASE = 0xfec00000;
export const IOAPIC_VERSION = 0x20;

const RTE = { MASK: 1 << 16, LEVEL: 1 << 15, REMOTE_IRR: 1 << 14, DELIVERY_STATUS: 1 << 12 } as const;
/** Guest-writable bits of a redirection entry's low word (delivery status and remote IRR are read-only). */
const RTE_WRITABLE_LO = 0x1afff;

export interface IoApicOptions {
  name?: string;
  /** The I/O APIC's ID on the APIC bus (MADT reports it). */
  id?: number;
  pins?: number;
  bus: ApicBus;
}

export class IoApic implements MmioDevice, IrqSink, EoiListener, Device {
  readonly kind = 'ioapic';
  readonly name: string;
  readonly pins: number;
  id: number;
  regsel = 0;
  /** Redirection entries: [lo, hi] per pin. */
  readonly redir: Uint32Array;
  /** Input levels (asserted = 1). */
  readonly levels: Uint8Array;
  private readonly bus: ApicBus;

  constructor(opts: IoApicOptions) {
    this.name = opts.name ?? 'ioapic';
    this.id = (opts.id ?? 0) & 0xf;
    this.pins = opts.pins ?? 24;
    if (this.pins < 1 || this.pins > 240) throw new DeviceError('BAD_DEVICE_OPTION', `${this.name}: an I/O APIC has 1 to 240 pins, not ${this.pins}`);
    this.bus = opts.bus;
    this.redir = new Uint32Array(this.pins * 2);
    this.levels = new Uint8Array(this.pins);
    for (let i = 0; i < this.pins; i++) this.redir[2 * i] = RTE.MASK;
    opts.bus.onEoi(this);
  }

  // ------------------------------------------------------------------ pins

  setIrqLevel(pin: number, level: boolean): void {
    if (pin < 0 || pin >= this.pins) return;
    const was = this.levels[pin] !== 0;
    this.levels[pin] = level ? 1 : 0;
    const lo = this.redir[2 * pin];
    if (lo & RTE.LEVEL) this.service(pin);
    else if (level && !was && !(lo & RTE.MASK)) this.send(pin);
  }

  /** A level-triggered pin: deliver if asserted, unmasked and not already waiting for its EOI. */
  private service(pin: number): void {
    const lo = this.redir[2 * pin];
    if (!(lo & RTE.LEVEL) || !this.levels[pin] || (lo & RTE.MASK) || (lo & RTE.REMOTE_IRR)) return;
    this.redir[2 * pin] = lo | RTE.REMOTE_IRR;
    this.send(pin);
  }

  private send(pin: number): void {
    const lo = this.redir[2 * pin], hi = this.redir[2 * pin + 1];
    this.bus.deliver({
      vector: lo & 0xff, mode: (lo >> 8) & 7, logical: (lo & 0x800) !== 0, dest: hi >>> 24,
      level: (lo & RTE.LEVEL) !== 0, assert: true, shorthand: 0,
    });
  }

  /** The local APICs' EOI broadcast for a level-triggered vector (also the EOI register). */
  eoi(vector: number): void {
    for (let pin = 0; pin < this.pins; pin++) {
      const lo = this.redir[2 * pin];
      if ((lo & 0xff) !== (vector & 0xff) || !(lo & RTE.REMOTE_IRR)) continue;
      this.redir[2 * pin] = lo & ~RTE.REMOTE_IRR;
      this.service(pin);
    }
  }

  // ------------------------------------------------------------------ registers

  mmioRead(offset: number, size: AccessSize): number {
    const v = offset < 0x10 ? this.regsel : offset >= 0x10 && offset < 0x20 ? this.readIndirect(this.regsel) : 0;
    const shift = (offset & 3) * 8;
    return size === 4 ? v >>> 0 : (v >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  mmioWrite(offset: number, size: AccessSize, value: number): void {
    if (offset < 0x10) this.regsel = value & 0xff;
    else if (offset >= 0x10 && offset < 0x20) this.writeIndirect(this.regsel, size === 4 ? value >>> 0 : value);
    else if (offset >= 0x40 && offset < 0x50) this.eoi(value & 0xff);
  }

  readIndirect(index: number): number {
    switch (index) {
      case 0: return (this.id << 24) >>> 0;
      case 1: return (((this.pins - 1) << 16) | IOAPIC_VERSION) >>> 0;
      case 2: return (this.id << 24) >>> 0;
      default: {
        const r = index - 0x10;
        return r >= 0 && r < this.pins * 2 ? this.redir[r] : 0xffffffff;
      }
    }
  }

  writeIndirect(index: number, v: number): void {
    if (index === 0) { this.id = (v >>> 24) & 0xf; return; }
    const r = index - 0x10;
    if (r < 0 || r >= this.pins * 2) return;
    const pin = r >> 1;
    if (r & 1) { this.redir[r] = (v & 0xff000000) >>> 0; return; }
    const old = this.redir[r];
    let lo = (old & ~RTE_WRITABLE_LO) | (v & RTE_WRITABLE_LO);
    // Remote IRR only means something for level-triggered entries.
    if (!(lo & RTE.LEVEL)) lo &= ~RTE.REMOTE_IRR;
    this.redir[r] = lo >>> 0;
    this.service(pin);
  }

  // ------------------------------------------------------------------ state

  saveState(): unknown {
    return { id: this.id, regsel: this.regsel, redir: [...this.redir], levels: [...this.levels] };
  }

  loadState(s: unknown): void {
    const n = this.name;
    const redir = numberArray(s, 'redir', this.pins * 2, n);
    const levels = numberArray(s, 'levels', this.pins, n);
    if (!redir.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff) || !levels.every((x) => x === 0 || x === 1)) {
      throw new DeviceError('BAD_DEVICE_STATE', `${n}: redirection entries must be 32-bit words and levels 0 or 1`);
    }
    this.id = intField(s, 'id', 0, 15, n);
    this.regsel = intField(s, 'regsel', 0, 0xff, n);
    this.redir.set(redir);
    this.levels.set(levels);
  }
}
