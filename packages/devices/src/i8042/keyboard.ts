// The PS/2 keyboard behind the i8042: enough of its command set for Linux's atkbd to reset,
// identify and configure it. Key presses are not modelled beyond bytes the host injects.
import { DeviceError } from '../device.js';

export const ACK = 0xfa, RESEND = 0xfe, BAT_OK = 0xaa, ECHO = 0xee;

/** Commands whose next byte is a parameter rather than a command. */
const SET_LEDS = 0xed, SCANCODE_SET = 0xf0, TYPEMATIC = 0xf3;

export interface KeyboardState {
  scanning: boolean;
  leds: number;
  set: number;
  typematic: number;
  /** The command waiting for its parameter byte, or 0. */
  expect: number;
}

export class Ps2Keyboard {
  scanning = true;
  leds = 0;
  set = 2;
  typematic = 0x2b;
  expect = 0;

  /** A byte from the host; returns the keyboard's reply bytes. `xlate`: the controller translates. */
  receive(b: number, xlate: boolean): number[] {
    if (this.expect) {
      const cmd = this.expect;
      this.expect = 0;
      // A command byte where a parameter was due aborts the parameter and runs as a command.
      if (b < 0xed) return this.parameter(cmd, b);
    }
    switch (b) {
      case 0xff: this.defaults(); this.scanning = true; return [ACK, BAT_OK];
      case 0xf6: this.defaults(); return [ACK];
      case 0xf5: this.defaults(); this.scanning = false; return [ACK];
      case 0xf4: this.scanning = true; return [ACK];
      // Identify: an MF2 keyboard. The controller's set 2 to set 1 translation turns 0x83 into 0x41.
      case 0xf2: return [ACK, 0xab, xlate ? 0x41 : 0x83];
      case SET_LEDS: case SCANCODE_SET: case TYPEMATIC: this.expect = b; return [ACK];
      case 0xee: return [ECHO];
      case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd: return [ACK]; // set-3 key modes
      default: return [RESEND];
    }
  }

  private parameter(cmd: number, b: number): number[] {
    if (cmd === SET_LEDS) { this.leds = b & 7; return [ACK]; }
    if (cmd === TYPEMATIC) { this.typematic = b & 0x7f; return [ACK]; }
    if (b === 0) return [ACK, this.set];
    if (b > 3) return [RESEND];
    this.set = b;
    return [ACK];
  }

  private defaults(): void {
    this.leds = 0;
    this.set = 2;
    this.typematic = 0x2b;
    this.expect = 0;
  }

  save(): KeyboardState {
    return { scanning: this.scanning, leds: this.leds, set: this.set, typematic: this.typematic, expect: this.expect };
  }

  load(s: unknown, device: string): void {
    const v = s as Partial<KeyboardState> | null;
    const ok = typeof v === 'object' && v !== null && typeof v.scanning === 'boolean' &&
      [v.leds, v.set, v.typematic, v.expect].every((x) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 0xff);
    if (!ok) throw new DeviceError('BAD_DEVICE_STATE', `${device}: saved keyboard state is malformed`);
    Object.assign(this, { scanning: v.scanning, leds: v.leds, set: v.set, typematic: v.typematic, expect: v.expect });
  }
}
