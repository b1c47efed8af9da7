// A local APIC in xAPIC mode (MMIO at 0xFEE00000): priorities (TPR/PPR), IRR/ISR/TMR, EOI with the
// broadcast that level-triggered I/O APIC pins wait for, the LVT (timer, thermal, performance,
// LINT0, LINT1, error), the timer in one-shot and periodic modes counting a bus clock derived from
// virtual time, the spurious-vector register, and the ICR for fixed, lowest-priority, NMI, INIT
// and start-up IPIs. No x2APIC and no TSC-deadline mode: the CPUID model does not advertise them.
//
// The CPU side asks `pending()` and runs `acknowledge()` (the same contract as the 8259 pair). The
// 8259's INTR reaches the CPU through LINT0 in ExtINT mode (or directly while the APIC is disabled
// in IA32_APIC_BASE), after the APIC's own interrupts, as on a PC in virtual-wire mode. INIT,
// start-up and NMI messages are latched here for the vCPU to take (`takeInit`, `takeStartup`,
// `takeNmi`).
import type { AccessSize, MmioDevice, TimerHandle, VirtualClock, VirtualNs } from '@serval/machine';
import { type Device, DeviceError, field } from '../device.js';
import { intField, numberArray } from '../ports.js';
import { cycleTime, cyclesAt } from '../timebase.js';
import { type ApicBus, type ApicEndpoint, type ApicMessage, DM } from './apic-bus.js';

export const LAPIC_BASE = 0xfee00000;
/** Version 0x14 (integrated APIC), six LVT entries (max LVT index 5). */
export const LAPIC_VERSION = 0x00050014;

/** LVT indices, in register order from 0x320. */
export const LVT = { TIMER: 0, THERMAL: 1, PERF: 2, LINT0: 3, LINT1: 4, ERROR: 5 } as const;
const LVT_MASKED = 1 << 16;
/** Writable bits per LVT entry (delivery status and remote IRR are read-only). */
const LVT_WRITABLE = [0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff];
const SVR_ENABLE = 1 << 8;
const ESR = { SEND_ILLEGAL_VECTOR: 1 << 5, RECEIVE_ILLEGAL_VECTOR: 1 << 6, ILLEGAL_REGISTER: 1 << 7 } as const;

/** The legacy 8259 pair as LINT0 sees it. */
export interface ExtIntSource {
  pending(): boolean;
  acknowledge(): number;
}

export interface LocalApicOptions {
  name?: string;
  id: number;
  bus: ApicBus;
  clock: VirtualClock;
  /** Virtual time as the owning CPU sees it (defaults to clock.now). */
  time?: () => VirtualNs;
  /** The timer's input clock (the bus clock before the divider). Default 1 GHz. */
  timerHz?: number;
  /**
   * The bootstrap processor. Firmware leaves its LINT0 in ExtINT and LINT1 in NMI mode (virtual
   * wire), so the 8259's interrupts reach a kernel that never programs the APIC.
   */
  bsp?: boolean;
  /** The 8259 pair behind LINT0. */
  extInt?: ExtIntSource;
  /** IA32_APIC_BASE bit 11 (global enable), read from the CPU. Default: always enabled. */
  hwEnabled?: () => boolean;
}

const bitSet = (a: Uint32Array, v: number) => (a[v >> 5] & (1 << (v & 31))) !== 0;
const setBit = (a: Uint32Array, v: number) => { a[v >> 5] |= 1 << (v & 31); };
const clearBit = (a: Uint32Array, v: number) => { a[v >> 5] &= ~(1 << (v & 31)); };
/** Highest set bit of a 256-bit register, or -1. */
function highest(a: Uint32Array): number {
  for (let w = 7; w >= 0; w--) if (a[w] !== 0) return w * 32 + 31 - Math.clz32(a[w]);
  return -1;
}

export class LocalApic implements MmioDevice, Device, ApicEndpoint {
  readonly kind = 'lapic';
  readonly name: string;
  readonly apicId: number;
  readonly timerHz: number;
  extInt: ExtIntSource | undefined;
  hwEnabled: () => boolean;
  private readonly bus: ApicBus;
  private readonly clock: VirtualClock;
  private readonly time: () => VirtualNs;
  private readonly bsp: boolean;

