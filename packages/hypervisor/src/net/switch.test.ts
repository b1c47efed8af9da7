import { VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { type FrameLink, NetSwitch } from './switch.js';

const mac = (n: number) => [0x52, 0x54, 0, 0, 0, n];
const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const frame = (dst: number[], src: number[], payload = [1, 2, 3]) => Uint8Array.from([...dst, ...src, 0x08, 0x00, ...payload]);

function rig(n: number) {
  const clock = new VirtualClock();
  const sw = new NetSwitch(clock, { latencyNs: 1000 });
  const got: { port: number; at: number; frame: number[] }[] = [];
  const ports = Array.from({ length: n }, (_, i) => {
    const p = sw.port(`vm${i}.net0`);
    p.onReceive((f) => got.push({ port: i, at: clock.now, frame: [...f] }));
    return p;
  });
  return { clock, sw, got, ports };
}

describe('host network switch', () => {
  it('floods unknown and broadcast destinations, then forwards to the learned port only', () => {
    const { clock, sw, got, ports } = rig(3);
    ports[0].send(frame(BCAST, mac(1)));
    expect(got).toEqual([]);
    clock.advanceTo(999);
    expect(got).toEqual([]);
    clock.advanceTo(1000);
    expect(got.map((g) => [g.port, g.at])).toEqual([[1, 1000], [2, 1000]]);
    expect(sw.lookup(0x525400000001)).toBe('vm0.net0');
    got.length = 0;
    // vm2 answers vm1's MAC: vm0 learned, so only vm0 gets it.
    ports[2].send(frame(mac(1), mac(3), [9]));
    clock.advanceTo(5000);
    expect(got).toEqual([{ port: 0, at: 2000, frame: [...frame(mac(1), mac(3), [9])] }]);
    expect(sw.stats).toEqual({ forwarded: 1, flooded: 1, dropped: 0 });
  });

  it('keeps order, copies what was sent, drops runts and frames for the sender\'s own segment', () => {
    const { clock, sw, got, ports } = rig(2);
    const f = frame(BCAST, mac(1), [7]);
    ports[0].send(f);
    f[14] = 8;
    ports[0].send(frame(BCAST, mac(1), [8]));
    ports[0].send(new Uint8Array(10));
    ports[1].send(frame(mac(1), mac(2)));
    ports[0].send(frame(mac(1), mac(1)));
    clock.advanceTo(10_000);
    expect(got.map((g) => [g.port, g.frame[14]])).toEqual([[1, 7], [1, 8], [0, 1]]);
    expect(sw.stats.dropped).toBe(2);
  });

  it('a closed port leaves the table and gets nothing; a name is taken once', () => {
    const { clock, sw, got, ports } = rig(2);
    ports[1].send(frame(BCAST, mac(2)));
    clock.advanceTo(2000);
    got.length = 0;
    ports[0].send(frame(mac(2), mac(1)));
    ports[1].close();
    expect(sw.lookup(0x525400000002)).toBeUndefined();
    clock.advanceTo(4000);
    expect(got).toEqual([]);
    expect(sw.portNames).toEqual(['vm0.net0']);
    expect(() => sw.port('vm0.net0')).toThrow(/already plugged in/);
  });

  it('an uplink sends at once and its frames enter at the next poll', () => {
    const { clock, sw, got, ports } = rig(1);
    const out: number[][] = [];
    const inbox: Uint8Array[] = [];
    const link: FrameLink = { name: 'udp', send: (f) => out.push([...f]), poll: () => inbox.splice(0), close: () => {} };
    sw.connect(link);
    ports[0].send(frame(BCAST, mac(1)));
    expect(out.length).toBe(1);
    inbox.push(frame(mac(1), mac(9), [5]));
    clock.advanceTo(100_000);
    expect(got).toEqual([]);
    clock.advanceTo(101_000);
    expect(got.map((g) => [g.port, g.at, g.frame[14]])).toEqual([[0, 101_000, 5]]);
    // The remote MAC was learned on the uplink: replies go out there.
    ports[0].send(frame(mac(9), mac(1)));
    expect(out.length).toBe(2);
    sw.close();
    expect(sw.portNames).toEqual([]);
  });
});
