// The PC's ISA interrupt wiring: every ISA IRQ reaches both the 8259 pair and the I/O APIC (IRQ 0
// on pin 2, the rest on the pin of the same number, as the MADT's override says), and the guest
// masks whichever it does not use. The HPET in legacy replacement mode takes IRQ 0 and IRQ 8 away
// from the PIT and the RTC, as the chipset does.
import type { IrqSink } from '@serval/machine';

/** The I/O APIC pin (GSI) of an ISA IRQ. */
export function isaGsi(irq: number): number {
  return irq === 0 ? 2 : irq;
}

export class IsaIrqRouter implements IrqSink {
  pic: IrqSink | undefined;
  ioapic: IrqSink | undefined;
  private readonly isa = new Uint8Array(16);
  private readonly hpet = new Uint8Array(16);
  private readonly out = new Uint8Array(16);
  private legacy = false;
  /** Where the HPET's legacy-mode timers drive IRQ 0 and IRQ 8. */
  readonly hpetLegacy: IrqSink = {
    setIrqLevel: (line, level) => { this.hpet[line & 15] = level ? 1 : 0; this.update(line & 15); },
  };

  setIrqLevel(line: number, level: boolean): void {
    if (line < 0 || line > 15) return;
    this.isa[line] = level ? 1 : 0;
    this.update(line);
  }

  setLegacyReplacement(on: boolean): void {
    this.legacy = on;
    this.update(0);
    this.update(8);
  }

  private update(line: number): void {
    const v = this.legacy && (line === 0 || line === 8) ? this.hpet[line] : this.isa[line];
    if (v === this.out[line]) return;
    this.out[line] = v;
    this.pic?.setIrqLevel(line, v === 1);
    this.ioapic?.setIrqLevel(isaGsi(line), v === 1);
  }
}
