// Interrupt lines: a device holds a line and raises or lowers it; whatever interrupt controller
// the host attached (a PIC or IOAPIC model, or the LWK's own handler) sees the level change.

export interface IrqSink {
  setIrqLevel(line: number, level: boolean): void;
}

export class IrqLine {
  private level = false;
  constructor(private readonly sink: IrqSink, readonly line: number) {}

  raise(): void { if (!this.level) { this.level = true; this.sink.setIrqLevel(this.line, true); } }
  lower(): void { if (this.level) { this.level = false; this.sink.setIrqLevel(this.line, false); } }
  set(level: boolean): void { if (level) this.raise(); else this.lower(); }
  /** An edge: raise then lower (edge-triggered controllers latch the rising edge). */
  pulse(): void { this.raise(); this.lower(); }
  get high(): boolean { return this.level; }
}

/** A sink that only remembers levels (for hosts with no interrupt controller attached yet). */
export class IrqLatch implements IrqSink {
  readonly levels = new Uint8Array(256);
  setIrqLevel(line: number, level: boolean): void { this.levels[line] = level ? 1 : 0; }
}
