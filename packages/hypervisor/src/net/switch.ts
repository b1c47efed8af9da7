// A host's network: a learning Ethernet bridge that connects the NICs of the VMs on one host, and
// optionally an uplink to a socket that carries frames to another serval process (QEMU's
// -netdev dgram idea). Within the host, a frame reaches its destination a fixed latency of
// virtual time after it was sent, through the host's clock, so runs are deterministic whatever
// the wall clock does. Frames from an uplink arrive when the wall clock says they do: they are
// picked up at virtual-time polls, so what happens across processes is not deterministic.
import type { TimerHandle, VirtualClock } from '@serval/machine';
import type { NetPort } from '../host.js';
import { HypervisorError } from '../errors.js';

/** A link out of the host: frames go out at once; frames that came in are picked up by `poll`. */
export interface FrameLink {
  readonly name: string;
  send(frame: Uint8Array): void;
  /** Frames that arrived since the last call, oldest first. */
  poll(): Uint8Array[];
  close(): void;
}

export interface NetSwitchOptions {
  name?: string;
  /** Virtual time from a VM's send to the other VM's receive (default 50 µs). */
  latencyNs?: number;
  /** How often an uplink is checked for frames, in virtual time (default 100 µs). */
  pollNs?: number;
}

/** Ethernet header: destination, source, type. Shorter frames are dropped. */
const ETH_HEADER = 14;
/** Largest frame a port takes: 1514 bytes plus room for a VLAN tag. */
export const MAX_FRAME = 1518;

interface Port {
  readonly name: string;
  readonly uplink?: FrameLink;
  receiver: ((frame: Uint8Array) => void) | undefined;
  open: boolean;
}

export interface SwitchStats {
  forwarded: number;
  flooded: number;
  dropped: number;
}

/** A MAC address as a number (48 bits fit a double exactly). */
function macAt(frame: Uint8Array, off: number): number {
  let v = 0;
  for (let i = 0; i < 6; i++) v = v * 256 + frame[off + i];
  return v;
}

export class NetSwitch {
  readonly name: string;
  readonly latencyNs: number;
  readonly pollNs: number;
  readonly stats: SwitchStats = { forwarded: 0, flooded: 0, dropped: 0 };
  private readonly ports: Port[] = [];
  /** Where each source MAC was last seen. */
  private readonly table = new Map<number, Port>();
  private poller: TimerHandle | undefined;

  constructor(private readonly clock: VirtualClock, opts: NetSwitchOptions = {}) {
    this.name = opts.name ?? 'net';
    this.latencyNs = opts.latencyNs ?? 50_000;
    this.pollNs = opts.pollNs ?? 100_000;
    if (!(this.latencyNs >= 0) || !(this.pollNs > 0)) throw new HypervisorError('BAD_NET_OPTIONS', `${this.name}: latency must be ≥ 0 and the poll interval > 0 ns`);
  }

  /** Plugs in a VM's NIC. */
  port(name: string): NetPort {
    if (this.ports.some((p) => p.name === name && p.open)) throw new HypervisorError('NET_PORT_TAKEN', `${this.name}: a port named ${name} is already plugged in`);
    const p: Port = { name, receiver: undefined, open: true };
    this.ports.push(p);
    return {
      send: (frame) => { if (p.open) this.forward(p, frame.slice()); },
      onReceive: (fn) => { p.receiver = fn; },
      close: () => this.unplug(p),
    };
  }

  /** Connects an uplink: frames for unknown or remote MACs go out on it; frames from it come in. */
  connect(link: FrameLink): void {
    const p: Port = { name: link.name, uplink: link, receiver: undefined, open: true };
    this.ports.push(p);
    if (!this.poller) this.schedulePoll();
  }

  /** Names of the ports plugged in, in order. */
  get portNames(): string[] {
    return this.ports.filter((p) => p.open).map((p) => p.name);
  }

  /** The port a MAC was learned on (tests, diagnostics). */
  lookup(mac: number): string | undefined {
    return this.table.get(mac)?.name;
  }

  /** Unplugs everything and closes the uplinks. */
  close(): void {
    for (const p of [...this.ports]) this.unplug(p);
    this.poller?.cancel();
    this.poller = undefined;
  }

  private unplug(p: Port): void {
    if (!p.open) return;
    p.open = false;
    p.receiver = undefined;
    this.ports.splice(this.ports.indexOf(p), 1);
    for (const [mac, q] of this.table) if (q === p) this.table.delete(mac);
    p.uplink?.close();
  }

  private forward(from: Port, frame: Uint8Array): void {
    if (frame.length < ETH_HEADER || frame.length > MAX_FRAME) { this.stats.dropped++; return; }
    const src = macAt(frame, 6);
    // A multicast source is not an address anyone can be reached at.
    if (!(frame[6] & 1)) this.table.set(src, from);
    const dst = frame[0] & 1 ? undefined : this.table.get(macAt(frame, 0));
    if (dst) {
      if (dst === from) { this.stats.dropped++; return; }
      this.stats.forwarded++;
      this.deliver(dst, frame);
      return;
    }
    this.stats.flooded++;
    for (const p of this.ports) if (p !== from) this.deliver(p, frame);
  }

  private deliver(to: Port, frame: Uint8Array): void {
    if (to.uplink) { to.uplink.send(frame); return; }
    this.clock.after(this.latencyNs, () => {
      if (to.open && to.receiver) to.receiver(frame);
      else this.stats.dropped++;
    });
  }

  private schedulePoll(): void {
    this.poller = this.clock.after(this.pollNs, () => {
      const links = this.ports.filter((p) => p.uplink);
      for (const p of links) for (const f of p.uplink!.poll()) this.forward(p, f);
      if (links.length) this.schedulePoll();
      else this.poller = undefined;
    });
  }
}