  tpr = 0;
  ldr = 0;
  dfr = 0xffffffff;
  svr = 0xff;
  readonly irr = new Uint32Array(8);
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  esr = 0;
  private esrPending = 0;
  icrLo = 0;
  icrHi = 0;
  readonly lvt = new Uint32Array(6);
  // Timer: the count started at `timerStart` from `initialCount`; `timerFired` periods have ended.
  initialCount = 0;
  divideConfig = 0;
  private timerStart = 0;
  private timerFired = 0;
  private timerRunning = false;
  private timer: TimerHandle | undefined;
  // Messages the CPU takes between instructions.
  private nmiPending = false;
  private initPending = false;
  /** The CPU waits for a start-up IPI (after INIT; application processors from power-on). */
  waitingForStartup: boolean;
  private startupVector = -1;
  /** IPIs this APIC sent that reached another CPU (a vCPU ends its slice so the target runs soon). */
  ipisToOthers = 0;

  constructor(opts: LocalApicOptions) {
    this.name = opts.name ?? `lapic${opts.id}`;
    this.apicId = opts.id & 0xff;
    this.bus = opts.bus;
    this.clock = opts.clock;
    this.time = opts.time ?? (() => opts.clock.now);
    this.timerHz = opts.timerHz ?? 1_000_000_000;
    this.bsp = opts.bsp ?? false;
    this.extInt = opts.extInt;
    this.hwEnabled = opts.hwEnabled ?? (() => true);
    this.waitingForStartup = !this.bsp;
    this.reset();
    if (this.bsp) {
      this.lvt[LVT.LINT0] = DM.EXTINT << 8;
      this.lvt[LVT.LINT1] = DM.NMI << 8;
    }
    opts.bus.attach(this);
  }

  /** Power-on / INIT state: everything but the APIC ID. */
  reset(): void {
    this.tpr = 0; this.ldr = 0; this.dfr = 0xffffffff; this.svr = 0xff;
    this.irr.fill(0); this.isr.fill(0); this.tmr.fill(0);
    this.esr = 0; this.esrPending = 0; this.icrLo = 0; this.icrHi = 0;
    this.lvt.fill(LVT_MASKED);
    this.initialCount = 0; this.divideConfig = 0;
    this.stopTimer();
    this.nmiPending = false;
  }

  // ------------------------------------------------------------------ the bus side

  get logicalId(): number { return this.ldr >>> 24; }
  get flatModel(): boolean { return (this.dfr >>> 28) === 0xf; }
  get arbitrationPriority(): number { return this.tpr; }
  get softwareEnabled(): boolean { return (this.svr & SVR_ENABLE) !== 0; }

  accept(m: ApicMessage): void {
    switch (m.mode) {
      case DM.FIXED:
      case DM.LOWEST:
        this.raise(m.vector, m.level);
        return;
      case DM.NMI:
        this.nmiPending = true;
        return;
      case DM.INIT:
        // Level-triggered INIT with level 0 is the de-assert that only resynchronizes arbitration IDs.
        if (m.level && !m.assert) return;
        this.reset();
        this.initPending = true;
        this.waitingForStartup = true;
        return;
      case DM.STARTUP:
        // Only a CPU waiting for it takes a start-up IPI; Linux sends two and the second is ignored.
        if (this.waitingForStartup && this.startupVector < 0) this.startupVector = m.vector & 0xff;
        return;
      default:
        // SMI (no SMM here) and ExtINT messages from the I/O APIC: the 8259 reaches LINT0 directly.
        return;
    }
  }

  /** Latches a fixed interrupt: IRR, and TMR for level-triggered ones. */
  raise(vector: number, level = false): void {
    vector &= 0xff;
    if (vector < 16) { this.esrPending |= ESR.RECEIVE_ILLEGAL_VECTOR; this.lvtError(); return; }
    setBit(this.irr, vector);
    if (level) setBit(this.tmr, vector); else clearBit(this.tmr, vector);
  }

