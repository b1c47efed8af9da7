// The Intel 8254 programmable interval timer at 0x40-0x43: three counters on a 1.193182 MHz
// input clock derived from virtual time. Counter values are computed when read; the only clock
// events are channel 0's next rising OUT edge (IRQ 0). Channel 2's gate and output belong to
// port 0x61 (port61.ts); channel 1 (DRAM refresh on old PCs) is wired to nothing.
import type { AccessSize, IrqLine, PortDevice, TimerHandle, VirtualClock, VirtualNs } from '@serval/machine';
import { type Device, DeviceError, field } from '../device.js';
import { readBytes, writeBytes } from '../ports.js';
import { cycleTime, cyclesAt } from '../timebase.js';
import { BOOL_FIELDS, Channel, NUM_FIELDS, TICK_FIELDS } from './channel.js';

export const PIT_PORT = 0x40;
export const PIT_HZ = 1_193_182;

export interface PitOptions {
  name?: string;
  clock: VirtualClock;
  /** Channel 0's output (IRQ 0 on a PC). */
  irq?: IrqLine;
  /**
   * The current virtual time. Defaults to `clock.now`; a host whose cores run ahead of the global
   * clock inside a slice can pass the accessing core's local time so polling loops see time move.
   */
  time?: () => VirtualNs;
}

export class Pit8254 implements PortDevice, Device {
  readonly kind = 'pit8254';
  readonly name: string;
  readonly channels: readonly [Channel, Channel, Channel];
  private readonly clock: VirtualClock;
  private readonly irq: IrqLine | undefined;
  private readonly time: () => VirtualNs;
  private timer: TimerHandle | undefined;

  constructor(opts: PitOptions) {
    this.name = opts.name ?? 'pit';
    this.clock = opts.clock;
    this.irq = opts.irq;
    this.time = opts.time ?? (() => opts.clock.now);
    // Channels 0 and 1 have their gates tied high; channel 2's comes from port 0x61 bit 0.
    this.channels = [new Channel(true), new Channel(true), new Channel(false)];
  }

  /** The input-clock pulse count at the current virtual time. */
  tick(): number {
    return cyclesAt(this.time(), PIT_HZ);
  }

  ioRead(offset: number, size: AccessSize): number {
    // The control register is write-only; reading it floats the bus.
    return readBytes(offset, size, 4, (o) => (o === 3 ? 0xff : this.channels[o].readByte(this.tick())));
  }

  ioWrite(offset: number, size: AccessSize, value: number): void {
    writeBytes(offset, size, 4, value, (o, b) => {
      const tk = this.tick();
      if (o < 3) this.channels[o].writeByte(b, tk); else this.command(b, tk);
      // Only channel 0 drives an interrupt; latches and read-backs never move OUT.
      if (o === 0 || (o === 3 && b >> 6 === 0 && (b & 0x30) !== 0)) this.refreshIrq(tk);
    });
  }

  private command(v: number, tk: number): void {
    const sc = v >> 6;
    if (sc === 3) {
      // Read-back: bit 5 low latches the counts, bit 4 low the status, bits 1-3 pick counters.
      for (let i = 0; i < 3; i++) {
        if (!(v & (2 << i))) continue;
        if (!(v & 0x20)) this.channels[i].latchCount(tk);
        if (!(v & 0x10)) this.channels[i].latchStatus(tk);
      }
    } else if ((v & 0x30) === 0) {
      this.channels[sc].latchCount(tk);
    } else {
      this.channels[sc].control(v, tk);
    }
  }

  setGate(channel: 0 | 1 | 2, level: boolean): void {
    const tk = this.tick();
    this.channels[channel].setGate(level, tk);
    if (channel === 0) this.refreshIrq(tk);
  }

  /** A counter's OUT pin now. */
  output(channel: 0 | 1 | 2): boolean {
    return this.channels[channel].out(this.tick());
  }

  /** Virtual time of the next IRQ 0 edge, or Infinity. */
  get nextIrqTime(): VirtualNs {
    return this.timer ? this.timer.at : Infinity;
  }

  /**
   * Brings IRQ 0 to channel 0's OUT and schedules its next rising edge. Falling edges inside
   * periodic modes are not scheduled: the edge-triggered PIC only cares about the rise, so each
   * rise event lowers and raises the line.
   */
  private refreshIrq(tk: number): void {
    this.irq?.set(this.channels[0].out(tk));
    this.schedule(tk);
  }

  private schedule(tk: number): void {
    this.timer?.cancel();
    this.timer = undefined;
    const rise = this.channels[0].nextRise(tk);
    if (rise === Infinity || !this.irq) return;
    this.timer = this.clock.at(cycleTime(rise, PIT_HZ), () => {
      this.timer = undefined;
      this.irq?.lower();
      this.irq?.set(this.channels[0].out(rise));
      this.schedule(rise);
    });
  }

  saveState(): unknown {
    const tk = this.tick();
    const channels = this.channels.map((c) => {
      c.sync(tk);
      const s: Record<string, number | boolean | null> = {};
      for (const k of NUM_FIELDS) s[k] = c[k];
      for (const k of BOOL_FIELDS) s[k] = c[k];
      // Ticks are saved relative to now, so a checkpoint resumes on a clock at any time.
      for (const k of TICK_FIELDS) s[k] = c[k] === Infinity ? null : c[k] - tk;
      return s;
    });
    return { channels, irq: this.irq?.high ?? false };
  }

  loadState(s: unknown): void {
    const list = field<unknown[]>(s, 'channels', 'object', this.name);
    const irq = field<boolean>(s, 'irq', 'boolean', this.name);
    if (!Array.isArray(list) || list.length !== 3) throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: saved state needs 3 channels`);
    const tk = this.tick();
    const parsed = list.map((c, i) => {
      const who = `${this.name} channel ${i}`;
      const v: Record<string, number | boolean> = {};
      for (const k of NUM_FIELDS) v[k] = checkNumber(field<number>(c, k, 'number', who), who, k);
      for (const k of BOOL_FIELDS) v[k] = field<boolean>(c, k, 'boolean', who);
      for (const k of TICK_FIELDS) {
        const rel = (c as Record<string, unknown>)[k];
        if (rel !== null && (typeof rel !== 'number' || !Number.isFinite(rel))) throw new DeviceError('BAD_DEVICE_STATE', `${who}: field "${k}" is not a tick or null`);
        v[k] = rel === null ? Infinity : (rel as number) + tk;
      }
      if (![0, 1, 2, 3, 4, 5].includes(v.mode as number) || ![1, 2, 3].includes(v.rw as number) || !((v.n as number) >= 1)) {
        throw new DeviceError('BAD_DEVICE_STATE', `${who}: mode, access or count out of range`);
      }
      return v;
    });
    parsed.forEach((v, i) => Object.assign(this.channels[i], v));
    this.irq?.set(irq);
    this.schedule(tk);
  }
}

function checkNumber(v: number, who: string, k: string): number {
  if (!Number.isFinite(v)) throw new DeviceError('BAD_DEVICE_STATE', `${who}: field "${k}" is not finite`);
  return v;
}
