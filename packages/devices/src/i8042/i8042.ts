// A minimal Intel 8042 keyboard controller: data port 0x60, status/command port 0x64. Commands
// complete instantly (IBF never set), so Linux's i8042 probe runs without waiting. The AUX (mouse)
// port exists and passes the loopback and IRQ 12 tests, but no mouse is attached: bytes sent to
// it come back as a timeout, which makes psmouse give up at once. Pulsing the reset line (0xFE,
// or clearing output-port bit 0) calls `onReset`, which is how Linux's `reboot=kbd` resets a PC.
import type { AccessSize, IrqLine, PortDevice } from '@serval/machine';
import { type Device, DeviceError, field } from '../device.js';
import { type PortRange, intField, numberArray } from '../ports.js';
import { Ps2Keyboard, RESEND } from './keyboard.js';

export const I8042_DATA_PORT = 0x60;
export const I8042_COMMAND_PORT = 0x64;

const ST_OBF = 0x01, ST_SYS = 0x04, ST_CMD = 0x08, ST_UNLOCKED = 0x10, ST_AUX = 0x20, ST_TIMEOUT = 0x40;
const CTR_KBDINT = 0x01, CTR_AUXINT = 0x02, CTR_SYS = 0x04, CTR_KBDDIS = 0x10, CTR_AUXDIS = 0x20, CTR_XLATE = 0x40;
const OUT_RESET = 0x01, OUT_A20 = 0x02;

export interface I8042Options {
  name?: string;
  irqKbd?: IrqLine;
  irqAux?: IrqLine;
  /** Is a keyboard plugged in (default true)? Without one, keyboard commands time out. */
  keyboard?: boolean;
  /** The CPU reset line was pulsed. */
  onReset?: () => void;
  /** The A20 gate (output port bit 1) changed. */
  onA20?: (enabled: boolean) => void;
}

/** A byte waiting for the output buffer: where it came from decides IRQ 1 or 12 and status bits. */
interface Out { byte: number; aux: boolean; timeout: boolean }

export class I8042 implements Device {
  readonly kind = 'i8042';
  readonly name: string;
  readonly dataPort: PortDevice;
  readonly commandPort: PortDevice;
  onReset: () => void;
  onA20: (enabled: boolean) => void;
  private readonly keyboard: Ps2Keyboard | undefined;
  private readonly irqKbd: IrqLine | undefined;
  private readonly irqAux: IrqLine | undefined;
  /** Internal RAM; byte 0 is the command byte (CTR). Firmware leaves it at 0x65. */
  private readonly ram = new Uint8Array(32);
  private outport = OUT_RESET | OUT_A20;
  private lastWasCommand = false;
  /** A controller command waiting for its data byte on port 0x60, or 0. */
  private pending = 0;
  private ob: Out | null = null;
  private lastData = 0;
  private readonly controllerQ: Out[] = [];
  private readonly kbdQ: number[] = [];

  constructor(opts: I8042Options = {}) {
    this.name = opts.name ?? 'i8042';
    this.irqKbd = opts.irqKbd;
    this.irqAux = opts.irqAux;
    this.keyboard = opts.keyboard === false ? undefined : new Ps2Keyboard();
    this.onReset = opts.onReset ?? (() => {});
    this.onA20 = opts.onA20 ?? (() => {});
    this.ram[0] = CTR_AUXDIS | CTR_XLATE | CTR_SYS | CTR_KBDINT;
    this.dataPort = { name: `${this.name}-data`, ioRead: () => this.readData(), ioWrite: (_o: number, _s: AccessSize, v: number) => this.writeData(v & 0xff) };
    this.commandPort = { name: `${this.name}-cmd`, ioRead: () => this.status(), ioWrite: (_o: number, _s: AccessSize, v: number) => this.command(v & 0xff) };
  }

  portRanges(): PortRange[] {
    return [{ base: I8042_DATA_PORT, length: 1, device: this.dataPort }, { base: I8042_COMMAND_PORT, length: 1, device: this.commandPort }];
  }

  get a20(): boolean {
    return (this.outport & OUT_A20) !== 0;
  }

  /** Bytes from the keyboard (scancodes in whatever set the guest expects), dropped unless scanning. */
  injectKeyboard(bytes: Iterable<number>): void {
    if (!this.keyboard?.scanning) return;
    for (const b of bytes) this.kbdQ.push(b & 0xff);
    this.refill();
  }

  private get ctr(): number {
    return this.ram[0];
  }

  status(): number {
    const ob = this.ob;
    return (ob ? ST_OBF : 0) | (this.ctr & CTR_SYS ? ST_SYS : 0) | (this.lastWasCommand ? ST_CMD : 0) | ST_UNLOCKED |
      (ob?.aux ? ST_AUX : 0) | (ob?.timeout ? ST_TIMEOUT : 0);
  }

  private readData(): number {
    if (this.ob) {
      this.lastData = this.ob.byte;
      this.ob = null;
      // Drop both lines so the next byte, if any, is a fresh edge.
      this.irqKbd?.lower();
      this.irqAux?.lower();
      this.refill();
    }
    return this.lastData; // an empty buffer reads its stale contents
  }

