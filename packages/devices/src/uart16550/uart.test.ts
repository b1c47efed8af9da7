import { IrqLatch, IrqLine } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { Uart16550 } from './uart.js';

function make() {
  const out: number[] = [];
  const latch = new IrqLatch();
  const uart = new Uart16550({ onOutput: (b) => out.push(b), irq: new IrqLine(latch, 4) });
  return { uart, out, latch };
}

describe('16550 UART', () => {
  it('sends written bytes to the host', () => {
    const { uart, out } = make();
    for (const ch of 'hi\n') uart.ioWrite(0, 1, ch.charCodeAt(0));
    expect(String.fromCharCode(...out)).toBe('hi\n');
    expect(uart.ioRead(5, 1) & 0x60).toBe(0x60);
  });

  it('delivers received bytes through RBR with LSR.DR', () => {
    const { uart } = make();
    expect(uart.ioRead(5, 1) & 1).toBe(0);
    uart.receive([0x41, 0x42]);
    expect(uart.ioRead(5, 1) & 1).toBe(1);
    expect(uart.ioRead(0, 1)).toBe(0x41);
    expect(uart.ioRead(0, 1)).toBe(0x42);
    expect(uart.ioRead(5, 1) & 1).toBe(0);
  });

  it('passes the loopback test Linux uses to detect the chip (MSR high nibble 0x90)', () => {
    const { uart, out } = make();
    uart.ioWrite(4, 1, 0x10 | 0x0a);
    expect(uart.ioRead(6, 1) & 0xf0).toBe(0x90);
    uart.ioWrite(0, 1, 0x55);
    expect(out).toEqual([]);
    expect(uart.ioRead(0, 1)).toBe(0x55);
  });

  it('divisor latch and scratch registers read back', () => {
    const { uart } = make();
    uart.ioWrite(3, 1, 0x83);
    uart.ioWrite(0, 1, 0x01);
    uart.ioWrite(1, 1, 0x02);
    expect(uart.ioRead(0, 1)).toBe(1);
    expect(uart.ioRead(1, 1)).toBe(2);
    uart.ioWrite(3, 1, 0x03);
    uart.ioWrite(7, 1, 0x5a);
    expect(uart.ioRead(7, 1)).toBe(0x5a);
  });

  it('raises its IRQ for received data only when IER.RDA and MCR.OUT2 are set', () => {
    const { uart, latch } = make();
    uart.receive([1]);
    expect(latch.levels[4]).toBe(0);
    uart.ioWrite(1, 1, 1);
    expect(latch.levels[4]).toBe(0);
    uart.ioWrite(4, 1, 0x08);
    expect(latch.levels[4]).toBe(1);
    expect(uart.ioRead(2, 1) & 0x0f).toBe(0x04);
    uart.ioRead(0, 1);
    expect(latch.levels[4]).toBe(0);
    expect(uart.ioRead(2, 1) & 0x0f).toBe(0x01);
  });

  it('THRE interrupt fires when enabled and clears on an IIR read', () => {
    const { uart, latch } = make();
    uart.ioWrite(4, 1, 0x08);
    uart.ioWrite(1, 1, 2);
    expect(latch.levels[4]).toBe(1);
    expect(uart.ioRead(2, 1) & 0x0f).toBe(0x02);
    expect(latch.levels[4]).toBe(0);
  });

  it('reports FIFOs in IIR once FCR enables them', () => {
    const { uart } = make();
    uart.ioWrite(2, 1, 0xe7);
    expect(uart.ioRead(2, 1) & 0xc0).toBe(0xc0);
  });

  it('saved state restores to an identical device', () => {
    const a = make();
    a.uart.ioWrite(3, 1, 0x83); a.uart.ioWrite(0, 1, 3); a.uart.ioWrite(3, 1, 0x1b);
    a.uart.ioWrite(1, 1, 3); a.uart.ioWrite(4, 1, 0x0b); a.uart.receive([7, 8, 9]);
    const saved = JSON.parse(JSON.stringify(a.uart.saveState()));
    const b = make();
    b.uart.loadState(saved);
    expect(b.uart.saveState()).toEqual(a.uart.saveState());
    for (let off = 1; off < 8; off++) expect(b.uart.ioRead(off, 1)).toBe(a.uart.ioRead(off, 1));
    expect(b.latch.levels[4]).toBe(a.latch.levels[4]);
    expect(() => b.uart.loadState({ ier: 1 })).toThrow(/lcr/);
  });
});
