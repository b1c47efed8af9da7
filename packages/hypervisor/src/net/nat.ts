// A user-mode NAT gateway on a host network (slirp's idea, much smaller): a virtual router at
// 10.0.2.2 that answers ARP and ping, and terminates the guests' TCP connections to its own
// address, carrying each one's bytes over a TCP connection to the same port on the host's
// loopback (HostTcp, which the host implements with real sockets). Only TCP to the gateway is
// carried; other traffic to it is refused with a reset. Host sockets answer on the wall clock and
// are polled on virtual time, so what the host side says arrives nondeterministically.
import type { TimerHandle, VirtualClock } from '@serval/machine';
import type { NetPort } from '../host.js';
import {
  buildArp, buildEth, buildIcmpEchoReply, buildIp4, buildTcp, ETH_ARP, ETH_IPV4, IP_ICMP, IP_TCP, parseArp, parseEth, parseIp,
  parseIp4, parseTcp, TCP, type Tcp,
} from './packets.js';

/** Host TCP connections to 127.0.0.1, driven by id; what they report comes back through `poll`. */
export interface HostTcp {
  connect(id: number, port: number): void;
  write(id: number, data: Uint8Array): void;
  /** The guest finished sending (half close). */
  end(id: number): void;
  /** Abort and forget the connection. */
  close(id: number): void;
  poll(): HostTcpEvent[];
}

export type HostTcpEvent =
  | { id: number; kind: 'connected' | 'end' }
  | { id: number; kind: 'data'; data: Uint8Array }
  | { id: number; kind: 'error'; message: string };

export interface UserNatOptions {
  gatewayIp?: string;
  /** How often host sockets are polled while connections are open (virtual ns, default 100 µs). */
  pollNs?: number;
  /** Unacknowledged data is sent again after this much virtual time without progress (default 200 ms). */
  retransmitNs?: number;
  log?: (msg: string) => void;
}

export const GATEWAY_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 0x02);
const MSS = 1460;
const WINDOW = 65535;

interface Conn {
  readonly id: number;
  readonly key: string;
  readonly mac: Uint8Array;
  readonly ip: number;
  readonly port: number;
  readonly hostPort: number;
  state: 'connecting' | 'synrcvd' | 'open';
  /** Next byte expected from the guest. */
  rcvNxt: number;
  /** Our first unacknowledged byte and our next new byte. */
  sndUna: number;
  sndNxt: number;
  /** Bytes from sndUna on: sent-but-unacknowledged, then not yet sent. */
  out: Uint8Array;
  wnd: number;
  mss: number;
  hostEnded: boolean;
  finSent: boolean;
  guestFin: boolean;
  lastProgress: number;
}

const add = (a: number, n: number) => (a + n) >>> 0;

export class UserNat {
  readonly gatewayIp: number;
  private readonly conns = new Map<string, Conn>();
  private readonly byId = new Map<number, Conn>();
  private nextId = 1;
  private poller: TimerHandle | undefined;
  private readonly pollNs: number;
  private readonly retransmitNs: number;
  private readonly log: (msg: string) => void;

  constructor(private readonly clock: VirtualClock, private readonly port: NetPort, private readonly tcp: HostTcp, opts: UserNatOptions = {}) {
    this.gatewayIp = parseIp(opts.gatewayIp ?? '10.0.2.2');
    this.pollNs = opts.pollNs ?? 100_000;
    this.retransmitNs = opts.retransmitNs ?? 200_000_000;
    this.log = opts.log ?? (() => {});
    port.onReceive((f) => this.input(f));
  }

  /** Open connections (diagnostics). */
  get connections(): number { return this.conns.size; }

