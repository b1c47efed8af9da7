// The HPET (IA-PC HPET 1.0a) at 0xFED00000: a 64-bit main counter at 100 MHz derived from virtual
// time, and three comparators, each one-shot or periodic, 32- or 64-bit, edge or level, routed to
// an I/O APIC pin or, in legacy replacement mode, timer 0 to IRQ 0 and timer 1 to IRQ 8. The
// counter is computed when read; the only clock events are the comparators' next matches.
//
// Writing a comparator in periodic mode sets the period, and also the comparator itself when
// Tn_VAL_SET_CNF is set (which the write clears): Linux's two-write sequence for periodic mode
// (comparator = now + delta with VAL_SET, then delta) depends on that.
import type { AccessSize, IrqSink, MmioDevice, TimerHandle, VirtualClock, VirtualNs } from '@serval/machine';
import { type Device, DeviceError, field } from '../device.js';
import { intField } from '../ports.js';
import { cycleTime, cyclesAt } from '../timebase.js';

export const HPET_BASE = 0xfed00000;
export const HPET_HZ = 100_000_000;
/** Counter period in femtoseconds (GCAP_ID bits 63:32). */
export const HPET_PERIOD_FS = 10_000_000;
export const HPET_VENDOR = 0x8086;
const P32 = 2 ** 32;

const CFG = { ENABLE: 1, LEGACY: 2 } as const;
const TN = {
  LEVEL: 1 << 1, ENABLE: 1 << 2, PERIODIC: 1 << 3, PER_CAP: 1 << 4, SIZE_CAP: 1 << 5, VAL_SET: 1 << 6,
  MODE32: 1 << 8, ROUTE_SHIFT: 9,
} as const;
const TN_WRITABLE = TN.LEVEL | TN.ENABLE | TN.PERIODIC | TN.VAL_SET | TN.MODE32 | (0x1f << TN.ROUTE_SHIFT);
/** I/O APIC pins a comparator may use outside legacy mode (Tn_INT_ROUTE_CAP): 20-23, free of ISA. */
export const HPET_ROUTE_CAP = 0x00f00000;

export interface HpetOptions {
  name?: string;
  clock: VirtualClock;
  time?: () => VirtualNs;
  timers?: number;
  /** I/O APIC pins (GSIs), for comparators routed by Tn_INT_ROUTE_CNF. */
  irqs: IrqSink;
  /** ISA IRQs 0 and 8, for timers 0 and 1 in legacy replacement mode. */
  legacyIrqs: IrqSink;
  /** Legacy replacement was switched on or off (the PIT and RTC lose or regain IRQ 0 and 8). */
  onLegacyReplacement?: (enabled: boolean) => void;
}

interface Comparator {
  config: number;
  // 64-bit registers as 32-bit halves (they reset to all ones, past a double's exact range).
  cmpLo: number;
  cmpHi: number;
  perLo: number;
  perHi: number;
  /** The line this comparator drives now (legacy IRQ, or GSI), if raised. */
  raised: { legacy: boolean; line: number } | undefined;
  event: TimerHandle | undefined;
}

export class Hpet implements MmioDevice, Device {
  readonly kind = 'hpet';
  readonly name: string;
  readonly timers: Comparator[];
  config = 0;
  /** Level-triggered interrupt status (GINTR_STA). */
  status = 0;
  /** The counter's value at `since` (it runs from there while enabled). */
  private base = 0;
  private since = 0;
  private readonly clock: VirtualClock;
  private readonly time: () => VirtualNs;
  private readonly irqs: IrqSink;
  private readonly legacyIrqs: IrqSink;
  private readonly onLegacy: (enabled: boolean) => void;

  constructor(opts: HpetOptions) {
    this.name = opts.name ?? 'hpet';
    this.clock = opts.clock;
    this.time = opts.time ?? (() => opts.clock.now);
    this.irqs = opts.irqs;
    this.legacyIrqs = opts.legacyIrqs;
    this.onLegacy = opts.onLegacyReplacement ?? (() => {});
    const n = opts.timers ?? 3;
    if (n < 3 || n > 32) throw new DeviceError('BAD_DEVICE_OPTION', `${this.name}: an HPET has 3 to 32 comparators, not ${n}`);
    this.timers = Array.from({ length: n }, () => ({
      config: TN.PER_CAP | TN.SIZE_CAP, cmpLo: 0xffffffff, cmpHi: 0xffffffff, perLo: 0, perHi: 0, raised: undefined, event: undefined,
    }));
  }

  get capabilities(): number {
    return (0x01 | ((this.timers.length - 1) << 8) | (1 << 13) | (1 << 15) | (HPET_VENDOR << 16)) >>> 0;
  }

  private get enabled(): boolean { return (this.config & CFG.ENABLE) !== 0; }
  private get legacy(): boolean { return (this.config & CFG.LEGACY) !== 0; }

