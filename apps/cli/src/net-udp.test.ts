import { describe, expect, it } from 'vitest';
import { parseUdpLink, UdpLink } from './net-udp.js';

/** Polls until something arrives (the worker's socket runs on its own; arrival is wall-clock). */
async function receive(link: UdpLink): Promise<Uint8Array[]> {
  for (let i = 0; i < 500; i++) {
    const got = link.poll();
    if (got.length) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  return [];
}

describe('UDP uplink', () => {
  it('parses NETWORK=LOCALPORT:REMOTEHOST:REMOTEPORT and refuses anything else', () => {
    expect(parseUdpLink('lan=5555:127.0.0.1:5556')).toEqual({ network: 'lan', localPort: 5555, remoteHost: '127.0.0.1', remotePort: 5556 });
    for (const bad of ['lan', '5555:127.0.0.1:5556', 'lan=0:h:1', 'lan=1:h:70000', 'lan=1:h']) expect(() => parseUdpLink(bad)).toThrow(/NETWORK=LOCALPORT/);
  });

  it('carries frames both ways between two links, one datagram each, in order', async () => {
    const p = 20000 + Math.floor(Math.random() * 20000);
    const a = new UdpLink(parseUdpLink(`lan=${p}:127.0.0.1:${p + 1}`), () => {});
    const b = new UdpLink(parseUdpLink(`lan=${p + 1}:127.0.0.1:${p}`), () => {});
    try {
      // Sent before the other side's socket may be bound: retry until one arrives.
      let got: Uint8Array[] = [];
      for (let i = 0; i < 20 && !got.length; i++) {
        a.send(Uint8Array.of(1, 2, 3, i));
        got = await receive(b);
      }
      expect([...got[0].subarray(0, 3)]).toEqual([1, 2, 3]);
      b.send(Uint8Array.from({ length: 1514 }, (_, i) => i & 0xff));
      b.send(Uint8Array.of(9));
      const back = await receive(a);
      if (back.length < 2) back.push(...(await receive(a)));
      expect(back.map((f) => f.length)).toEqual([1514, 1]);
      expect(back[0][1513]).toBe(1513 & 0xff);
    } finally {
      a.close();
      b.close();
    }
  });
});
