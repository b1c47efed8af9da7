import { IrqLine, VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { Rtc146818, type RtcOptions } from './rtc.js';

function make(opts: Partial<RtcOptions> = {}, start = 0) {
  const clock = new VirtualClock();
  clock.advanceTo(start);
  const edges: { t: number; level: boolean }[] = [];
  const irq = new IrqLine({ setIrqLevel: (_l, level) => edges.push({ t: clock.now, level }) }, 8);
  const rtc = new Rtc146818({ clock, irq, ...opts });
  const read = (i: number) => { rtc.ioWrite(0, 1, i); return rtc.ioRead(1, 1); };
  const write = (i: number, v: number) => { rtc.ioWrite(0, 1, i); rtc.ioWrite(1, 1, v); };
  const rises = () => edges.filter((e) => e.level).map((e) => e.t);
  const at = (t: number) => clock.advanceTo(t);
  /** sec, min, hour, weekday, day, month, year, century */
  const time = () => [0, 2, 4, 6, 7, 8, 9, 0x32].map(read);
  return { clock, rtc, irq, edges, read, write, rises, at, time };
}

const S = 1e9;

describe('MC146818 RTC', () => {
  it('starts at 2024-01-01T00:00:00Z in BCD, 24-hour, and advances with virtual time', () => {
    const r = make();
    expect(r.time()).toEqual([0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x24, 0x20]); // a Monday
    expect([r.read(0x0a), r.read(0x0b), r.read(0x0d)]).toEqual([0x26, 0x02, 0x80]);
    r.at(S - 1);
    expect(r.read(0)).toBe(0x00);
    r.at(S);
    expect(r.read(0)).toBe(0x01);
    r.at(3661.5 * S);
    expect(r.time().slice(0, 3)).toEqual([0x01, 0x01, 0x01]);
    const y = make({ start: '2023-12-31T23:59:59Z' });
    expect(y.time()).toEqual([0x59, 0x59, 0x23, 0x01, 0x31, 0x12, 0x23, 0x20]);
    y.at(S);
    expect(y.time()).toEqual([0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x24, 0x20]);
    expect(make({ start: 951_782_400 }).time().slice(4)).toEqual([0x29, 0x02, 0x00, 0x20]); // 2000-02-29
  });

  it('UIP is high for the 2228 us before each update', () => {
    const r = make();
    // The chain runs from power-on as if released half a second before: updates on whole seconds.
    const u = 11 * S;
    r.at(10 * S + 123);
    r.at(u - 2_228_001);
    expect(r.read(0x0a)).toBe(0x26);
    r.at(u - 2_228_000);
    expect(r.read(0x0a)).toBe(0xa6);
    expect(r.read(0)).toBe(0x10);
    r.at(u - 1);
    expect(r.read(0x0a)).toBe(0xa6);
    r.at(u);
    expect(r.read(0x0a)).toBe(0x26);
    expect(r.read(0)).toBe(0x11);
  });

  it('binary and 12-hour formats', () => {
    const r = make({ start: '2024-07-04T13:05:09Z' });
    expect(r.read(4)).toBe(0x13);
    r.write(0x0b, 0x04); // binary, 12-hour
    expect([r.read(0), r.read(2), r.read(4), r.read(9)]).toEqual([9, 5, 0x81, 24]);
    r.write(0x0b, 0x00); // BCD, 12-hour
    expect(r.read(4)).toBe(0x81);
    r.write(4, 0x12); // 12 AM
    expect(r.read(4)).toBe(0x12);
    r.write(0x0b, 0x02);
    expect(r.read(4)).toBe(0x00);
    r.write(0x0b, 0x06);
    r.write(4, 23);
    expect(r.read(4)).toBe(23);
  });

  it('sets the time as Linux does: SET and divider reset, then the first update 0.5 s after release', () => {
    const r = make({}, 5 * S + 250_000_000);
    r.write(0x0b, r.read(0x0b) | 0x80);
    r.write(0x0a, r.read(0x0a) | 0x70);
    expect(r.read(0x0a) & 0x80).toBe(0);
    r.write(0, 0x30); r.write(2, 0x45); r.write(4, 0x22); r.write(7, 0x15); r.write(8, 0x08); r.write(9, 0x25);
    r.at(9 * S); // stopped: no updates while SET and reset
    // The weekday register is not part of the date: it stays Monday until written.
    expect(r.time()).toEqual([0x30, 0x45, 0x22, 0x02, 0x15, 0x08, 0x25, 0x20]);
    r.write(0x0b, 0x02);
    r.write(0x0a, 0x26);
    r.at(9.5 * S - 1);
    expect(r.read(0)).toBe(0x30);
    r.at(9.5 * S);
    expect(r.read(0)).toBe(0x31);
    r.write(6, 0x05); // Thursday
    r.at(9.5 * S + 86_400 * S);
    expect([r.read(6), r.read(7)]).toEqual([0x06, 0x16]);
    expect(r.rtc.unixTime).toBe(Date.UTC(2025, 7, 16, 22, 45, 31) / 1000);
  });

  it('periodic interrupt: flag always, IRQ 8 with PIE, exact 1024 Hz edges, C read-to-clear', () => {
    const r = make();
    r.at(2_000_000);
    expect(r.read(0x0c)).toBe(0x40); // PF without PIE: no IRQF
    expect(r.read(0x0c)).toBe(0x00);
    r.write(0x0b, 0x42);
    // 32 cycles of 32.768 kHz; the chain left reset at -0.5 s.
    const edge = (m: number) => -5e8 + Math.ceil(((16384 + 32 * m) * 1e9) / 32768);
    expect(r.rises()).toEqual([]);
    r.at(edge(3));
    expect(r.rises()).toEqual([edge(3)]);
    r.at(edge(3) + 10_000);
    expect(r.read(0x0c)).toBe(0xc0);
    expect(r.irq.high).toBe(false);
    r.at(edge(6));
    expect(r.rises()).toEqual([edge(3), edge(4)]); // the line stays up until C is read
    r.write(0x0a, 0x2f); // 2 Hz
    r.read(0x0c);
    r.at(S);
    expect(r.rises()).toEqual([edge(3), edge(4), 5e8]);
    expect(r.read(0x0c)).toBe(0xd0); // and UF from the update at 1 s, which has no enable
    r.at(1.5 * S);
    expect(r.rises()).toEqual([edge(3), edge(4), 5e8, 1.5 * S]); // the 1 s flag was read at 1 s
  });

  it('update-ended and alarm interrupts', () => {
    const r = make();
    r.write(0x0a, 0x20); // no periodic rate, so PF stays out of register C
    r.write(0x0b, 0x12); // UIE
    r.at(S);
    expect(r.rises()).toEqual([S]);
    expect(r.read(0x0c)).toBe(0x90);
    r.write(0x0b, 0x92); // SET clears UIE
    expect(r.read(0x0b)).toBe(0x82);
    r.write(0x0b, 0x02);
    r.write(1, 0x05); r.write(3, 0x00); r.write(5, 0x00); // alarm 00:00:05
    r.write(0x0b, 0x22);
    r.at(4 * S);
    expect(r.rises()).toEqual([S]);
    expect(r.read(0x0c)).toBe(0x10);
    r.at(5 * S);
    expect(r.rises()).toEqual([S, 5 * S]);
    expect(r.read(0x0c)).toBe(0xb0);
    r.write(1, 0xc0); r.write(3, 0xff); r.write(5, 0xc0); // every second
    r.at(6 * S);
    expect(r.read(0x0c)).toBe(0xb0);
    r.write(1, 0x30); r.write(3, 0x59); r.write(5, 0x23); // 23:59:30, almost a day away
    expect(r.rtc.saveState()).toMatchObject({ flags: 0 });
    r.at(86_370 * S - 1);
    expect(r.read(0x0c)).toBe(0x10);
    r.at(86_370 * S);
    expect(r.rises().at(-1)).toBe(86_370 * S);
    r.write(0x0c, 0xff); r.write(0x0d, 0x00); // read-only
    expect([r.read(0x0c), r.read(0x0d)]).toEqual([0xb0, 0x80]);
  });

  it('index register: NMI mask bit, 7-bit index, plain CMOS RAM, index port reads 0xff', () => {
    const r = make();
    r.rtc.ioWrite(0, 1, 0xc0);
    expect(r.rtc.nmiDisabled).toBe(true);
    r.rtc.ioWrite(1, 1, 0x5a);
    r.rtc.ioWrite(0, 1, 0x40);
    expect(r.rtc.nmiDisabled).toBe(false);
    expect(r.rtc.ioRead(1, 1)).toBe(0x5a);
    expect(r.rtc.ioRead(0, 1)).toBe(0xff);
    r.rtc.ioWrite(0, 2, 0x7f41); // index 0x41, then data 0x7f
    expect(r.read(0x41)).toBe(0x7f);
  });

  it('fills the firmware memory fields and checksum', () => {
    const sum = (r: ReturnType<typeof make>) => { let s = 0; for (let i = 0x10; i <= 0x2d; i++) s += r.read(i); return s; };
    const a = make({ memory: 256 * 2 ** 20 });
    expect([0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5b, 0x5c, 0x5d].map(a.read))
      .toEqual([0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0f, 0, 0, 0]);
    expect((a.read(0x2e) << 8) | a.read(0x2f)).toBe(sum(a));
    const b = make({ memory: { below4g: 3 * 2 ** 30, above4g: 2 * 2 ** 30 } });
    expect([0x34, 0x35, 0x5b, 0x5c, 0x5d].map(b.read)).toEqual([0x00, 0xbf, 0x00, 0x80, 0x00]);
    const c = make({ memory: 8 * 2 ** 30 });
    expect([0x34, 0x35, 0x5b, 0x5c, 0x5d].map(c.read)).toEqual([0x00, 0xdf, 0x00, 0x20, 0x01]);
    const d = make({ memory: 16 * 2 ** 20 - 2 ** 20 + 512 * 1024 });
    expect([0x17, 0x18, 0x34, 0x35].map(d.read)).toEqual([0x00, 0x3a, 0, 0]); // 14.5 MiB extended
    expect(() => make({ start: 'not a date' })).toThrow(/not a date/);
  });

  it('saved state restores to an identical clock, on a clock at the same time or a later one', () => {
    const a = make({ start: '2024-02-28T23:59:58Z', memory: 64 * 2 ** 20 });
    a.write(0x0b, 0x06); // binary, 24-hour
    a.write(6, 4); a.write(0x50, 0x99); a.write(1, 0x03); a.write(3, 0xc0); a.write(5, 0xc0);
    a.write(0x0a, 0x2d); // 8 Hz periodic
    a.at(1.3 * S);
    a.write(0x0b, 0x66); // PIE and AIE, with PF and UF already pending
    a.rtc.ioWrite(0, 1, 0x8f); // NMI masked, index 0x0f
    const savedAt = a.clock.now;
    const saved = JSON.parse(JSON.stringify(a.rtc.saveState()));
    for (const offset of [0, 7 * S]) {
      const b = make({ start: 0 }, savedAt + offset);
      const ref = offset ? make({ start: 0 }, savedAt) : a;
      if (offset) ref.rtc.loadState(saved);
      b.rtc.loadState(saved);
      expect(b.rtc.nmiDisabled).toBe(true);
      expect(b.rtc.ioRead(1, 1)).toBe(ref.rtc.ioRead(1, 1));
      for (let i = 0; i < 128; i++) if (i !== 0x0c) expect([i, b.read(i)]).toEqual([i, ref.read(i)]);
      expect(b.irq.high).toBe(ref.irq.high);
      expect(b.read(0x0c)).toBe(ref.read(0x0c));
      const t0 = [ref.clock.now, b.clock.now];
      ref.at(t0[0] + 3.2 * S); b.at(t0[1] + 3.2 * S);
      const rel = (r: typeof a, t: number) => r.rises().filter((x) => x > t).map((x) => x - t);
      expect(rel(b, t0[1])).toEqual(rel(ref, t0[0]));
      expect(rel(b, t0[1]).length).toBe(1);
      for (const r of [ref, b]) r.read(0x0c);
      ref.at(t0[0] + 4.2 * S); b.at(t0[1] + 4.2 * S);
      expect(b.time()).toEqual(ref.time());
      expect(rel(b, t0[1])).toEqual(rel(ref, t0[0]));
    }
    expect(() => a.rtc.loadState({ ...saved, ram: [1, 2] })).toThrow(/ram/);
    expect(() => a.rtc.loadState({ ...saved, flags: 0x80 })).toThrow(/flags/);
  });
});
