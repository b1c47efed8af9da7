// The Motorola MC146818A real-time clock and CMOS RAM at 0x70 (index, bit 7 masks NMI) and 0x71
// (data). The clock keeps whole seconds; updates happen at the divider chain's second boundaries
// (0.5 s after the chain leaves reset), with UIP high from 244 us before the 1984 us update cycle
// to its end. Flags in register C are computed lazily from virtual time; the only clock event is
// the next moment an enabled interrupt would raise IRQ 8.
import type { AccessSize, IrqLine, PortDevice, TimerHandle, VirtualClock, VirtualNs } from '@serval/machine';
import { type Device, DeviceError, field } from '../device.js';
import { intField, numberArray, readBytes, writeBytes } from '../ports.js';
import { cycleTime, cyclesAt } from '../timebase.js';
import { type Fields, decode, decodeHour, encode, encodeHour, fromFields, toFields } from './calendar.js';
import { type MemoryLayout, fillFirmwareCmos } from './cmos.js';
import { nextAlarm } from './alarm.js';

export const RTC_PORT = 0x70;
const REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32;
const B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_DM = 0x04, B_24H = 0x02;
const C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10;
const XTAL = 32768;
/** UIP lead time: 244 us before the update cycle plus the 1984 us cycle itself (32.768 kHz). */
const UIP_NS = 244_000 + 1_984_000;

export interface RtcOptions {
  name?: string;
  clock: VirtualClock;
  irq?: IrqLine;
  /** Time of day at power-on: an ISO string or UNIX seconds (default 2024-01-01T00:00:00Z). */
  start?: string | number;
  /** RAM sizes for the firmware CMOS fields; a number is total RAM with the PCI hole at 3.5 GiB. */
  memory?: number | MemoryLayout;
  /** Current virtual time (default clock.now); see PitOptions.time. */
  time?: () => VirtualNs;
}

export class Rtc146818 implements PortDevice, Device {
  readonly kind = 'mc146818';
  readonly name: string;
  private readonly ram = new Uint8Array(128);
  private index = 0;
  private nmiMasked = false;
  /** Displayed time (UNIX seconds) as of `checked`; flags accumulated up to then. */
  private secs: number;
  private flags = 0;
  private checked: VirtualNs;
  /** Virtual time the divider chain left reset: updates at anchor + 0.5 s + k s. */
  private anchor: VirtualNs;
  /** Register 6 counts on its own on the real chip; kept as an offset from the date's weekday. */
  private dowOffset = 0;
  private readonly clock: VirtualClock;
  private readonly irq: IrqLine | undefined;
  private readonly time: () => VirtualNs;
  private timer: TimerHandle | undefined;

