import { describe, expect, it } from 'vitest';
import { Pic8259 } from './pic.js';

/** A PIC wired to a flat port map, so tests use real port numbers. */
function make() {
  const changes: boolean[] = [];
  const pic = new Pic8259({ onChange: (v) => changes.push(v) });
  const ranges = pic.portRanges();
  const find = (port: number) => {
    const r = ranges.find((x) => port >= x.base && port < x.base + x.length);
    if (!r) throw new Error(`no device at ${port}`);
    return r;
  };
  const outb = (port: number, v: number) => find(port).device.ioWrite(port - find(port).base, 1, v);
  const inb = (port: number) => find(port).device.ioRead(port - find(port).base, 1);
  return { pic, changes, outb, inb, ranges };
}

/** The sequence Linux's init_8259A() writes (vectors 0x30/0x38, cascade on IR2). */
function linuxInit(outb: (p: number, v: number) => void, icw4 = 0x01) {
  outb(0x21, 0xff); outb(0xa1, 0xff);
  outb(0x20, 0x11); outb(0x21, 0x30); outb(0x21, 0x04); outb(0x21, icw4);
  outb(0xa0, 0x11); outb(0xa1, 0x38); outb(0xa1, 0x02); outb(0xa1, 0x01);
  outb(0x21, 0x00); outb(0xa1, 0x00);
}

const isr = (t: ReturnType<typeof make>, cmd: number) => { t.outb(cmd, 0x0b); return t.inb(cmd); };
const irr = (t: ReturnType<typeof make>, cmd: number) => { t.outb(cmd, 0x0a); return t.inb(cmd); };

