// The legacy platform wired together on one port bus: the PIT, RTC and i8042 interrupt through
// the PIC, and the CPU side sees the vectors Linux programmed.
import { IrqLine, PortBus, VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { I8042 } from '../i8042/index.js';
import { Pit8254, PIT_HZ, PIT_PORT, PORT61, SystemControlPort } from '../pit8254/index.js';
import { PostPort, POST_PORT } from '../port80/index.js';
import { Rtc146818, RTC_PORT } from '../rtc/index.js';
import { cycleTime, cyclesAt } from '../timebase.js';
import { Pic8259 } from './pic.js';

function platform() {
  const clock = new VirtualClock();
  const bus = new PortBus();
  const intr: boolean[] = [];
  const pic = new Pic8259({ onChange: (v) => intr.push(v) });
  const pit = new Pit8254({ clock, irq: new IrqLine(pic, 0) });
  const rtc = new Rtc146818({ clock, irq: new IrqLine(pic, 8) });
  const kbc = new I8042({ irqKbd: new IrqLine(pic, 1), irqAux: new IrqLine(pic, 12) });
  for (const r of pic.portRanges()) bus.register(r.base, r.length, r.device);
  for (const r of kbc.portRanges()) bus.register(r.base, r.length, r.device);
  bus.register(PIT_PORT, 4, pit);
  bus.register(PORT61, 1, new SystemControlPort(pit));
  bus.register(RTC_PORT, 2, rtc);
  bus.register(POST_PORT, 1, new PostPort());
  const outb = (p: number, v: number) => bus.write(p, 1, v);
  const inb = (p: number) => bus.read(p, 1);
  // init_8259A(0), all lines masked but the cascade, then what drivers unmask
  outb(0x20, 0x11); outb(0x21, 0x30); outb(0x21, 0x04); outb(0x21, 0x01);
  outb(0xa0, 0x11); outb(0xa1, 0x38); outb(0xa1, 0x02); outb(0xa1, 0x01);
  outb(0x21, 0xfb); outb(0xa1, 0xff);
  return { clock, bus, pic, pit, rtc, kbc, intr, outb, inb };
}

describe('legacy PC platform', () => {
  it('PIT periodic ticks reach the CPU as vector 0x30, once per period after EOI', () => {
    const p = platform();
    p.outb(0x43, 0x34); p.outb(0x40, 1193 & 0xff); p.outb(0x40, 1193 >> 8);
    const k = cyclesAt(p.clock.now, PIT_HZ);
    p.outb(0x21, 0xfa); // unmask IRQ 0
    p.pic.acknowledge(); p.outb(0x20, 0x20); // the edge from OUT going high at the control word
    const vectors: [number, number][] = [];
    for (let m = 1; m <= 3; m++) {
      p.clock.advanceTo(cycleTime(k + 1 + 1193 * m, PIT_HZ));
      expect(p.pic.pending()).toBe(true);
      vectors.push([p.clock.now, p.pic.acknowledge()]);
      p.outb(0x20, 0x60);
    }
    expect(vectors).toEqual([1, 2, 3].map((m) => [cycleTime(k + 1 + 1193 * m, PIT_HZ), 0x30]));
    expect(p.intr.filter((v) => v).length).toBe(4);
  });

  it('RTC periodic interrupt arrives through the slave as vector 0x38 and needs register C read', () => {
    const p = platform();
    p.outb(0x70, 0x0b); p.outb(0x71, 0x42); // PIE
    p.outb(0xa1, 0xfe); // unmask IRQ 8
    p.clock.advanceTo(1_000_000);
    expect(p.pic.acknowledge()).toBe(0x38);
    p.outb(0x70, 0x0c);
    expect(p.inb(0x71)).toBe(0xc0);
    p.outb(0xa0, 0x20); p.outb(0x20, 0x20);
    expect(p.pic.pending()).toBe(false);
    p.clock.advanceTo(2_000_000);
    expect(p.pic.acknowledge()).toBe(0x38);
  });

  it("i8042's AUX IRQ test reaches vector 0x3c; keyboard bytes reach 0x31", () => {
    const p = platform();
    p.outb(0x21, 0xf9); p.outb(0xa1, 0xef); // IRQ 1 and 12
    p.outb(0x64, 0x60); p.outb(0x60, 0x47); // AUX enabled with its interrupt
    p.outb(0x64, 0xd3); p.outb(0x60, 0xa5);
    expect(p.pic.acknowledge()).toBe(0x3c);
    expect(p.inb(0x64) & 0x21).toBe(0x21);
    expect(p.inb(0x60)).toBe(0xa5);
    p.outb(0xa0, 0x20); p.outb(0x20, 0x20);
    p.kbc.injectKeyboard([0x1c]);
    expect(p.pic.acknowledge()).toBe(0x31);
    expect(p.inb(0x60)).toBe(0x1c);
    expect(p.inb(0x80)).toBe(0xff);
  });
});