  constructor(opts: RtcOptions) {
    this.name = opts.name ?? 'rtc';
    this.clock = opts.clock;
    this.irq = opts.irq;
    this.time = opts.time ?? (() => opts.clock.now);
    const start = typeof opts.start === 'string' ? Date.parse(opts.start) / 1000 : opts.start ?? 1_704_067_200;
    if (!Number.isFinite(start)) throw new DeviceError('BAD_RTC_START', `${this.name}: start time ${String(opts.start)} is not a date`);
    this.secs = Math.floor(start);
    this.checked = this.time();
    this.anchor = this.checked - 500_000_000; // as if the chain left reset half a second ago
    this.ram[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.ram[REG_B] = B_24H; // BCD, 24-hour: what PC firmware programs
    const mem = opts.memory ?? 0;
    fillFirmwareCmos(this.ram, typeof mem === 'number' ? { below4g: Math.min(mem, 0xe000_0000), above4g: Math.max(0, mem - 0xe000_0000) } : mem);
  }

  /** Port 0x70 bit 7: the NMI mask the chipset keeps next to the index. */
  get nmiDisabled(): boolean {
    return this.nmiMasked;
  }

  ioRead(offset: number, size: AccessSize): number {
    // The index register is write-only on a PC.
    return readBytes(offset, size, 2, (o) => (o === 0 ? 0xff : this.readRegister(this.index)));
  }

  ioWrite(offset: number, size: AccessSize, value: number): void {
    writeBytes(offset, size, 2, value, (o, b) => {
      if (o === 0) { this.index = b & 0x7f; this.nmiMasked = (b & 0x80) !== 0; } else this.writeRegister(this.index, b);
    });
  }

  private get running(): boolean {
    return (this.ram[REG_A] & 0x70) === 0x20;
  }

  private get updating(): boolean {
    return this.running && !(this.ram[REG_B] & B_SET);
  }

  /** Index of the last update at or before t (-1 before the first). */
  private updateIndex(t: number): number {
    return Math.floor((t - this.anchor - 500_000_000) / 1e9);
  }

  private updateTime(k: number): number {
    return this.anchor + 500_000_000 + k * 1e9;
  }

  /** 32.768 kHz cycles per periodic interrupt, or 0 when RS is 0. Rates 1 and 2 alias 8 and 9. */
  private get periodCycles(): number {
    const rs = this.ram[REG_A] & 0x0f;
    return rs === 0 ? 0 : rs <= 2 ? 1 << (rs + 6) : 1 << (rs - 1);
  }

  private periodIndex(t: number): number {
    return Math.floor(cyclesAt(t - this.anchor, XTAL) / this.periodCycles);
  }

  /** Brings seconds and flags up to time t. */
  private settle(t: number): void {
    if (t <= this.checked) return;
    if (this.updating) {
      const n = this.updateIndex(t) - this.updateIndex(this.checked);
      if (n > 0) {
        if (nextAlarm(this.secs + 1, this.ram, this.binary, this.h24) <= this.secs + n) this.flags |= C_AF;
        this.secs += n;
        this.flags |= C_UF;
      }
    }
    if (this.running && this.periodCycles && this.periodIndex(t) > this.periodIndex(this.checked)) this.flags |= C_PF;
    this.checked = t;
  }

  private get binary(): boolean {
    return (this.ram[REG_B] & B_DM) !== 0;
  }

  private get h24(): boolean {
    return (this.ram[REG_B] & B_24H) !== 0;
  }

  private readRegister(i: number): number {
    const t = this.time();
    this.settle(t);
    if (i === REG_A) {
      const uip = this.updating && this.updateTime(this.updateIndex(t) + 1) - t <= UIP_NS;
      return this.ram[REG_A] | (uip ? 0x80 : 0);
    }
    if (i === REG_C) {
      const v = this.flags | (this.irqf ? C_IRQF : 0);
      this.flags = 0;
      this.updateIrq();
      return v;
    }
    if (i === REG_D) return 0x80; // valid RAM and time: the battery is fine
    const f = toFields(this.secs), bin = this.binary;
    switch (i) {
      case 0: return encode(f.sec, bin);
      case 2: return encode(f.min, bin);
      case 4: return encodeHour(f.hour, bin, this.h24);
      case 6: return encode(((f.weekday + this.dowOffset) % 7) + 1, bin);
      case 7: return encode(f.day, bin);
      case 8: return encode(f.month, bin);
      case 9: return encode(f.year % 100, bin);
      case CENTURY: return encode(Math.floor(f.year / 100) % 100, bin);
      default: return this.ram[i];
    }
  }

  private writeRegister(i: number, v: number): void {
    const t = this.time();
    this.settle(t);
    switch (i) {
      case 0: case 2: case 4: case 6: case 7: case 8: case 9: case CENTURY:
        this.writeTime(i, v);
        break;
      case REG_A: {
        const wasRunning = this.running;
        this.ram[REG_A] = v & 0x7f;
        // Leaving reset (or any stop) restarts the chain: the first update comes 0.5 s later.
        if (this.running && !wasRunning) { this.anchor = t; }
        break;
      }
      case REG_B:
        // Setting SET aborts updates and clears UIE (datasheet, register B).
        this.ram[REG_B] = v & B_SET ? v & ~B_UIE : v;
        break;
      case REG_C: case REG_D:
        return; // read-only
      default:
        this.ram[i] = v;
        if (i !== 1 && i !== 3 && i !== 5) return; // plain RAM; alarms reschedule below
    }
    this.updateIrq();
  }

  private writeTime(i: number, v: number): void {
    const f: Fields = toFields(this.secs), bin = this.binary;
    const shownDow = (f.weekday + this.dowOffset) % 7;
    switch (i) {
      case 0: f.sec = decode(v, bin); break;
      case 2: f.min = decode(v, bin); break;
      case 4: f.hour = decodeHour(v, bin, this.h24); break;
      case 6: this.dowOffset = (((decode(v, bin) - 1 - f.weekday) % 7) + 7) % 7; return;
      case 7: f.day = decode(v, bin); break;
      case 8: f.month = decode(v, bin); break;
      case 9: f.year = f.year - (f.year % 100) + decode(v, bin); break;
      default: f.year = decode(v, bin) * 100 + (f.year % 100);
    }
    this.secs = fromFields(f);
    // A date write leaves the weekday register alone, as on the chip.
    this.dowOffset = (((shownDow - toFields(this.secs).weekday) % 7) + 7) % 7;
  }

  private get irqf(): boolean {
    return (this.flags & this.ram[REG_B] & (B_PIE | B_AIE | B_UIE)) !== 0;
  }

  /** IRQ 8 follows IRQF; while it is low, an event waits for the next enabled flag. */
  private updateIrq(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const level = this.irqf;
    this.irq?.set(level);
    if (level || !this.irq) return;
    const next = this.nextInterrupt();
    if (next === Infinity) return;
    this.timer = this.clock.at(next, () => {
      this.timer = undefined;
      this.settle(Math.max(next, this.checked));
      this.updateIrq();
    });
  }

  private nextInterrupt(): number {
    const b = this.ram[REG_B], t = this.checked;
    let next = Infinity;
    if (b & B_PIE && this.running && this.periodCycles) {
      next = this.anchor + cycleTime((this.periodIndex(t) + 1) * this.periodCycles, XTAL);
    }
    if (this.updating && b & (B_UIE | B_AIE)) {
      const first = this.updateIndex(t) + 1;
      if (b & B_UIE) next = Math.min(next, this.updateTime(first));
      const alarm = b & B_AIE ? nextAlarm(this.secs + 1, this.ram, this.binary, this.h24) : Infinity;
      if (alarm !== Infinity) next = Math.min(next, this.updateTime(first + alarm - this.secs - 1));
    }
    return next;
  }

  /** The time the guest would read now, as UNIX seconds (for hosts and tests). */
  get unixTime(): number {
    this.settle(this.time());
    return this.secs;
  }

  saveState(): unknown {
    const now = this.time();
    this.settle(now);
    return {
      ram: [...this.ram], index: this.index, nmiMasked: this.nmiMasked, secs: this.secs, flags: this.flags,
      dowOffset: this.dowOffset, phase: this.anchor - now, irq: this.irq?.high ?? false,
    };
  }

  loadState(s: unknown): void {
    const ram = numberArray(s, 'ram', 128, this.name);
    if (!ram.every((b) => Number.isInteger(b) && b >= 0 && b <= 0xff)) throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: ram bytes out of range`);
    const index = intField(s, 'index', 0, 0x7f, this.name);
    const nmi = field<boolean>(s, 'nmiMasked', 'boolean', this.name);
    const secs = intField(s, 'secs', -1e12, 1e12, this.name);
    const flags = intField(s, 'flags', 0, 0x70, this.name);
    const dow = intField(s, 'dowOffset', 0, 6, this.name);
    const phase = field<number>(s, 'phase', 'number', this.name);
    const irq = field<boolean>(s, 'irq', 'boolean', this.name);
    this.ram.set(ram);
    this.index = index; this.nmiMasked = nmi; this.secs = secs; this.flags = flags; this.dowOffset = dow;
    this.checked = this.time();
    this.anchor = this.checked + phase;
    this.irq?.set(irq);
    this.updateIrq();
  }
}
