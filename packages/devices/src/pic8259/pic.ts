// The PC's cascaded 8259A pair: master at 0x20/0x21 (IRQ 0-7), slave at 0xA0/0xA1 (IRQ 8-15)
// with its INT wired to the master's IR2, and the chipset's edge/level control registers at
// 0x4D0/0x4D1. Devices drive IRQ lines (IrqSink); the CPU side asks `pending()` and runs the INTA
// cycle with `acknowledge()`; `onChange` fires when INTR changes so a VMM can open a window.
//
// Two deliberate choices:
// - An edge-triggered request stays latched in IRR until acknowledged even if its line drops
//   again, because devices here signal edges with `IrqLine.pulse()` (raise then lower at once).
//   Real parts lose such a request and deliver a spurious IRQ 7; that cannot be modelled without
//   timing every device's pulse width.
// - The master's IR2 follows the slave's INT as a level, so a slave request that stays pending
//   across an INTA is never lost for want of a fresh edge.
import type { AccessSize, IrqSink, PortDevice } from '@serval/machine';
import { type Device, DeviceError, field } from '../device.js';
import { type PortRange, readBytes, writeBytes } from '../ports.js';
import { Chip8259 } from './chip.js';

export const PIC_MASTER_PORT = 0x20;
export const PIC_SLAVE_PORT = 0xa0;
export const PIC_ELCR_PORT = 0x4d0;
export const PIC_CASCADE_IR = 2;

export interface PicOptions {
  name?: string;
  /** Called with the new INTR level whenever it changes. */
  onChange?: (intr: boolean) => void;
}

export class Pic8259 implements IrqSink, Device {
  readonly kind = 'pic8259';
  readonly name: string;
  onChange: (intr: boolean) => void;
  // ELCR bits for IRQ 0, 1, 2, 8 and 13 are reserved (always edge) on PC chipsets.
  readonly master = new Chip8259('master', 0xf8);
  readonly slave = new Chip8259('slave', 0xde);
  /** Port devices for the three ranges (see portRanges()). */
  readonly masterPorts: PortDevice;
  readonly slavePorts: PortDevice;
  readonly elcrPorts: PortDevice;
  private intr = false;

  constructor(opts: PicOptions = {}) {
    this.name = opts.name ?? 'pic';
    this.onChange = opts.onChange ?? (() => {});
    this.master.forcedLevel = 1 << PIC_CASCADE_IR;
    this.masterPorts = this.chipPorts(this.master, `${this.name}-master`, PIC_CASCADE_IR);
    this.slavePorts = this.chipPorts(this.slave, `${this.name}-slave`, -1);
    const chips = [this.master, this.slave];
    this.elcrPorts = {
      name: `${this.name}-elcr`,
      ioRead: (off, size) => readBytes(off, size, 2, (o) => chips[o].elcr),
      ioWrite: (off, size, v) => { writeBytes(off, size, 2, v, (o, b) => chips[o].setElcr(b)); this.update(); },
    };
  }

  portRanges(): PortRange[] {
    return [
      { base: PIC_MASTER_PORT, length: 2, device: this.masterPorts },
      { base: PIC_SLAVE_PORT, length: 2, device: this.slavePorts },
      { base: PIC_ELCR_PORT, length: 2, device: this.elcrPorts },
    ];
  }

  /** IRQ line 0-15 changed level. Line 2 is the cascade and has no pin of its own on a PC. */
  setIrqLevel(line: number, level: boolean): void {
    if (!Number.isInteger(line) || line < 0 || line > 15) throw new DeviceError('BAD_IRQ', `${this.name}: no IRQ line ${line} (0-15)`);
    if (line === PIC_CASCADE_IR) return;
    if (line < 8) this.master.setInput(line, level); else this.slave.setInput(line - 8, level);
    this.update();
  }

  /** INTR: an unmasked request outranks everything in service. */
  pending(): boolean {
    return this.intr;
  }

  /**
   * The INTA cycle: the vector of the highest-priority request, moved from IRR to ISR on the chip
   * that supplies it. With nothing left to deliver (the request went away), the chip answers
   * with its IR7 vector and sets no ISR bit, as the 8259A does: Linux recognises these spurious
   * IRQ 7/15 by the clear ISR bit.
   */
  acknowledge(): number {
    const ir = this.master.resolve(PIC_CASCADE_IR);
    if (ir < 0) return this.master.vector(7);
    this.master.acknowledge(ir);
    let vector: number;
    if (ir === PIC_CASCADE_IR) {
      const sir = this.slave.resolve(-1);
      if (sir >= 0) this.slave.acknowledge(sir);
      vector = this.slave.vector(sir >= 0 ? sir : 7);
    } else {
      vector = this.master.vector(ir);
    }
    this.update();
    return vector;
  }

  private chipPorts(chip: Chip8259, name: string, cascadeIr: number): PortDevice {
    return {
      name,
      ioRead: (off: number, size: AccessSize) => readBytes(off, size, 2, (o) => {
        if (o === 1) return chip.imr;
        return chip.takePoll() ? this.poll(chip, cascadeIr) : chip.readRegister();
      }),
      ioWrite: (off: number, size: AccessSize, v: number) => {
        writeBytes(off, size, 2, v, (o, b) => { if (o === 0) chip.writeCommand(b); else chip.writeData(b); });
        this.update();
      },
    };
  }

  /** OCW3 poll: the read acts as an INTA on that chip alone and returns I|W2-W0. */
  private poll(chip: Chip8259, cascadeIr: number): number {
    const ir = chip.resolve(cascadeIr);
    if (ir < 0) return 0;
    chip.acknowledge(ir);
    this.update();
    return 0x80 | ir;
  }

  private update(): void {
    this.master.setInput(PIC_CASCADE_IR, this.slave.resolve(-1) >= 0);
    const intr = this.master.resolve(PIC_CASCADE_IR) >= 0;
    if (intr !== this.intr) {
      this.intr = intr;
      this.onChange(intr);
    }
  }

  saveState(): unknown {
    return { master: this.master.save(), slave: this.slave.save() };
  }

  loadState(s: unknown): void {
    const m = field<unknown>(s, 'master', 'object', this.name);
    const sl = field<unknown>(s, 'slave', 'object', this.name);
    const mv = this.master.parse(m, this.name), sv = this.slave.parse(sl, this.name);
    this.master.apply(mv);
    this.slave.apply(sv);
    this.update();
  }
}
