// A 16550A UART: transmit reaches the host immediately (no baud-rate timing), receive is fed by the
// host; interrupts for received data and transmitter-empty, gated by MCR.OUT2 as on a PC; the
// loopback mode Linux uses to detect the chip.
import type { AccessSize, IrqLine, PortDevice } from '@serval/machine';
import { type Device, field } from '../device.js';

const IER_RDA = 1, IER_THRE = 2;
const LSR_DR = 1, LSR_THRE = 0x20, LSR_TEMT = 0x40;
const MCR_LOOP = 0x10, MCR_OUT2 = 0x08;
const LCR_DLAB = 0x80;

export interface UartOptions {
  name?: string;
  /** Receives every transmitted byte. */
  onOutput?: (byte: number) => void;
  irq?: IrqLine;
}

export class Uart16550 implements PortDevice, Device {
  readonly kind = 'uart16550';
  readonly name: string;
  onOutput: (byte: number) => void;
  irq: IrqLine | undefined;

  private ier = 0;
  private lcr = 0x03;
  private mcr = 0;
  private lsr = LSR_THRE | LSR_TEMT;
  private msr = 0;
  private scr = 0;
  private fcr = 0;
  private dll = 0x0c;
  private dlm = 0;
  /** THRE interrupt pending (cleared by reading IIR or writing THR). */
  private threPending = false;
  private rx: number[] = [];

  constructor(opts: UartOptions = {}) {
    this.name = opts.name ?? 'com1';
    this.onOutput = opts.onOutput ?? (() => {});
    this.irq = opts.irq;
  }

  /** Queues bytes as if they arrived on the line. */
  receive(bytes: Iterable<number>): void {
    for (const b of bytes) this.rx.push(b & 0xff);
    this.update();
  }

  get pendingInput(): number {
    return this.rx.length;
  }

  /** The guest's driver is listening: received-data interrupts are enabled and reach the PIC. */
  get receiving(): boolean {
    return (this.ier & IER_RDA) !== 0 && (this.mcr & MCR_OUT2) !== 0;
  }

  ioRead(offset: number, _size: AccessSize): number {
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0: {
        if (dlab) return this.dll;
        const v = this.rx.length ? this.rx.shift()! : 0;
        this.update();
        return v;
      }
      case 1: return dlab ? this.dlm : this.ier;
      case 2: {
        const iir = this.iir();
        if ((iir & 0x0f) === 0x02) { this.threPending = false; this.update(); }
        return iir;
      }
      case 3: return this.lcr;
      case 4: return this.mcr;
      case 5: return this.lsr | (this.rx.length ? LSR_DR : 0);
      case 6: return this.modemStatus();
      case 7: return this.scr;
      default: return 0xff;
    }
  }

  ioWrite(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    const dlab = (this.lcr & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) { this.dll = v; return; }
        if (this.mcr & MCR_LOOP) this.rx.push(v); else this.onOutput(v);
        this.threPending = true;
        this.update();
        return;
      case 1:
        if (dlab) { this.dlm = v; return; }
        // Enabling THRE with the transmitter empty raises the interrupt at once.
        if ((v & IER_THRE) && !(this.ier & IER_THRE)) this.threPending = true;
        this.ier = v & 0x0f;
        this.update();
        return;
      case 2:
        this.fcr = v & 0xc9;
        if (v & 2) this.rx.length = 0;
        this.update();
        return;
      case 3: this.lcr = v; return;
      case 4: this.mcr = v & 0x1f; this.update(); return;
      case 7: this.scr = v; return;
      default: return;
    }
  }

  private modemStatus(): number {
    if (this.mcr & MCR_LOOP) {
      const m = this.mcr;
      return ((m & 2) << 3) | ((m & 1) << 5) | ((m & 4) << 4) | ((m & 8) << 4);
    }
    return this.msr | 0xb0; // CTS, DSR, DCD asserted: a terminal is attached
  }

  private iir(): number {
    const fifo = this.fcr & 1 ? 0xc0 : 0;
    if ((this.ier & IER_RDA) && this.rx.length) return fifo | 0x04;
    if ((this.ier & IER_THRE) && this.threPending) return fifo | 0x02;
    return fifo | 0x01;
  }

  private update(): void {
    if (!this.irq) return;
    const pending = (this.iir() & 1) === 0;
    this.irq.set(pending && (this.mcr & MCR_OUT2) !== 0);
  }

  saveState(): unknown {
    return {
      ier: this.ier, lcr: this.lcr, mcr: this.mcr, lsr: this.lsr, msr: this.msr, scr: this.scr, fcr: this.fcr,
      dll: this.dll, dlm: this.dlm, threPending: this.threPending, rx: [...this.rx],
    };
  }

  loadState(s: unknown): void {
    const n = (k: string) => field<number>(s, k, 'number', this.name);
    this.ier = n('ier'); this.lcr = n('lcr'); this.mcr = n('mcr'); this.lsr = n('lsr'); this.msr = n('msr');
    this.scr = n('scr'); this.fcr = n('fcr'); this.dll = n('dll'); this.dlm = n('dlm');
    this.threPending = field<boolean>(s, 'threPending', 'boolean', this.name);
    this.rx = [...field<number[]>(s, 'rx', 'object', this.name)];
    this.update();
  }
}

