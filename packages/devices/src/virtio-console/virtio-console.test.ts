import { describe, expect, it } from 'vitest';
import { ALL_TRANSPORT, TestDriver } from '../virtio/testing.js';
import { VirtioConsole } from './virtio-console.js';

const text = (s: string) => new TextEncoder().encode(s);

function rig() {
  const out: number[] = [];
  const con = new VirtioConsole({ name: 'hvc0', output: (b) => out.push(...b) });
  const d = new TestDriver(con);
  return { out, con, d };
}

describe('virtio-console', () => {
  it('what the guest transmits reaches the host console', () => {
    const { d, out } = rig();
    d.init(ALL_TRANSPORT);
    const a = d.post(1, [{ data: text('hello ') }, { data: text('hvc0\n') }]);
    expect(d.reap(1)).toEqual([{ id: a.head, len: 0 }]);
    expect(new TextDecoder().decode(Uint8Array.from(out))).toBe('hello hvc0\n');
  });

  it('typed bytes wait for receive buffers, fill them in order, and interrupt on the receive vector', () => {
    const { d, con } = rig();
    con.input(text('early')); // before the driver is up
    d.init(1n << 32n); // no event index: every used buffer interrupts
    expect(d.reap(0)).toEqual([]);
    const b1 = d.post(0, [{ writable: 3 }]);
    const b2 = d.post(0, [{ writable: 8 }]);
    expect(d.reap(0)).toEqual([{ id: b1.head, len: 3 }, { id: b2.head, len: 2 }]);
    expect(new TextDecoder().decode(d.bytes(b1.addrs[0], 3)) + new TextDecoder().decode(d.bytes(b2.addrs[0], 2))).toBe('early');
    expect(d.msis.map((m) => m.data)).toEqual([0x41, 0x41]);
    con.input(text('x'));
    expect(d.reap(0)).toEqual([]); // no buffer posted: it waits
    const b3 = d.post(0, [{ writable: 4 }]);
    expect(d.reap(0)).toEqual([{ id: b3.head, len: 1 }]);
  });

  it('restores an identical device with its unread input', () => {
    const { d, con } = rig();
    d.init(ALL_TRANSPORT);
    con.input(text('pending'));
    const saved = JSON.parse(JSON.stringify(d.t.saveState()));
    const other = rig();
    other.d.mem.u8.set(d.mem.u8);
    other.d.t.loadState(saved);
    expect(other.d.t.saveState()).toEqual(d.t.saveState());
    expect(() => other.d.t.loadState({ ...saved, device: { pending: 'x' } })).toThrow(/pending/);
  });
});
