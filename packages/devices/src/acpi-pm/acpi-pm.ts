// The ACPI fixed-hardware registers of a PC chipset's power-management function, in I/O space:
// PM1a event block (status and enable, 2 × 16 bits), PM1a control block (SCI_EN, SLP_TYP, SLP_EN)
// and the 32-bit PM timer counting 3.579545 MHz from virtual time. The SCI (IRQ 9 on a PC) is a
// level-triggered line asserted while an enabled status bit is set. Writing SLP_EN with the sleep
// type the DSDT's \_S5 names powers the machine off.
//
// The timer's overflow status (TMR_STS, bit 31 toggling) is computed when read; no SCI is raised
// for it, because nothing schedules an event at the overflow (Linux never enables TMR_EN).
import type { AccessSize, IrqLine, PortDevice, VirtualNs } from '@serval/machine';
import { type Device } from '../device.js';
import { intField, readBytes, writeBytes } from '../ports.js';
import { cyclesAt } from '../timebase.js';

export const PM_TIMER_HZ = 3_579_545;
/** Port layout from the block's base: PM1a_EVT (4), PM1a_CNT (2), pad (2), PM_TMR (4). */
export const ACPI_PM = { EVT: 0, CNT: 4, TMR: 8, LENGTH: 12 } as const;
export const ACPI_PM_BASE = 0x600;
/** The sleep type this device treats as S5 (soft off); the DSDT's \_S5 package must say the same. */
export const SLP_TYP_S5 = 5;

const STS = { TMR: 1 << 0, PWRBTN: 1 << 8, WAK: 1 << 15 } as const;
const CNT = { SCI_EN: 1 << 0, SLP_EN: 1 << 13 } as const;
const STS_WRITABLE = 0x8f31; // TMR, BM, GBL, PWRBTN, SLPBTN, RTC, PCIEXP_WAKE (bit 14 reserved), WAK
const EN_WRITABLE = 0x4721;

export interface AcpiPmOptions {
  name?: string;
  time: () => VirtualNs;
  /** The SCI. */
  sci?: IrqLine;
  /** The guest entered S5. */
  onPowerOff?: () => void;
}

export class AcpiPm implements PortDevice, Device {
  readonly kind = 'acpi-pm';
  readonly name: string;
  status = 0;
  enable = 0;
  /** SCI_EN set: the machine is in ACPI mode from reset (there is no SMI_CMD to switch it). */
  control = CNT.SCI_EN;
  /** Timer value when TMR_STS was last cleared (its bit 31 toggles are the overflows since). */
  private tmrStsBase = 0;
  private readonly time: () => VirtualNs;
  private readonly sci: IrqLine | undefined;
  private readonly onPowerOff: () => void;

  constructor(opts: AcpiPmOptions) {
    this.name = opts.name ?? 'acpi-pm';
    this.time = opts.time;
    this.sci = opts.sci;
    this.onPowerOff = opts.onPowerOff ?? (() => {});
  }

  /** Full timer ticks since time 0 (the register shows the low 32 bits). */
  ticks(): number {
    return cyclesAt(this.time(), PM_TIMER_HZ);
  }

  private get statusNow(): number {
    const overflowed = Math.floor(this.ticks() / 2 ** 31) !== Math.floor(this.tmrStsBase / 2 ** 31);
    return this.status | (overflowed ? STS.TMR : 0);
  }

  ioRead(offset: number, size: AccessSize): number {
    if (offset >= ACPI_PM.TMR && offset < ACPI_PM.TMR + 4) {
      const t = this.ticks() % 2 ** 32;
      return readBytes(offset - ACPI_PM.TMR, size, 4, (o) => Math.floor(t / 2 ** (8 * o)) & 0xff);
    }
    return readBytes(offset, size, 8, (o) => {
      switch (o) {
        case 0: return this.statusNow;
        case 1: return this.statusNow >> 8;
        case 2: return this.enable;
        case 3: return this.enable >> 8;
        case 4: return this.control;
        case 5: return this.control >> 8;
        default: return 0xff;
      }
    });
  }

  ioWrite(offset: number, size: AccessSize, value: number): void {
    if (offset >= ACPI_PM.TMR) return; // the timer is read-only
    // Registers are 16 bits wide; gather the bytes written to each before acting on it.
    const w = [0, 0, 0, 0, 0, 0];
    const touched = [false, false, false, false, false, false];
    writeBytes(offset, size, 6, value, (o, b) => { w[o] = b; touched[o] = true; });
    const merge = (old: number, i: number) => (touched[i] ? w[i] : old & 0xff) | ((touched[i + 1] ? w[i + 1] : (old >> 8) & 0xff) << 8);
    if (touched[0] || touched[1]) {
      // Status bits clear when written with 1.
      const clear = (w[0] | (w[1] << 8)) & STS_WRITABLE;
      if (clear & STS.TMR) this.tmrStsBase = this.ticks();
      this.status &= ~clear;
    }
    if (touched[2] || touched[3]) this.enable = merge(this.enable, 2) & EN_WRITABLE;
    if (touched[4] || touched[5]) this.writeControl(merge(this.control, 4));
    this.updateSci();
  }

  /** The fixed-feature power button was pressed (PWRBTN_STS; an SCI if the guest enabled it). */
  pressPowerButton(): void {
    this.status |= STS.PWRBTN;
    this.updateSci();
  }

  private writeControl(v: number): void {
    // SLP_EN is write-only and starts the transition to the sleep state in SLP_TYP.
    this.control = (v & ~CNT.SLP_EN) & 0xffff;
    if ((v & CNT.SLP_EN) && ((v >> 10) & 7) === SLP_TYP_S5) this.onPowerOff();
  }

  private updateSci(): void {
    this.sci?.set((this.control & CNT.SCI_EN) !== 0 && (this.status & this.enable) !== 0);
  }

  saveState(): unknown {
    return { status: this.status, enable: this.enable, control: this.control, tmrStsBase: this.tmrStsBase };
  }

  loadState(s: unknown): void {
    const n = this.name;
    const v = {
      status: intField(s, 'status', 0, 0xffff, n), enable: intField(s, 'enable', 0, 0xffff, n),
      control: intField(s, 'control', 0, 0xffff, n), tmrStsBase: intField(s, 'tmrStsBase', 0, Number.MAX_SAFE_INTEGER, n),
    };
    Object.assign(this, v);
    this.updateSci();
  }
}