  /** The main counter now. */
  counter(now = this.time()): number {
    return this.enabled ? this.base + cyclesAt(Math.max(0, now - this.since), HPET_HZ) : this.base;
  }

  /** Virtual time at which the running counter reaches `value`. */
  private timeOf(value: number): VirtualNs {
    return this.since + cycleTime(value - this.base, HPET_HZ);
  }

  // ------------------------------------------------------------------ registers

  mmioRead(offset: number, size: AccessSize): number {
    const dword = this.readDword(offset & ~3);
    const shift = (offset & 3) * 8;
    return size === 4 ? dword >>> 0 : (dword >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  mmioWrite(offset: number, size: AccessSize, value: number): void {
    if (size !== 4) return; // the HPET takes 32- and 64-bit accesses only
    this.writeDword(offset, value >>> 0);
  }

  private readDword(off: number): number {
    switch (off) {
      case 0x000: return this.capabilities;
      case 0x004: return HPET_PERIOD_FS;
      case 0x010: return this.config;
      case 0x020: return this.status;
      case 0x0f0: return this.counter() % P32;
      case 0x0f4: return Math.floor(this.counter() / P32) % P32;
    }
    if (off >= 0x100 && off < 0x100 + 0x20 * this.timers.length) {
      const t = this.timers[(off - 0x100) >> 5];
      switch (off & 0x1f) {
        case 0x00: return t.config;
        case 0x04: return HPET_ROUTE_CAP;
        case 0x08: return t.cmpLo;
        case 0x0c: return t.cmpHi;
      }
    }
    return 0;
  }

  private writeDword(off: number, v: number): void {
    switch (off) {
      case 0x010: this.writeConfig(v & 3); return;
      case 0x020: this.clearStatus(v); return;
      case 0x0f0: case 0x0f4: {
        // Software halts the counter before writing it; a running counter is rebased anyway.
        const now = this.time();
        const c = this.counter(now);
        this.base = off === 0x0f0 ? Math.floor(c / P32) * P32 + v : v * P32 + (c % P32);
        this.since = now;
        this.rescheduleAll();
        return;
      }
    }
    if (off >= 0x100 && off < 0x100 + 0x20 * this.timers.length) {
      const i = (off - 0x100) >> 5;
      const t = this.timers[i];
      switch (off & 0x1f) {
        case 0x00: {
          // Periodic mode exists on every comparator here (Tn_PER_INT_CAP).
          t.config = (t.config & ~TN_WRITABLE) | (v & TN_WRITABLE);
          if (t.config & TN.MODE32) { t.cmpHi = 0; t.perHi = 0; }
          if (!(t.config & TN.LEVEL)) this.deassert(i);
          this.reschedule(i);
          return;
        }
        case 0x08: case 0x0c: this.writeComparator(i, (off & 0x1f) === 0x0c, v); return;
      }
    }
  }

  private writeConfig(v: number): void {
    const now = this.time();
    const c = this.counter(now);
    const wasLegacy = this.legacy;
    for (let i = 0; i < this.timers.length; i++) this.deassert(i);
    this.config = v;
    this.base = c;
    this.since = now;
    if (wasLegacy !== this.legacy) this.onLegacy(this.legacy);
    // Level interrupts still pending reappear on their (possibly new) route.
    for (let i = 0; i < this.timers.length; i++) if (this.status & (1 << i)) this.assertLine(i);
    this.rescheduleAll();
  }

  private writeComparator(i: number, high: boolean, v: number): void {
    const t = this.timers[i];
    const mode32 = (t.config & TN.MODE32) !== 0;
    if (high && mode32) return;
    const periodic = (t.config & TN.PERIODIC) !== 0;
    if (!periodic || (t.config & TN.VAL_SET)) { if (high) t.cmpHi = v; else t.cmpLo = v; }
    if (periodic) { if (high) t.perHi = v; else t.perLo = v; }
    t.config &= ~TN.VAL_SET;
    this.reschedule(i);
  }

  private clearStatus(v: number): void {
    for (let i = 0; i < this.timers.length; i++) {
      if (!(v & (1 << i)) || !(this.status & (1 << i))) continue;
      this.status &= ~(1 << i);
      this.deassert(i);
    }
  }

  // ------------------------------------------------------------------ comparators

  private route(i: number): { legacy: boolean; line: number } {
    if (this.legacy && i < 2) return { legacy: true, line: i === 0 ? 0 : 8 };
    return { legacy: false, line: (this.timers[i].config >> TN.ROUTE_SHIFT) & 0x1f };
  }

  private sink(r: { legacy: boolean }): IrqSink {
    return r.legacy ? this.legacyIrqs : this.irqs;
  }

  private assertLine(i: number): void {
    const t = this.timers[i];
    if (!(t.config & TN.ENABLE) || t.raised) return;
    const r = this.route(i);
    t.raised = r;
    this.sink(r).setIrqLevel(r.line, true);
  }

  private deassert(i: number): void {
    const t = this.timers[i];
    if (!t.raised) return;
    const r = t.raised;
    t.raised = undefined;
    this.sink(r).setIrqLevel(r.line, false);
  }

  private fire(i: number): void {
    const t = this.timers[i];
    if (t.config & TN.LEVEL) {
      this.status |= 1 << i;
      this.assertLine(i);
    } else if (t.config & TN.ENABLE) {
      const r = this.route(i);
      this.sink(r).setIrqLevel(r.line, true);
      this.sink(r).setIrqLevel(r.line, false);
    }
  }

  /** The counter value of comparator `i`'s next match after `now`'s counter `c`, or Infinity. */
  private nextMatch(i: number, c: number): number {
    const t = this.timers[i];
    if (t.config & TN.MODE32) {
      const d = (t.cmpLo - (c % P32) + P32) % P32;
      return c + (d === 0 ? P32 : d);
    }
    const cmp = t.cmpHi * P32 + t.cmpLo;
    return cmp > c ? cmp : Infinity;
  }

  private rescheduleAll(): void {
    for (let i = 0; i < this.timers.length; i++) this.reschedule(i);
  }

  private reschedule(i: number): void {
    const t = this.timers[i];
    t.event?.cancel();
    t.event = undefined;
    if (!this.enabled) return;
    const match = this.nextMatch(i, this.counter());
    if (match === Infinity) return;
    t.event = this.clock.at(this.timeOf(match), () => {
      t.event = undefined;
      this.fire(i);
      const period = t.perHi * P32 + t.perLo;
      if ((t.config & TN.PERIODIC) && period > 0) {
        // The comparator advances by the period (events fire on time, so no period is missed).
        const next = match + period;
        t.cmpLo = next % P32;
        t.cmpHi = (t.config & TN.MODE32) ? 0 : Math.floor(next / P32) % P32;
      }
      this.reschedule(i);
    });
  }

  /** Virtual time of comparator `i`'s next interrupt, or Infinity. */
  nextEventTime(i: number): VirtualNs {
    return this.timers[i].event?.at ?? Infinity;
  }

  // ------------------------------------------------------------------ state

  saveState(): unknown {
    const now = this.time();
    return {
      config: this.config, status: this.status, counter: this.counter(now),
      timers: this.timers.map((t) => ({
        config: t.config, cmpLo: t.cmpLo, cmpHi: t.cmpHi, perLo: t.perLo, perHi: t.perHi, raised: t.raised ? { ...t.raised } : null,
      })),
    };
  }

  loadState(s: unknown): void {
    const n = this.name;
    const list = field<unknown[]>(s, 'timers', 'object', n);
    if (!Array.isArray(list) || list.length !== this.timers.length) throw new DeviceError('BAD_DEVICE_STATE', `${n}: saved state needs ${this.timers.length} timers`);
    const counter = intField(s, 'counter', 0, Number.MAX_SAFE_INTEGER, n);
    const config = intField(s, 'config', 0, 3, n);
    const status = intField(s, 'status', 0, 0xffffffff, n);
    const parsed = list.map((t, i) => {
      const who = `${n} timer ${i}`;
      const raised = (t as Record<string, unknown>)?.raised;
      if (raised !== null && (typeof raised !== 'object' || typeof (raised as Record<string, unknown>).line !== 'number')) throw new DeviceError('BAD_DEVICE_STATE', `${who}: "raised" is not a route or null`);
      return {
        config: intField(t, 'config', 0, 0xffff, who),
        cmpLo: intField(t, 'cmpLo', 0, 0xffffffff, who), cmpHi: intField(t, 'cmpHi', 0, 0xffffffff, who),
        perLo: intField(t, 'perLo', 0, 0xffffffff, who), perHi: intField(t, 'perHi', 0, 0xffffffff, who),
        raised: raised === null ? undefined : { legacy: (raised as { legacy: boolean }).legacy === true, line: (raised as { line: number }).line },
      };
    });
    for (let i = 0; i < this.timers.length; i++) { this.timers[i].event?.cancel(); this.timers[i].event = undefined; }
    this.config = config;
    this.status = status;
    this.base = counter;
    this.since = this.time();
    parsed.forEach((p, i) => Object.assign(this.timers[i], p));
    // The chipset's routing of IRQ 0 and 8 follows the restored mode, and raised lines stay raised.
    this.onLegacy(this.legacy);
    for (const t of this.timers) if (t.raised) this.sink(t.raised).setIrqLevel(t.raised.line, true);
    this.rescheduleAll();
  }
}
