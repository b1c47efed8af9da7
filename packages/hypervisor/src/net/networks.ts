// A host's named networks, made on first use: each is a switch on the host's clock, with an
// uplink if the host was given one for that name. Hosts (the LWK, the Linux shim) keep one of
// these and answer HostOS.netPort from it.
import type { VirtualClock } from '@serval/machine';
import type { NetPort } from '../host.js';
import { type HostTcp, UserNat } from './nat.js';
import { type FrameLink, NetSwitch, type NetSwitchOptions } from './switch.js';

export interface HostNetworksOptions extends Omit<NetSwitchOptions, 'name'> {
  /** The uplink of a network, if it has one (asked once, when the network is first used). */
  link?: (network: string) => FrameLink | undefined;
  /** Host TCP for a network's user-mode NAT gateway (10.0.2.2 → the host's loopback), if it has one. */
  nat?: (network: string) => HostTcp | undefined;
}

export class HostNetworks {
  private readonly nets = new Map<string, NetSwitch>();

  constructor(private readonly clock: VirtualClock, private readonly opts: HostNetworksOptions = {}) {}

  port(network: string, name: string): NetPort {
    return this.network(network).port(name);
  }

  network(network: string): NetSwitch {
    let sw = this.nets.get(network);
    if (!sw) {
      sw = new NetSwitch(this.clock, { ...this.opts, name: network });
      const link = this.opts.link?.(network);
      if (link) sw.connect(link);
      const tcp = this.opts.nat?.(network);
      if (tcp) new UserNat(this.clock, sw.port('nat'), tcp);
      this.nets.set(network, sw);
    }
    return sw;
  }

  /** The networks in use, by name. */
  get names(): string[] {
    return [...this.nets.keys()];
  }

  close(): void {
    for (const sw of this.nets.values()) sw.close();
    this.nets.clear();
  }
}