  // ------------------------------------------------------------------ the CPU side

  /** Processor priority: the TPR or the class of the highest in-service vector, whichever is higher. */
  get ppr(): number {
    const isrv = highest(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr & 0xff : isrClass;
  }

  /** The vector the APIC would deliver now, or -1. */
  private deliverable(): number {
    if (!this.hwEnabled() || !this.softwareEnabled) return -1;
    const v = highest(this.irr);
    return v >= 0 && (v & 0xf0) > (this.ppr & 0xf0) ? v : -1;
  }

  private extIntOpen(): boolean {
    if (!this.extInt) return false;
    if (!this.hwEnabled()) return true;
    const l = this.lvt[LVT.LINT0];
    return (l & LVT_MASKED) === 0 && ((l >> 8) & 7) === DM.EXTINT;
  }

  /** An interrupt is waiting for the CPU. */
  pending(): boolean {
    return this.deliverable() >= 0 || (this.extIntOpen() && this.extInt!.pending());
  }

  /** The interrupt-acknowledge cycle: IRR to ISR and the vector, or the 8259's vector. */
  acknowledge(): number {
    const v = this.deliverable();
    if (v >= 0) {
      clearBit(this.irr, v);
      setBit(this.isr, v);
      return v;
    }
    if (this.extIntOpen() && this.extInt!.pending()) return this.extInt!.acknowledge();
    return this.svr & 0xff;
  }

  takeNmi(): boolean {
    const n = this.nmiPending;
    this.nmiPending = false;
    return n;
  }

  takeInit(): boolean {
    const i = this.initPending;
    this.initPending = false;
    return i;
  }

  /** The start-up vector (the CPU starts in real mode at vector × 4096), or -1. */
  takeStartup(): number {
    const v = this.startupVector;
    if (v >= 0) { this.startupVector = -1; this.waitingForStartup = false; }
    return v;
  }

  eoi(): void {
    const v = highest(this.isr);
    if (v < 0) return;
    clearBit(this.isr, v);
    if (bitSet(this.tmr, v)) this.bus.broadcastEoi(v);
  }

  // ------------------------------------------------------------------ registers

  mmioRead(offset: number, size: AccessSize): number {
    const v = this.readRegister(offset & 0xff0);
    const shift = (offset & 3) * 8;
    return size === 4 ? v >>> 0 : (v >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  mmioWrite(offset: number, _size: AccessSize, value: number): void {
    // Registers are 32 bits wide on 16-byte boundaries; narrower writes are undefined on hardware
    // and land here as writes of the whole register.
    this.writeRegister(offset & 0xff0, value >>> 0);
  }

  readRegister(reg: number): number {
    if (reg >= 0x100 && reg < 0x280) {
      const arr = reg < 0x180 ? this.isr : reg < 0x200 ? this.tmr : this.irr;
      return arr[(reg >> 4) & 7];
    }
    if (reg >= 0x320 && reg <= 0x370) return this.lvt[(reg - 0x320) >> 4];
    switch (reg) {
      case 0x20: return (this.apicId << 24) >>> 0;
      case 0x30: return LAPIC_VERSION;
      case 0x80: return this.tpr;
      case 0x90: return 0;
      case 0xa0: return this.ppr;
      case 0xb0: return 0;
      case 0xc0: return 0;
      case 0xd0: return this.ldr;
      case 0xe0: return this.dfr;
      case 0xf0: return this.svr;
      case 0x280: return this.esr;
      case 0x300: return this.icrLo;
      case 0x310: return this.icrHi;
      case 0x380: return this.initialCount;
      case 0x390: return this.currentCount();
      case 0x3e0: return this.divideConfig;
      default:
        this.esrPending |= ESR.ILLEGAL_REGISTER;
        return 0;
    }
  }

  writeRegister(reg: number, v: number): void {
    if (reg >= 0x320 && reg <= 0x370) { this.writeLvt((reg - 0x320) >> 4, v); return; }
    switch (reg) {
      case 0x80: this.tpr = v & 0xff; return;
      case 0xb0: this.eoi(); return;
      case 0xd0: this.ldr = (v & 0xff000000) >>> 0; return;
      case 0xe0: this.dfr = ((v & 0xf0000000) | 0x0fffffff) >>> 0; return;
      case 0xf0:
        this.svr = v & 0x3ff;
        if (!this.softwareEnabled) for (let i = 0; i < 6; i++) this.lvt[i] |= LVT_MASKED;
        return;
      case 0x280:
        this.esr = this.esrPending;
        this.esrPending = 0;
        return;
      case 0x300: this.icrLo = v & 0xcdfff; this.sendIpi(); return;
      case 0x310: this.icrHi = (v & 0xff000000) >>> 0; return;
      case 0x380: this.startTimer(v); return;
      case 0x3e0: this.setDivide(v & 0xb); return;
      case 0x20: case 0x30: case 0x90: case 0xa0: case 0xc0: case 0x390:
        return; // read-only (the ID is fixed here: Linux never moves it)
      default:
        this.esrPending |= ESR.ILLEGAL_REGISTER;
    }
  }

  private writeLvt(i: number, v: number): void {
    let val = v & LVT_WRITABLE[i];
    if (!this.softwareEnabled) val |= LVT_MASKED;
    const old = this.lvt[i];
    this.lvt[i] = (old & ~LVT_WRITABLE[i]) | val;
    // A mode change of the timer re-plans its next expiry (periodic ↔ one-shot).
    if (i === LVT.TIMER && ((old ^ this.lvt[i]) & 0x60000) !== 0 && this.timerRunning) this.scheduleTimer();
  }

  private sendIpi(): void {
    const lo = this.icrLo;
    const m: ApicMessage = {
      vector: lo & 0xff, mode: (lo >> 8) & 7, logical: (lo & 0x800) !== 0, dest: this.icrHi >>> 24,
      assert: (lo & 0x4000) !== 0, level: (lo & 0x8000) !== 0, shorthand: (lo >> 18) & 3,
    };
    if ((m.mode === DM.FIXED || m.mode === DM.LOWEST) && m.vector < 16) {
      this.esrPending |= ESR.SEND_ILLEGAL_VECTOR;
      this.lvtError();
      return;
    }
    // Fixed IPIs are edge-triggered; only INIT uses the level bits.
    if (m.mode !== DM.INIT) m.level = false;
    if (this.bus.deliver(m, this)) this.ipisToOthers++;
  }

  private lvtError(): void {
    const l = this.lvt[LVT.ERROR];
    if ((l & LVT_MASKED) === 0) this.raise(l & 0xff);
  }

  // ------------------------------------------------------------------ timer

  /** Divide configuration → divisor: bits 3,1:0; 0b111 divides by 1. */
  get divisor(): number {
    const code = (this.divideConfig & 3) | ((this.divideConfig >> 1) & 4);
    return code === 7 ? 1 : 2 << code;
  }

  private get periodic(): boolean {
    return ((this.lvt[LVT.TIMER] >> 17) & 3) === 1;
  }

  /** Timer ticks (bus clocks ÷ divisor) since the count started. */
  private elapsedTicks(now: VirtualNs): number {
    return Math.floor(cyclesAt(Math.max(0, now - this.timerStart), this.timerHz) / this.divisor);
  }

  currentCount(): number {
    if (!this.timerRunning || this.initialCount === 0) return 0;
    const e = this.elapsedTicks(this.time());
    if (this.periodic) return this.initialCount - (e % this.initialCount);
    return Math.max(0, this.initialCount - e);
  }

  private startTimer(count: number): void {
    this.stopTimer();
    this.initialCount = count >>> 0;
    if (this.initialCount === 0) return;
    this.timerStart = this.time();
    this.timerFired = 0;
    this.timerRunning = true;
    this.scheduleTimer();
  }

  private stopTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerRunning = false;
  }

  private setDivide(v: number): void {
    if (!this.timerRunning) { this.divideConfig = v; return; }
    // Keep the count where it is and go on counting at the new rate.
    const now = this.time();
    const left = this.currentCount();
    this.divideConfig = v;
    this.timerStart = now - (cycleTime((this.initialCount - left) * this.divisor, this.timerHz));
    this.timerFired = 0;
    this.scheduleTimer();
  }

  /** Virtual time at which period `k` (1-based) ends. */
  private expiry(k: number): VirtualNs {
    return this.timerStart + cycleTime(k * this.initialCount * this.divisor, this.timerHz);
  }

  private scheduleTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.timerRunning) return;
    // A finished one-shot count stays at 0 (running, nothing left to fire).
    if (!this.periodic && this.timerFired >= 1) return;
    const k = this.timerFired + 1;
    this.timer = this.clock.at(this.expiry(k), () => {
      this.timer = undefined;
      this.timerFired = k;
      const l = this.lvt[LVT.TIMER];
      if ((l & LVT_MASKED) === 0) this.raise(l & 0xff);
      if (this.periodic) this.scheduleTimer();
    });
  }

