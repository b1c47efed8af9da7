// Test fixture: a PIT and port 0x61 on their own clock, with IRQ 0 transitions recorded.
import { IrqLine, VirtualClock } from '@serval/machine';
import { cycleTime, cyclesAt } from '../timebase.js';
import { PIT_HZ, Pit8254 } from './pit.js';
import { SystemControlPort } from './port61.js';

/** Virtual time of PIT input pulse n. */
export const T = (n: number) => cycleTime(n, PIT_HZ);

export function makePit(start = 0) {
  const clock = new VirtualClock();
  clock.advanceTo(start);
  const edges: { t: number; level: boolean }[] = [];
  const irq = new IrqLine({ setIrqLevel: (_line, level) => edges.push({ t: clock.now, level }) }, 0);
  const pit = new Pit8254({ clock, irq });
  const p61 = new SystemControlPort(pit);
  const outb = (port: number, v: number) => (port === 0x61 ? p61.ioWrite(0, 1, v) : pit.ioWrite(port - 0x40, 1, v));
  const inb = (port: number) => (port === 0x61 ? p61.ioRead(0, 1) : pit.ioRead(port - 0x40, 1));
  /** Times at which IRQ 0 went high. */
  const rises = () => edges.filter((e) => e.level).map((e) => e.t);
  /** The current input pulse number. */
  const tick = () => cyclesAt(clock.now, PIT_HZ);
  /** Moves the clock to the moment of pulse n. */
  const toTick = (n: number) => clock.advanceTo(T(n));
  /** Latches a channel and reads its 16-bit count (lo/hi access mode). */
  const latched = (ch: number) => { outb(0x43, ch << 6); return inb(0x40 + ch) | (inb(0x40 + ch) << 8); };
  return { clock, pit, p61, irq, edges, outb, inb, rises, tick, toTick, latched };
}
