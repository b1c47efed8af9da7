import { IrqLatch, IrqLine } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { I8042, type I8042Options } from './i8042.js';

function make(opts: I8042Options = {}) {
  const latch = new IrqLatch();
  const log: string[] = [];
  const kbc = new I8042({
    irqKbd: new IrqLine(latch, 1), irqAux: new IrqLine(latch, 12),
    onReset: () => log.push('reset'), onA20: (on) => log.push(`a20 ${on}`), ...opts,
  });
  const status = () => kbc.commandPort.ioRead(0, 1);
  const cmd = (c: number, data?: number) => { kbc.commandPort.ioWrite(0, 1, c); if (data !== undefined) kbc.dataPort.ioWrite(0, 1, data); };
  const write = (v: number) => kbc.dataPort.ioWrite(0, 1, v);
  const read = () => kbc.dataPort.ioRead(0, 1);
  /** Reads the output buffer dry, as Linux's i8042_flush does. */
  const drain = () => { const out: number[] = []; while (status() & 1) out.push(read()); return out; };
  return { kbc, latch, log, status, cmd, write, read, drain };
}

describe('i8042 keyboard controller', () => {
  it('status, self-test and the command byte', () => {
    const k = make();
    expect(k.status()).toBe(0x14); // system flag, not inhibited, buffers empty
    k.cmd(0xaa);
    expect(k.status()).toBe(0x1d);
    expect(k.read()).toBe(0x55);
    expect(k.status()).toBe(0x1c);
    expect(k.read()).toBe(0x55); // an empty buffer reads its stale contents
    k.cmd(0x20);
    expect(k.latch.levels[1]).toBe(1); // KBDINT is on: the reply interrupts
    expect(k.read()).toBe(0x65);
    expect(k.latch.levels[1]).toBe(0);
    k.cmd(0x60, 0x74);
    expect(k.status() & 0x08).toBe(0);
    k.cmd(0x20);
    expect(k.latch.levels[1]).toBe(0);
    expect(k.drain()).toEqual([0x74]);
    k.cmd(0x7f, 0x99); k.cmd(0x3f);
    expect(k.drain()).toEqual([0x99]); // internal RAM
    k.cmd(0xab); k.cmd(0xa9); k.cmd(0xe0); k.cmd(0xc0); k.cmd(0xa4);
    expect(k.drain()).toEqual([0x00, 0x00, 0x00, 0x80, 0xf1]);
  });

  it("completes Linux's probe: CTR, AUX loopback, AUX toggle, IRQ 12 test, no MUX", () => {
    const k = make();
    expect(k.drain()).toEqual([]);
    k.cmd(0xaa); expect(k.drain()).toEqual([0x55]);
    k.cmd(0x20); const ctr = k.drain()[0];
    k.cmd(0x20); expect(k.drain()).toEqual([ctr]);
    k.cmd(0x60, (ctr | 0x10) & ~0x01);
    k.cmd(0xd3, 0x5a);
    expect(k.status() & 0x21).toBe(0x21); // AUX data in the buffer
    expect(k.latch.levels[12]).toBe(0); // AUXINT still off
    expect(k.read()).toBe(0x5a);
    k.cmd(0xa7); k.cmd(0x20);
    expect(k.drain()[0] & 0x20).toBe(0x20);
    k.cmd(0xa8); k.cmd(0x20);
    const c2 = k.drain()[0];
    expect(c2 & 0x20).toBe(0);
    k.cmd(0x60, (c2 & ~0x20) | 0x02);
    k.cmd(0xd3, 0xa5);
    expect(k.latch.levels[12]).toBe(1);
    expect(k.latch.levels[1]).toBe(0);
    expect(k.status() & 0x20).toBe(0x20);
    expect(k.read()).toBe(0xa5);
    expect(k.latch.levels[12]).toBe(0);
    const loop = (v: number) => { k.cmd(0xd3, v); return k.drain()[0]; };
    expect([loop(0xf0), loop(0x56), loop(0xa4)]).toEqual([0xf0, 0x56, 0xa4]); // echoes: not a MUX
  });

  it('keyboard: reset, identify (translated or not), LEDs, unknown commands', () => {
    const k = make();
    k.write(0xff);
    expect(k.drain()).toEqual([0xfa, 0xaa]);
    k.write(0xf2);
    expect(k.drain()).toEqual([0xfa, 0xab, 0x41]);
    k.cmd(0x60, 0x05); // translation off
    k.write(0xf2);
    expect(k.drain()).toEqual([0xfa, 0xab, 0x83]);
    k.write(0xed); k.write(0x07);
    k.write(0xf0); k.write(0x00);
    k.write(0xf3); k.write(0xf4); // a command where a parameter was due runs as a command
    k.write(0x01); k.write(0xee);
    expect(k.drain()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0x02, 0xfa, 0xfa, 0xfe, 0xee]);
  });

  it('a disabled keyboard holds its bytes; writing to it re-enables the interface', () => {
    const k = make();
    k.cmd(0xad);
    k.kbc.injectKeyboard([0x1e, 0x9e]);
    expect(k.status() & 1).toBe(0);
    k.cmd(0xae);
    expect(k.latch.levels[1]).toBe(1);
    expect(k.read()).toBe(0x1e);
    expect(k.latch.levels[1]).toBe(1); // the next byte arrives as a fresh edge
    expect(k.read()).toBe(0x9e);
    expect(k.latch.levels[1]).toBe(0);
    k.cmd(0xad);
    k.write(0xf4);
    k.cmd(0x20);
    expect(k.drain()).toEqual([0xfa, 0x65]); // the ACK reached the buffer before the command; KBDDIS is clear again
    k.write(0xf5); k.drain();
    k.kbc.injectKeyboard([0x1e]);
    expect(k.drain()).toEqual([]); // not scanning
  });

  it('absent keyboard and mouse answer with timeouts', () => {
    const k = make({ keyboard: false });
    k.write(0xff);
    expect(k.status() & 0x61).toBe(0x41);
    expect(k.read()).toBe(0xfe);
    k.cmd(0xd4, 0xff);
    expect(k.status() & 0x61).toBe(0x61);
    expect(k.read()).toBe(0xfe);
    expect(k.status() & 0x61).toBe(0);
    k.cmd(0xaa);
    expect(k.drain()).toEqual([0x55]); // the controller itself is fine
  });

  it('reset line and A20 through the output port', () => {
    const k = make();
    k.cmd(0xff);
    expect(k.log).toEqual([]);
    k.cmd(0xfe);
    expect(k.log).toEqual(['reset']);
    k.cmd(0xd0);
    expect(k.drain()).toEqual([0x03]);
    k.cmd(0xd1, 0x01);
    expect(k.kbc.a20).toBe(false);
    k.cmd(0x20);
    k.cmd(0xd0); // read with a byte still in the buffer: bit 4 shows it
    expect(k.drain()).toEqual([0x65, 0x11]);
    k.cmd(0xdf); k.cmd(0xdd); k.cmd(0xd1, 0x02);
    expect(k.log).toEqual(['reset', 'a20 false', 'a20 true', 'a20 false', 'a20 true', 'reset']);
    expect(k.kbc.a20).toBe(true);
  });

  it('saved state restores to an identical controller', () => {
    const a = make();
    a.cmd(0x60, 0x47); a.cmd(0xd1, 0x01);
    a.write(0xed); // keyboard waits for the LED byte
    a.kbc.injectKeyboard([0x10, 0x90]);
    a.cmd(0xd3, 0x33); a.cmd(0x20);
    a.cmd(0xd4); // waiting for the byte for the mouse
    const saved = JSON.parse(JSON.stringify(a.kbc.saveState()));
    const b = make();
    b.kbc.loadState(saved);
    expect(b.status()).toBe(a.status());
    expect(b.kbc.a20).toBe(false);
    expect([...b.latch.levels.slice(0, 16)]).toEqual([...a.latch.levels.slice(0, 16)]);
    for (const k of [a, b]) { k.write(0x00); k.write(0x02); }
    const seq = (k: typeof a) => { const out: number[][] = []; while (k.status() & 1) out.push([k.status(), k.read(), k.latch.levels[1], k.latch.levels[12]]); return out; };
    const sa = seq(a);
    expect(seq(b)).toEqual(sa);
    expect(sa.map((x) => x[1])).toEqual([0xfa, 0x33, 0x47, 0xfe, 0x10, 0x90, 0xfa]);
    expect(() => b.kbc.loadState({ ...saved, ram: [1] })).toThrow(/ram/);
    expect(() => make({ keyboard: false }).kbc.loadState(saved)).toThrow(/keyboard/);
  });
});