  private writeData(v: number): void {
    this.lastWasCommand = false;
    const cmd = this.pending;
    this.pending = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) this.ram[cmd - 0x60] = v;
    else if (cmd === 0xd1) this.setOutport(v);
    else if (cmd === 0xd2) this.reply(v, false);
    else if (cmd === 0xd3) this.reply(v, true);
    else if (cmd === 0xd4) { this.ram[0] &= ~CTR_AUXDIS; this.reply(RESEND, true, true); } // no mouse
    else this.toKeyboard(v);
    this.refill();
  }

  private toKeyboard(v: number): void {
    // Sending to the keyboard re-enables its interface, as on real controllers.
    this.ram[0] &= ~CTR_KBDDIS;
    if (!this.keyboard) return this.reply(RESEND, false, true);
    if (v === 0xff) this.kbdQ.length = 0; // a reset keyboard forgets what it had not sent
    for (const b of this.keyboard.receive(v, (this.ctr & CTR_XLATE) !== 0)) this.kbdQ.push(b);
  }

  private command(c: number): void {
    this.lastWasCommand = true;
    this.pending = 0;
    if (c >= 0x20 && c <= 0x3f) this.reply(this.ram[c - 0x20], false);
    else if ((c >= 0x60 && c <= 0x7f) || (c >= 0xd1 && c <= 0xd4)) this.pending = c;
    else if (c >= 0xf0) { if (!(c & 1)) this.onReset(); } // pulse output bits whose command bit is 0
    else {
      switch (c) {
        case 0xa4: this.reply(0xf1, false); break; // no password installed
        case 0xa7: this.ram[0] |= CTR_AUXDIS; break;
        case 0xa8: this.ram[0] &= ~CTR_AUXDIS; break;
        case 0xa9: this.reply(0x00, false); break; // AUX interface test: no error
        case 0xaa: this.ram[0] |= CTR_SYS; this.reply(0x55, false); break; // self-test passed
        case 0xab: this.reply(0x00, false); break; // keyboard interface test: no error
        case 0xad: this.ram[0] |= CTR_KBDDIS; break;
        case 0xae: this.ram[0] &= ~CTR_KBDDIS; break;
        case 0xc0: this.reply(0x80, false); break; // input port: keyboard not inhibited
        case 0xd0: this.reply(this.outputPort(), false); break;
        case 0xdd: this.setOutport(this.outport & ~OUT_A20); break;
        case 0xdf: this.setOutport(this.outport | OUT_A20); break;
        case 0xe0: this.reply(0x00, false); break; // test inputs
        default: break; // unknown commands are ignored
      }
    }
    this.refill();
  }

  /** Output port as read: reset and A20 as written, plus the two output-buffer-full lines. */
  private outputPort(): number {
    const ob = this.ob;
    return (this.outport & 0xcf) | (ob && !ob.aux ? 0x10 : 0) | (ob?.aux ? 0x20 : 0);
  }

  private setOutport(v: number): void {
    const a20 = (this.outport & OUT_A20) !== 0;
    this.outport = v | OUT_RESET; // the reset line is pulsed, not held
    if (((v & OUT_A20) !== 0) !== a20) this.onA20(!a20);
    if (!(v & OUT_RESET)) this.onReset();
  }

  private reply(byte: number, aux: boolean, timeout = false): void {
    this.controllerQ.push({ byte, aux, timeout });
  }

  /** Moves the next waiting byte into an empty output buffer and updates IRQ 1/12. */
  private refill(): void {
    if (!this.ob) {
      if (this.controllerQ.length) this.ob = this.controllerQ.shift()!;
      else if (this.kbdQ.length && !(this.ctr & CTR_KBDDIS)) this.ob = { byte: this.kbdQ.shift()!, aux: false, timeout: false };
    }
    const ob = this.ob;
    this.irqKbd?.set(ob !== null && !ob.aux && (this.ctr & CTR_KBDINT) !== 0);
    this.irqAux?.set(ob !== null && ob.aux && (this.ctr & CTR_AUXINT) !== 0);
  }

  saveState(): unknown {
    return {
      ram: [...this.ram], outport: this.outport, lastWasCommand: this.lastWasCommand, pending: this.pending,
      ob: this.ob ? packOut(this.ob) : -1, lastData: this.lastData, controllerQ: this.controllerQ.map(packOut),
      kbdQ: [...this.kbdQ], keyboard: this.keyboard?.save() ?? null,
    };
  }

  loadState(s: unknown): void {
    const ram = numberArray(s, 'ram', 32, this.name);
    const outport = intField(s, 'outport', 0, 0xff, this.name);
    const lastWasCommand = field<boolean>(s, 'lastWasCommand', 'boolean', this.name);
    const pending = intField(s, 'pending', 0, 0xff, this.name);
    const ob = intField(s, 'ob', -1, 0x3ff, this.name);
    const lastData = intField(s, 'lastData', 0, 0xff, this.name);
    const cq = numberArray(s, 'controllerQ', undefined, this.name);
    const kq = numberArray(s, 'kbdQ', undefined, this.name);
    if (![...ram, ...kq].every((b) => Number.isInteger(b) && b >= 0 && b <= 0xff) || !cq.every((b) => Number.isInteger(b) && b >= 0 && b <= 0x3ff)) {
      throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: saved bytes out of range`);
    }
    const kb = (s as Record<string, unknown>).keyboard;
    if ((kb === null) !== (this.keyboard === undefined)) throw new DeviceError('BAD_DEVICE_STATE', `${this.name}: saved state disagrees about the keyboard being present`);
    this.keyboard?.load(kb, this.name);
    this.ram.set(ram);
    this.outport = outport; this.lastWasCommand = lastWasCommand; this.pending = pending; this.lastData = lastData;
    this.ob = ob < 0 ? null : unpackOut(ob);
    this.controllerQ.splice(0, this.controllerQ.length, ...cq.map(unpackOut));
    this.kbdQ.splice(0, this.kbdQ.length, ...kq);
    this.refill();
  }
}

function packOut(o: Out): number {
  return o.byte | (o.aux ? 0x100 : 0) | (o.timeout ? 0x200 : 0);
}

function unpackOut(v: number): Out {
  return { byte: v & 0xff, aux: (v & 0x100) !== 0, timeout: (v & 0x200) !== 0 };
}
