import { VirtualClock } from '@serval/machine';
import { describe, expect, it } from 'vitest';
import { GATEWAY_MAC, type HostTcp, type HostTcpEvent, UserNat } from './nat.js';
import {
  buildArp, buildEth, buildIp4, buildTcp, checksum, ETH_ARP, ETH_IPV4, IP_ICMP, IP_TCP, parseArp, parseEth, parseIp, parseIp4, parseTcp, TCP,
} from './packets.js';
import { NetSwitch } from './switch.js';

const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0, 0, 0, 0x15);
const GUEST = parseIp('10.0.2.15');
const GW = parseIp('10.0.2.2');

class FakeTcp implements HostTcp {
  readonly calls: string[] = [];
  readonly events: HostTcpEvent[] = [];
  readonly written: number[] = [];
  connect(id: number, port: number) { this.calls.push(`connect ${id} ${port}`); }
  write(_id: number, data: Uint8Array) { this.written.push(...data); }
  end(id: number) { this.calls.push(`end ${id}`); }
  close(id: number) { this.calls.push(`close ${id}`); }
  poll() { return this.events.splice(0); }
}

function rig() {
  const clock = new VirtualClock();
  const sw = new NetSwitch(clock, { latencyNs: 1000 });
  const tcp = new FakeTcp();
  const nat = new UserNat(clock, sw.port('nat'), tcp);
  const guest = sw.port('guest');
  const got: Uint8Array[] = [];
  guest.onReceive((f) => got.push(f));
  const step = () => clock.advanceTo(clock.now + 200_000);
  const tcpIn = () => got.splice(0).map((f) => parseTcp(parseIp4(parseEth(f)!.payload)!.payload)!);
  const seg = (flags: number, seq: number, ack: number, data?: Uint8Array, mss?: number) => guest.send(buildEth(GATEWAY_MAC, GUEST_MAC, ETH_IPV4,
    buildIp4(GUEST, GW, IP_TCP, buildTcp(GUEST, GW, { sport: 40000, dport: 8080, seq, ack, flags, window: 4000, data, mss }))));
  return { clock, nat, tcp, guest, got, step, tcpIn, seg };
}

describe('user-mode NAT', () => {
  it('answers ARP for the gateway and pings to it', () => {
    const { guest, got, step } = rig();
    guest.send(buildEth(new Uint8Array(6).fill(255), GUEST_MAC, ETH_ARP, buildArp({ op: 1, sha: GUEST_MAC, spa: GUEST, tha: new Uint8Array(6), tpa: GW })));
    guest.send(buildEth(new Uint8Array(6).fill(255), GUEST_MAC, ETH_ARP, buildArp({ op: 1, sha: GUEST_MAC, spa: GUEST, tha: new Uint8Array(6), tpa: parseIp('10.0.2.3') })));
    step();
    expect(got.length).toBe(1);
    const arp = parseArp(parseEth(got[0])!.payload)!;
    expect([arp.op, [...arp.sha], arp.spa, arp.tpa]).toEqual([2, [...GATEWAY_MAC], GW, GUEST]);
    got.length = 0;
    const echo = Uint8Array.of(8, 0, 0, 0, 0x12, 0x34, 0, 1, 0xaa, 0xbb);
    echo.set([checksum(echo, 0, echo.length) >> 8, checksum(echo, 0, echo.length) & 255], 2);
    guest.send(buildEth(GATEWAY_MAC, GUEST_MAC, ETH_IPV4, buildIp4(GUEST, GW, IP_ICMP, echo)));
    step();
    const ip = parseIp4(parseEth(got[0])!.payload)!;
    expect([ip.src, ip.dst, ip.proto, ip.payload[0], ip.payload[8]]).toEqual([GW, GUEST, IP_ICMP, 0, 0xaa]);
    expect(checksum(ip.payload, 0, ip.payload.length)).toBe(0);
    expect(checksum(parseEth(got[0])!.payload, 0, 20)).toBe(0);
  });

  it('carries a TCP connection to the host port: handshake once the host connected, bytes both ways, FINs', () => {
    const { tcp, nat, step, tcpIn, seg } = rig();
    seg(TCP.SYN, 1000, 0, undefined, 1460);
    step();
    expect(tcp.calls).toEqual(['connect 1 8080']);
    expect(tcpIn()).toEqual([]);
    tcp.events.push({ id: 1, kind: 'connected' });
    step();
    const [synack] = tcpIn();
    expect(synack.flags).toBe(TCP.SYN | TCP.ACK);
    expect(synack.ack).toBe(1001);
    expect(synack.mss).toBe(1460);
    const iss = synack.seq;
    seg(TCP.ACK, 1001, iss + 1);
    seg(TCP.ACK | TCP.PSH, 1001, iss + 1, new TextEncoder().encode('GET /'));
    step();
    expect(String.fromCharCode(...tcp.written)).toBe('GET /');
    expect(tcpIn().map((t) => [t.flags, t.ack])).toEqual([[TCP.ACK, 1006]]);
    // The host answers with more than the guest's window (4000): two segments of the MSS, one of the rest.
    tcp.events.push({ id: 1, kind: 'data', data: new Uint8Array(5000).fill(7) }, { id: 1, kind: 'end' });
    step();
    let segs = tcpIn();
    expect(segs.map((t) => [t.seq - iss - 1, t.data.length])).toEqual([[0, 1460], [1460, 1460], [2920, 1080]]);
    seg(TCP.ACK, 1006, iss + 1 + 4000);
    step();
    segs = tcpIn();
    expect(segs.map((t) => [t.seq - iss - 1, t.data.length, t.flags & TCP.FIN])).toEqual([[4000, 1000, 0], [5000, 0, TCP.FIN]]);
    seg(TCP.ACK | TCP.FIN, 1006, iss + 1 + 5001);
    step();
    expect(tcpIn().map((t) => [t.flags, t.ack])).toEqual([[TCP.ACK, 1007]]);
    expect(tcp.calls).toEqual(['connect 1 8080', 'end 1', 'close 1']);
    expect(nat.connections).toBe(0);
  });

  it('resets a refused connection and segments for no connection; resends what the guest did not acknowledge', () => {
    const { tcp, clock, step, tcpIn, seg } = rig();
    seg(TCP.SYN, 5, 0);
    step();
    tcp.events.push({ id: 1, kind: 'error', message: 'ECONNREFUSED' });
    step();
    expect(tcpIn().map((t) => [t.flags, t.ack])).toEqual([[TCP.RST | TCP.ACK, 6]]);
    seg(TCP.ACK, 6, 77);
    step();
    expect(tcpIn().map((t) => [t.flags, t.seq])).toEqual([[TCP.RST, 77]]);
    seg(TCP.SYN, 100, 0);
    step();
    tcp.events.push({ id: 2, kind: 'connected' });
    step();
    const iss = tcpIn()[0].seq;
    seg(TCP.ACK, 101, iss + 1);
    tcp.events.push({ id: 2, kind: 'data', data: Uint8Array.of(1, 2, 3) });
    step();
    expect(tcpIn().map((t) => t.data.length)).toEqual([3]);
    clock.advanceTo(clock.now + 250_000_000);
    expect(tcpIn().map((t) => [t.seq - iss - 1, t.data.length])).toEqual([[0, 3]]);
  });
});
