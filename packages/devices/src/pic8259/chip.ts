// One Intel 8259A: request, in-service and mask registers, the ICW1-4 initialization sequence,
// OCW1-3, priority resolution with rotation, and the edge/level input logic. Two of these make the
// PC's cascaded pair (pic.ts), which owns the INTA cycle and the wiring between them.
import { DeviceError } from '../device.js';
import { intField } from '../ports.js';

const ICW1 = 0x10, ICW1_IC4 = 0x01, ICW1_SNGL = 0x02, ICW1_LTIM = 0x08;
const ICW4_AEOI = 0x02, ICW4_SFNM = 0x10;
const OCW3 = 0x08, OCW3_RIS = 0x01, OCW3_RR = 0x02, OCW3_POLL = 0x04, OCW3_SMM = 0x20, OCW3_ESMM = 0x40;

/** Initialization progress: which ICW the next odd-port write is. */
const READY = 0, WANT_ICW2 = 2, WANT_ICW3 = 3, WANT_ICW4 = 4;

/** The state a chip saves; every field is a small integer or flag word. */
const FIELDS = ['irr', 'isr', 'imr', 'inputs', 'elcr', 'vectorBase', 'icw1', 'icw3', 'icw4', 'step', 'flags', 'lowest'] as const;
export type SavedChip = Record<(typeof FIELDS)[number], number>;

/** Bits of `flags`: things OCW3/OCW2 switch on and off. */
const F_READ_ISR = 1, F_POLL = 2, F_SMM = 4, F_ROTATE_AEOI = 8;

export class Chip8259 {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Current level of each IR input pin, for edge detection. */
  inputs = 0;
  /** Edge/level control register (the chipset's ELCR, not part of the 8259A itself). */
  elcr = 0;
  vectorBase = 0;
  icw1 = 0;
  icw3 = 0;
  icw4 = 0;
  step = READY;
  flags = 0;
  /** The IR with the lowest priority; the one after it has the highest (7 until rotated). */
  lowest = 7;
  /** IRs whose request follows a level no matter what ICW1/ELCR say (the master's cascade input). */
  forcedLevel = 0;

  constructor(readonly label: string, readonly elcrMask: number) {}

  isLevel(ir: number): boolean {
    return ((this.icw1 & ICW1_LTIM) !== 0) || ((this.elcr | this.forcedLevel) & (1 << ir)) !== 0;
  }

  /** ELCR write: lines switched to level mode take their request from the pin at once. */
  setElcr(v: number): void {
    this.elcr = v & this.elcrMask;
    for (let ir = 0; ir < 8; ir++) if (this.isLevel(ir)) this.setInput(ir, (this.inputs & (1 << ir)) !== 0);
  }

  /** An IR pin changed level. Edge mode latches the rising edge until INTA (see pic.ts for why). */
  setInput(ir: number, high: boolean): void {
    const bit = 1 << ir;
    const was = (this.inputs & bit) !== 0;
    if (high) this.inputs |= bit; else this.inputs &= ~bit;
    if (this.isLevel(ir)) {
      if (high) this.irr |= bit; else this.irr &= ~bit;
    } else if (high && !was) {
      this.irr |= bit;
    }
  }

  /** Priority rank of an IR: 0 is the highest. */
  private rank(ir: number): number {
    return (ir - this.lowest - 1) & 7;
  }

  /** The highest-priority IR set in `mask`, or -1. */
  highest(mask: number): number {
    if (!mask) return -1;
    for (let k = 0; k < 8; k++) {
      const ir = (this.lowest + 1 + k) & 7;
      if (mask & (1 << ir)) return ir;
    }
    return -1;
  }

  /** The IR the chip would raise INT for now, or -1. */
  resolve(cascadeIr: number): number {
    const ir = this.highest(this.irr & ~this.imr);
    if (ir < 0) return -1;
    let blocking = this.isr;
    // Special mask mode: a masked level in service no longer holds off the levels below it.
    if (this.flags & F_SMM) blocking &= ~this.imr;
    // Special fully nested mode lets a higher request from the slave through while the slave is
    // in service: only the cascade input itself ignores its own in-service bit.
    if ((this.icw4 & ICW4_SFNM) && ir === cascadeIr) blocking &= ~(1 << cascadeIr);
    const busy = this.highest(blocking);
    return busy < 0 || this.rank(ir) < this.rank(busy) ? ir : -1;
  }

  /** The INTA cycle for `ir`: moves the request into service (or straight out again in AEOI). */
  acknowledge(ir: number): void {
    const bit = 1 << ir;
    if (!this.isLevel(ir)) this.irr &= ~bit;
    if (this.icw4 & ICW4_AEOI) {
      if (this.flags & F_ROTATE_AEOI) this.lowest = ir;
    } else {
      this.isr |= bit;
    }
  }