  private input(frame: Uint8Array): void {
    const eth = parseEth(frame);
    if (!eth) return;
    if (eth.type === ETH_ARP) {
      const a = parseArp(eth.payload);
      if (a && a.op === 1 && a.tpa === this.gatewayIp) {
        this.port.send(buildEth(a.sha, GATEWAY_MAC, ETH_ARP, buildArp({ op: 2, sha: GATEWAY_MAC, spa: this.gatewayIp, tha: a.sha, tpa: a.spa })));
      }
      return;
    }
    if (eth.type !== ETH_IPV4) return;
    const ip = parseIp4(eth.payload);
    if (!ip || ip.dst !== this.gatewayIp) return;
    if (ip.proto === IP_ICMP && ip.payload.length >= 8 && ip.payload[0] === 8) {
      this.port.send(buildEth(eth.src, GATEWAY_MAC, ETH_IPV4, buildIp4(this.gatewayIp, ip.src, IP_ICMP, buildIcmpEchoReply(ip.payload))));
      return;
    }
    if (ip.proto !== IP_TCP) return;
    const t = parseTcp(ip.payload);
    if (t) this.segment(eth.src.slice(), ip.src, t);
  }

  private send(c: { mac: Uint8Array; ip: number; port: number; hostPort: number }, seq: number, ack: number, flags: number, data?: Uint8Array, mss?: number): void {
    const tcp = buildTcp(this.gatewayIp, c.ip, { sport: c.hostPort, dport: c.port, seq, ack, flags, window: WINDOW, data, mss });
    this.port.send(buildEth(c.mac, GATEWAY_MAC, ETH_IPV4, buildIp4(this.gatewayIp, c.ip, IP_TCP, tcp)));
  }

  private reset(mac: Uint8Array, ip: number, t: Tcp): void {
    if (t.flags & TCP.RST) return;
    const c = { mac, ip, port: t.sport, hostPort: t.dport };
    if (t.flags & TCP.ACK) this.send(c, t.ack, 0, TCP.RST);
    else this.send(c, 0, add(t.seq, t.data.length + (t.flags & TCP.SYN ? 1 : 0) + (t.flags & TCP.FIN ? 1 : 0)), TCP.RST | TCP.ACK);
  }

  private segment(mac: Uint8Array, ip: number, t: Tcp): void {
    const key = `${ip}:${t.sport}:${t.dport}`;
    let c = this.conns.get(key);
    if (!c) {
      if ((t.flags & (TCP.SYN | TCP.ACK | TCP.RST)) !== TCP.SYN) { this.reset(mac, ip, t); return; }
      const id = this.nextId++;
      // A fixed initial sequence per connection keeps runs comparable.
      const iss = (0x10000000 + id * 0x01000000) >>> 0;
      c = {
        id, key, mac, ip, port: t.sport, hostPort: t.dport, state: 'connecting', rcvNxt: add(t.seq, 1), sndUna: iss, sndNxt: iss,
        out: new Uint8Array(0), wnd: t.window, mss: Math.min(MSS, t.mss ?? 536), hostEnded: false, finSent: false, guestFin: false,
        lastProgress: this.clock.now,
      };
      this.conns.set(key, c);
      this.byId.set(id, c);
      this.tcp.connect(id, t.dport);
      this.schedulePoll();
      return;
    }
    if (t.flags & TCP.RST) { this.drop(c); return; }
    if (t.flags & TCP.SYN) {
      // The guest sent its SYN again: answer again once the host side is there.
      if (c.state === 'synrcvd') this.send(c, c.sndUna, c.rcvNxt, TCP.SYN | TCP.ACK, undefined, MSS);
      return;
    }
    if (c.state === 'connecting') return;
    if (t.flags & TCP.ACK) this.acked(c, t);
    if (t.data.length || t.flags & TCP.FIN) {
      if (t.seq !== c.rcvNxt) { this.send(c, c.sndNxt, c.rcvNxt, TCP.ACK); return; }
      if (t.data.length) { this.tcp.write(c.id, t.data.slice()); c.rcvNxt = add(c.rcvNxt, t.data.length); }
      if (t.flags & TCP.FIN && !c.guestFin) { c.guestFin = true; c.rcvNxt = add(c.rcvNxt, 1); this.tcp.end(c.id); }
      this.send(c, c.sndNxt, c.rcvNxt, TCP.ACK);
    }
    this.pump(c);
    this.maybeDone(c);
  }