describe('8259A PIC pair', () => {
  it('initializes like Linux: IMR reads back, ICW1 clears the mask, vectors come from ICW2', () => {
    const t = make();
    t.outb(0x21, 0xa5);
    expect(t.inb(0x21)).toBe(0xa5);
    t.outb(0x20, 0x11);
    expect(t.inb(0x21)).toBe(0x00); // ICW1 clears IMR
    t.outb(0x21, 0x30); t.outb(0x21, 0x04); t.outb(0x21, 0x01);
    t.outb(0x21, 0xfb); // Linux's probe value: everything but the cascade masked
    expect(t.inb(0x21)).toBe(0xfb);
    linuxInit(t.outb);
    t.pic.setIrqLevel(0, true);
    expect(t.pic.pending()).toBe(true);
    expect(t.changes).toEqual([true]);
    expect(t.pic.acknowledge()).toBe(0x30);
    expect(t.changes).toEqual([true, false]);
    expect(isr(t, 0x20)).toBe(0x01);
    expect(irr(t, 0x20)).toBe(0x00);
    t.outb(0x20, 0x60); // specific EOI for IR0, as mask_and_ack_8259A sends
    expect(isr(t, 0x20)).toBe(0x00);
  });

  it('resolves priority and nests higher requests over lower ones in service', () => {
    const t = make();
    linuxInit(t.outb);
    t.pic.setIrqLevel(3, true); t.pic.setIrqLevel(1, true);
    expect(irr(t, 0x20)).toBe(0x0a);
    expect(t.pic.acknowledge()).toBe(0x31);
    expect(t.pic.pending()).toBe(false); // IR3 is below IR1, which is in service
    t.pic.setIrqLevel(0, true);
    expect(t.pic.pending()).toBe(true);
    expect(t.pic.acknowledge()).toBe(0x30);
    expect(isr(t, 0x20)).toBe(0x03);
    t.outb(0x20, 0x20); // non-specific EOI clears the highest in service: IR0
    expect(isr(t, 0x20)).toBe(0x02);
    expect(t.pic.pending()).toBe(false);
    t.outb(0x20, 0x20);
    expect(t.pic.pending()).toBe(true);
    expect(t.pic.acknowledge()).toBe(0x33);
  });

  it('routes slave requests through the cascade and needs EOIs on both chips', () => {
    const t = make();
    linuxInit(t.outb);
    t.pic.setIrqLevel(10, true);
    expect(irr(t, 0xa0)).toBe(0x04);
    expect(irr(t, 0x20)).toBe(0x04);
    expect(t.pic.acknowledge()).toBe(0x3a);
    expect(isr(t, 0xa0)).toBe(0x04);
    expect(isr(t, 0x20)).toBe(0x04);
    t.pic.setIrqLevel(11, true);
    expect(t.pic.pending()).toBe(false);
    t.outb(0xa0, 0x62); // EOI IR2 on the slave (IRQ 10)
    expect(t.pic.pending()).toBe(false); // the master still has IR2 in service
    t.outb(0x20, 0x62);
    expect(t.pic.pending()).toBe(true);
    t.outb(0xa1, 0x08); // mask IRQ 11 at the slave
    expect(t.pic.pending()).toBe(false);
    t.outb(0xa1, 0x00); t.outb(0x21, 0x04); // or the whole slave at the master
    expect(t.pic.pending()).toBe(false);
    t.outb(0x21, 0x00);
    expect(t.pic.acknowledge()).toBe(0x3b);
  });

  it('answers an INTA with nothing to deliver with IR7 and no ISR bit (spurious IRQ 7)', () => {
    const t = make();
    linuxInit(t.outb);
    t.outb(0x4d0, 0x20); // IRQ 5 level-triggered
    t.pic.setIrqLevel(5, true);
    expect(t.pic.pending()).toBe(true);
    t.pic.setIrqLevel(5, false);
    expect(t.pic.pending()).toBe(false);
    expect(t.pic.acknowledge()).toBe(0x37);
    expect(isr(t, 0x20)).toBe(0x00);
  });

  it('latches edges until INTA; level requests persist while the line is high', () => {
    const t = make();
    linuxInit(t.outb);
    t.pic.setIrqLevel(4, true); t.pic.setIrqLevel(4, false); // IrqLine.pulse()
    expect(t.pic.acknowledge()).toBe(0x34);
    t.outb(0x20, 0x20);
    t.pic.setIrqLevel(4, true); // no new edge while the line stays high
    t.pic.setIrqLevel(4, true);
    expect(t.pic.acknowledge()).toBe(0x34);
    t.outb(0x20, 0x20);
    expect(t.pic.pending()).toBe(false);
    t.outb(0x4d0, 0xff); t.outb(0x4d1, 0xff);
    expect(t.inb(0x4d0)).toBe(0xf8); // IRQ 0-2 are always edge
    expect(t.inb(0x4d1)).toBe(0xde); // and so are 8 and 13
    expect(t.pic.pending()).toBe(true); // IRQ 4 is high and now level-triggered
    expect(t.pic.acknowledge()).toBe(0x34);
    t.outb(0x20, 0x64);
    expect(t.pic.acknowledge()).toBe(0x34); // still high after EOI: delivered again
  });

  it('auto-EOI leaves nothing in service; rotate-in-AEOI makes the acknowledged IR lowest', () => {
    const t = make();
    linuxInit(t.outb, 0x03);
    t.pic.setIrqLevel(0, true); t.pic.setIrqLevel(1, true);
    expect(t.pic.acknowledge()).toBe(0x30);
    expect(isr(t, 0x20)).toBe(0x00);
    t.pic.setIrqLevel(0, false); t.pic.setIrqLevel(0, true);
    expect(t.pic.acknowledge()).toBe(0x30); // IR0 still outranks IR1 without rotation
    t.outb(0x20, 0x80); // set rotate in AEOI
    t.pic.setIrqLevel(0, false); t.pic.setIrqLevel(0, true);
    expect(t.pic.acknowledge()).toBe(0x30);
    expect(t.pic.acknowledge()).toBe(0x31); // IR0 became lowest, so IR1 wins now
  });

  it('rotates priority on EOI and on the set-priority command', () => {
    const t = make();
    linuxInit(t.outb);
    t.outb(0x20, 0xc3); // IR3 lowest: order 4 5 6 7 0 1 2 3
    t.pic.setIrqLevel(1, true); t.pic.setIrqLevel(5, true);
    expect(t.pic.acknowledge()).toBe(0x35);
    t.outb(0x20, 0xa0); // rotate on non-specific EOI: IR5 becomes lowest
    expect(isr(t, 0x20)).toBe(0x00);
    t.pic.setIrqLevel(5, false); t.pic.setIrqLevel(5, true);
    t.pic.setIrqLevel(7, true);
    expect(t.pic.acknowledge()).toBe(0x37); // order 6 7 0 1 ...: IR7 first
    t.outb(0x20, 0xe7); // rotate on specific EOI of IR7: order 0 1 ... 7
    expect(t.pic.acknowledge()).toBe(0x31);
  });

  it('poll command reads the highest request and acknowledges it', () => {
    const t = make();
    linuxInit(t.outb);
    t.outb(0x20, 0x0c);
    expect(t.inb(0x20)).toBe(0x00); // nothing requested
    t.pic.setIrqLevel(6, true);
    t.outb(0x20, 0x0c);
    expect(t.inb(0x20)).toBe(0x86);
    expect(isr(t, 0x20)).toBe(0x40);
    expect(irr(t, 0x20)).toBe(0x00);
    t.outb(0x21, 0x5a);
    expect(t.inb(0x21)).toBe(0x5a); // the odd port is unaffected by OCW3
  });

  it('special mask mode lets lower levels through a masked level in service', () => {
    const t = make();
    linuxInit(t.outb);
    t.pic.setIrqLevel(3, true);
    expect(t.pic.acknowledge()).toBe(0x33);
    t.pic.setIrqLevel(5, true);
    t.outb(0x21, 0x08);
    expect(t.pic.pending()).toBe(false);
    t.outb(0x20, 0x68); // set special mask mode
    expect(t.pic.pending()).toBe(true);
    t.outb(0x20, 0x48); // reset it
    expect(t.pic.pending()).toBe(false);
  });

  it('special fully nested mode lets a higher slave request past the slave in service', () => {
    for (const [icw4, expected] of [[0x01, false], [0x11, true]] as const) {
      const t = make();
      linuxInit(t.outb, icw4);
      t.pic.setIrqLevel(12, true);
      expect(t.pic.acknowledge()).toBe(0x3c);
      t.pic.setIrqLevel(9, true);
      expect(t.pic.pending()).toBe(expected);
      if (expected) expect(t.pic.acknowledge()).toBe(0x39);
      t.pic.setIrqLevel(3, true);
      expect(t.pic.pending()).toBe(false); // the master's IR2 in service still holds off IR3
    }
  });

  it('splits wide accesses into bytes and rejects lines outside 0-15', () => {
    const t = make();
    const master = t.ranges[0].device;
    master.ioWrite(0, 2, 0xff11); // ICW1 then ICW2 = 0xff
    master.ioWrite(1, 1, 0x04); master.ioWrite(1, 1, 0x01);
    master.ioWrite(1, 1, 0x12);
    expect(master.ioRead(0, 2)).toBe(0x1200);
    t.pic.setIrqLevel(1, true);
    expect(t.pic.pending()).toBe(false); // IMR 0x12 masks IR1
    t.pic.setIrqLevel(0, true);
    expect(t.pic.acknowledge()).toBe(0xf8);
    expect(() => t.pic.setIrqLevel(16, true)).toThrow(/line 16/);
  });

  it('saved state restores to an identical pair', () => {
    const a = make();
    linuxInit(a.outb, 0x11);
    a.outb(0x4d1, 0x02); // IRQ 9 level
    a.pic.setIrqLevel(9, true); a.pic.setIrqLevel(4, true); a.pic.setIrqLevel(6, true);
    expect(a.pic.acknowledge()).toBe(0x39);
    a.outb(0x21, 0x10); a.outb(0x20, 0xc5); a.outb(0x20, 0x0b); a.outb(0xa0, 0x68);
    a.pic.setIrqLevel(14, true);
    const saved = JSON.parse(JSON.stringify(a.pic.saveState()));
    const b = make();
    b.pic.loadState(saved);
    expect(b.changes).toEqual(a.pic.pending() ? [true] : []);
    for (const port of [0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1]) expect(b.inb(port)).toBe(a.inb(port));
    for (const t of [a, b]) { t.outb(0x20, 0x0a); t.outb(0xa0, 0x0a); }
    for (const port of [0x20, 0xa0]) expect(b.inb(port)).toBe(a.inb(port));
    const run = (t: ReturnType<typeof make>) => {
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        out.push(t.pic.pending() ? t.pic.acknowledge() : -1);
        t.outb(0xa0, 0x20); t.outb(0x20, 0x20);
        t.pic.setIrqLevel(9, false);
      }
      return out;
    };
    expect(run(b)).toEqual(run(a));
    expect(() => b.pic.loadState({ master: a.pic.saveState() })).toThrow(/master|slave/);
    expect(() => b.pic.loadState({ master: { irr: 1 }, slave: {} })).toThrow(/isr/);
  });
});