  /** Virtual time of the next timer interrupt, or Infinity. */
  get nextTimerTime(): VirtualNs {
    return this.timer ? this.timer.at : Infinity;
  }

  // ------------------------------------------------------------------ state

  saveState(): unknown {
    const now = this.time();
    return {
      tpr: this.tpr, ldr: this.ldr, dfr: this.dfr, svr: this.svr,
      irr: [...this.irr], isr: [...this.isr], tmr: [...this.tmr],
      esr: this.esr, esrPending: this.esrPending, icrLo: this.icrLo, icrHi: this.icrHi,
      lvt: [...this.lvt], initialCount: this.initialCount, divideConfig: this.divideConfig,
      // Times relative to now, so a checkpoint resumes on a clock at any time.
      timerStart: this.timerRunning ? this.timerStart - now : null, timerFired: this.timerFired,
      nmiPending: this.nmiPending, initPending: this.initPending,
      waitingForStartup: this.waitingForStartup, startupVector: this.startupVector,
    };
  }

  loadState(s: unknown): void {
    const n = this.name;
    const u32 = (k: string) => intField(s, k, 0, 0xffffffff, n);
    const words = (k: string) => {
      const a = numberArray(s, k, 8, n);
      if (!a.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) throw new DeviceError('BAD_DEVICE_STATE', `${n}: "${k}" holds a value that is not a 32-bit word`);
      return a;
    };
    const lvt = numberArray(s, 'lvt', 6, n);
    const irr = words('irr'), isr = words('isr'), tmr = words('tmr');
    const start = (s as Record<string, unknown>).timerStart;
    if (start !== null && (typeof start !== 'number' || !Number.isFinite(start))) throw new DeviceError('BAD_DEVICE_STATE', `${n}: "timerStart" is not a number or null`);
    const v = {
      tpr: intField(s, 'tpr', 0, 0xff, n), ldr: u32('ldr'), dfr: u32('dfr'), svr: intField(s, 'svr', 0, 0x3ff, n),
      esr: u32('esr'), esrPending: u32('esrPending'), icrLo: u32('icrLo'), icrHi: u32('icrHi'),
      initialCount: u32('initialCount'), divideConfig: intField(s, 'divideConfig', 0, 0xf, n),
      timerFired: intField(s, 'timerFired', 0, Number.MAX_SAFE_INTEGER, n),
      nmiPending: field<boolean>(s, 'nmiPending', 'boolean', n), initPending: field<boolean>(s, 'initPending', 'boolean', n),
      waitingForStartup: field<boolean>(s, 'waitingForStartup', 'boolean', n), startupVector: intField(s, 'startupVector', -1, 0xff, n),
    };
    this.stopTimer();
    Object.assign(this, v);
    this.irr.set(irr); this.isr.set(isr); this.tmr.set(tmr); this.lvt.set(lvt);
    if (start !== null) {
      this.timerStart = (start as number) + this.time();
      this.timerRunning = true;
      this.scheduleTimer();
    }
  }
}