  private acked(c: Conn, t: Tcp): void {
    c.wnd = t.window;
    if (c.state === 'synrcvd') {
      if (t.ack !== c.sndNxt) return;
      c.sndUna = c.sndNxt;
      c.state = 'open';
      c.lastProgress = this.clock.now;
      return;
    }
    const n = (t.ack - c.sndUna) | 0;
    const inFlight = (c.sndNxt - c.sndUna) | 0;
    if (n <= 0 || n > inFlight) return;
    // Our FIN takes a sequence number but no byte of `out`.
    const bytes = Math.min(n, c.out.length);
    c.out = c.out.subarray(bytes);
    c.sndUna = t.ack;
    c.lastProgress = this.clock.now;
  }

  /** Sends what the guest's window allows, then our FIN once the host side ended and all is sent. */
  private pump(c: Conn): void {
    if (c.state !== 'open') return;
    for (;;) {
      const sent = (c.sndNxt - c.sndUna) | 0;
      const unsent = c.out.length - Math.min(sent, c.out.length);
      const room = c.wnd - sent;
      if (unsent <= 0 || room <= 0) break;
      const n = Math.min(unsent, room, c.mss);
      const from = Math.min(sent, c.out.length);
      this.send(c, c.sndNxt, c.rcvNxt, TCP.ACK | TCP.PSH, c.out.subarray(from, from + n));
      c.sndNxt = add(c.sndNxt, n);
    }
    if (c.hostEnded && !c.finSent && ((c.sndNxt - c.sndUna) | 0) === c.out.length) {
      this.send(c, c.sndNxt, c.rcvNxt, TCP.FIN | TCP.ACK);
      c.sndNxt = add(c.sndNxt, 1);
      c.finSent = true;
    }
  }

  private maybeDone(c: Conn): void {
    if (c.finSent && c.guestFin && c.sndUna === c.sndNxt) this.drop(c);
  }

  private drop(c: Conn): void {
    this.conns.delete(c.key);
    this.byId.delete(c.id);
    this.tcp.close(c.id);
  }

  private schedulePoll(): void {
    if (this.poller) return;
    this.poller = this.clock.after(this.pollNs, () => {
      this.poller = undefined;
      this.poll();
      if (this.conns.size) this.schedulePoll();
    });
  }

  private poll(): void {
    for (const e of this.tcp.poll()) {
      const c = this.byId.get(e.id);
      if (!c) continue;
      switch (e.kind) {
        case 'connected':
          // Our SYN takes one sequence number; the guest's ACK of it opens the connection (acked()).
          c.state = 'synrcvd';
          this.send(c, c.sndNxt, c.rcvNxt, TCP.SYN | TCP.ACK, undefined, MSS);
          c.sndNxt = add(c.sndNxt, 1);
          break;
        case 'data': {
          const out = new Uint8Array(c.out.length + e.data.length);
          out.set(c.out); out.set(e.data, c.out.length);
          c.out = out;
          break;
        }
        case 'end': c.hostEnded = true; break;
        case 'error':
          this.log(`nat: connection to host port ${c.hostPort}: ${e.message}`);
          this.send(c, c.state === 'connecting' ? 0 : c.sndNxt, c.rcvNxt, TCP.RST | TCP.ACK);
          this.conns.delete(c.key);
          this.byId.delete(c.id);
          continue;
      }
      this.pump(c);
      this.maybeDone(c);
    }
    // Go-back-N after a stall (a frame the guest's full ring dropped).
    for (const c of this.conns.values()) {
      if (c.state === 'open' && c.sndUna !== c.sndNxt && this.clock.now - c.lastProgress >= this.retransmitNs) {
        // The FIN is the last thing sent, so with anything unacknowledged it is too.
        c.sndNxt = c.sndUna;
        c.finSent = false;
        c.lastProgress = this.clock.now;
        this.pump(c);
      }
    }
  }
}