  vector(ir: number): number {
    return (this.vectorBase | ir) & 0xff;
  }

  /** Write to the even port (A0=0): ICW1, OCW2 or OCW3. */
  writeCommand(v: number): void {
    if (v & ICW1) return this.icw1Write(v);
    if (v & OCW3) return this.ocw3(v);
    this.ocw2(v);
  }

  /** Write to the odd port (A0=1): the next ICW during initialization, otherwise OCW1 (the mask). */
  writeData(v: number): void {
    switch (this.step) {
      case WANT_ICW2:
        // In 8086 mode the low three bits come from the IR number, not from ICW2.
        this.vectorBase = v & 0xf8;
        this.step = this.icw1 & ICW1_SNGL ? this.afterIcw3() : WANT_ICW3;
        return;
      case WANT_ICW3:
        this.icw3 = v;
        this.step = this.afterIcw3();
        return;
      case WANT_ICW4:
        this.icw4 = v & 0x1f;
        this.step = READY;
        return;
      default:
        this.imr = v;
    }
  }

  private afterIcw3(): number {
    return this.icw1 & ICW1_IC4 ? WANT_ICW4 : READY;
  }

  private icw1Write(v: number): void {
    // What ICW1 resets (8259A datasheet, "Initialization Command Words"): the edge-sense latches
    // (so an input already high needs a new rising edge), IMR, priority, special mask mode, the
    // read-register select, and ICW4's functions when no ICW4 follows.
    this.icw1 = v & 0x1f;
    this.step = WANT_ICW2;
    this.imr = 0;
    this.isr = 0;
    this.irr = 0;
    for (let ir = 0; ir < 8; ir++) if (this.isLevel(ir) && (this.inputs & (1 << ir))) this.irr |= 1 << ir;
    this.lowest = 7;
    this.flags = 0;
    if (!(v & ICW1_IC4)) this.icw4 = 0;
  }

  private ocw2(v: number): void {
    const ir = v & 7;
    switch (v >> 5) {
      case 0: this.flags &= ~F_ROTATE_AEOI; return; // clear rotate in AEOI mode
      case 4: this.flags |= F_ROTATE_AEOI; return; // set rotate in AEOI mode
      case 1: this.eoi(this.highest(this.isr), false); return; // non-specific EOI
      case 5: this.eoi(this.highest(this.isr), true); return; // rotate on non-specific EOI
      case 3: this.eoi(ir, false); return; // specific EOI
      case 7: this.eoi(ir, true); return; // rotate on specific EOI
      case 6: this.lowest = ir; return; // set priority
      default: return; // 2: no operation
    }
  }

  private eoi(ir: number, rotate: boolean): void {
    if (ir < 0) return;
    this.isr &= ~(1 << ir);
    if (rotate) this.lowest = ir;
  }

  private ocw3(v: number): void {
    if (v & OCW3_ESMM) this.flags = v & OCW3_SMM ? this.flags | F_SMM : this.flags & ~F_SMM;
    if (v & OCW3_RR) this.flags = v & OCW3_RIS ? this.flags | F_READ_ISR : this.flags & ~F_READ_ISR;
    if (v & OCW3_POLL) this.flags |= F_POLL;
  }

  /** A read of the even port consumes a pending poll command (the pair performs the acknowledge). */
  takePoll(): boolean {
    const p = (this.flags & F_POLL) !== 0;
    this.flags &= ~F_POLL;
    return p;
  }

  readRegister(): number {
    return this.flags & F_READ_ISR ? this.isr : this.irr;
  }

  get specialMask(): boolean {
    return (this.flags & F_SMM) !== 0;
  }

  get autoEoi(): boolean {
    return (this.icw4 & ICW4_AEOI) !== 0;
  }

  get initializing(): boolean {
    return this.step !== READY;
  }

  save(): SavedChip {
    const s = {} as SavedChip;
    for (const k of FIELDS) s[k] = this[k];
    return s;
  }

  /** Validates a saved chip state without touching this chip (so a bad pair loads nothing). */
  parse(s: unknown, device: string): SavedChip {
    if (typeof s !== 'object' || s === null) throw new DeviceError('BAD_DEVICE_STATE', `${device}: ${this.label} state is not an object`);
    const v = {} as SavedChip;
    for (const k of FIELDS) v[k] = intField(s, k, 0, 0xff, `${device} (${this.label})`);
    if (![READY, WANT_ICW2, WANT_ICW3, WANT_ICW4].includes(v.step) || v.lowest > 7) {
      throw new DeviceError('BAD_DEVICE_STATE', `${device}: ${this.label} step/lowest out of range`);
    }
    v.elcr &= this.elcrMask;
    return v;
  }

  apply(v: SavedChip): void {
    Object.assign(this, v);
  }
}
