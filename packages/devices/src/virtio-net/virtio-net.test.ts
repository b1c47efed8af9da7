import { describe, expect, it } from 'vitest';
import { BAR0 } from '../virtio/pci.js';
import { TestDriver, ALL_TRANSPORT } from '../virtio/testing.js';
import { NET_HDR_LEN, RX_BACKLOG, VIRTIO_NET_F, VirtioNet, formatMac, macFromName, parseMac } from './virtio-net.js';

const MAC = parseMac('52:54:00:12:34:56');
const RX = 0, TX = 1;

function rig() {
  const sent: number[][] = [];
  let deliver: (f: Uint8Array) => void = () => {};
  const net = new VirtioNet({ name: 'net0', mac: MAC, link: { send: (f) => sent.push([...f]), onReceive: (fn) => { deliver = fn; } } });
  const d = new TestDriver(net);
  return { net, d, sent, deliver: (f: Uint8Array) => deliver(f) };
}

const frame = (n: number, len = 60) => Uint8Array.from({ length: len }, (_, i) => (i < 6 ? 0xff : (n + i) & 0xff));

describe('virtio-net', () => {
  it('offers only MAC and STATUS beside the transport\'s features; the config holds the MAC and link up', () => {
    const { d } = rig();
    d.program();
    const offered = d.offered();
    expect(offered & ~ALL_TRANSPORT).toBe((1n << BigInt(VIRTIO_NET_F.MAC)) | (1n << BigInt(VIRTIO_NET_F.STATUS)));
    const mac = Array.from({ length: 6 }, (_, i) => d.r(BAR0.DEVICE + i, 1));
    expect(formatMac(Uint8Array.from(mac))).toBe('52:54:00:12:34:56');
    expect(d.r(BAR0.DEVICE + 6, 2)).toBe(1);
    expect(d.t.readConfig(0x00, 4)).toBe(0x10411af4);
    expect(d.t.readConfig(0x08, 4) >>> 8).toBe(0x020000);
  });

  it('transmits each chain\'s packet without its 12-byte header and returns the buffers', () => {
    const { d, sent } = rig();
    d.init();
    const hdr = new Uint8Array(NET_HDR_LEN).fill(0xaa);
    const f = frame(1);
    // Header and packet in separate buffers, then together in one.
    d.post(TX, [{ data: hdr }, { data: f }], { kick: false });
    d.post(TX, [{ data: Uint8Array.from([...hdr, ...frame(2)]) }]);
    expect(sent).toEqual([[...f], [...frame(2)]]);
    expect(d.reap(TX).map((u) => u.len)).toEqual([0, 0]);
    expect(d.msis.length).toBeGreaterThan(0);
  });

  it('receives into posted buffers with a zero header and num_buffers 1; frames wait for buffers', () => {
    const { d, net, deliver } = rig();
    // Without event index, so every used buffer interrupts.
    d.init((1n << 32n) | (1n << BigInt(VIRTIO_NET_F.MAC)) | (1n << BigInt(VIRTIO_NET_F.STATUS)));
    deliver(frame(3));
    expect(d.reap(RX)).toEqual([]);
    const a = d.post(RX, [{ writable: 1526 }]);
    const used = d.reap(RX);
    expect(used).toEqual([{ id: a.head, len: NET_HDR_LEN + 60 }]);
    const got = d.bytes(a.addrs[0], NET_HDR_LEN + 60);
    expect([...got.subarray(0, NET_HDR_LEN)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect([...got.subarray(NET_HDR_LEN)]).toEqual([...frame(3)]);
    const msis = d.msis.length;
    const b = d.post(RX, [{ writable: 1526 }]);
    deliver(frame(4, 100));
    expect(d.reap(RX)).toEqual([{ id: b.head, len: NET_HDR_LEN + 100 }]);
    expect(d.msis.length).toBe(msis + 1);
    expect(net.stats).toEqual({ txFrames: 0, rxFrames: 2, rxDropped: 0 });
  });

  it('drops frames before DRIVER_OK, beyond the backlog, and ones too big for the buffer', () => {
    const { d, net, deliver } = rig();
    deliver(frame(1));
    expect(net.stats.rxDropped).toBe(1);
    d.init();
    for (let i = 0; i < RX_BACKLOG + 3; i++) deliver(frame(i));
    expect(net.stats.rxDropped).toBe(4);
    d.post(RX, [{ writable: 40 }]);
    expect(d.reap(RX).map((u) => u.len)).toEqual([0]);
    expect(net.stats.rxDropped).toBe(5);
  });

  it('restores an identical device, waiting frames included; a reset drops them', () => {
    const a = rig();
    a.d.init();
    a.deliver(frame(7));
    const saved = JSON.parse(JSON.stringify(a.d.t.saveState()));
    const b = rig();
    b.d.t.loadState(saved);
    expect(b.d.t.saveState()).toEqual(saved);
    const other = new VirtioNet({ name: 'x', mac: parseMac('52:54:00:00:00:01'), link: { send: () => {}, onReceive: () => {} } });
    expect(() => other.loadState((saved as { device: unknown }).device)).toThrow(/saved MAC 52:54:00:12:34:56/);
    a.net.reset();
    expect(a.net.saveState()).toEqual({ mac: [...MAC], backlog: [] });
  });

  it('parses and derives MACs', () => {
    expect(formatMac(parseMac('52-54-00-AB-cd-01'))).toBe('52:54:00:ab:cd:01');
    expect(() => parseMac('01:00:5e:00:00:01')).toThrow(/multicast/);
    expect(() => parseMac('52:54:00')).toThrow(/not a MAC/);
    expect(formatMac(macFromName('vm0.net0'))).toBe(formatMac(macFromName('vm0.net0')));
    expect(formatMac(macFromName('vm0.net0'))).not.toBe(formatMac(macFromName('vm1.net0')));
    expect(macFromName('a')[0]).toBe(0x52);
  });
});
