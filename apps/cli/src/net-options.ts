// The networking options of `serval vm boot` and `serval host ...`: a host network's UDP uplink to
// another serval process and its user-mode NAT to the host's loopback.
import type { HostNetworksOptions } from '@serval/hypervisor';
import type { OptionSpec } from './args.js';
import { WorkerHostTcp } from './net-tcp.js';
import { parseUdpLink, UdpLink } from './net-udp.js';

export const NET_OPTIONS: Record<string, OptionSpec> = {
  'net-udp': { value: true, help: 'NET=LPORT:HOST:RPORT: carry host network NET over UDP to another serval process' },
  'net-nat': { value: true, help: 'NET: a NAT gateway 10.0.2.2 on host network NET; TCP to its ports reaches 127.0.0.1' },
};

/** What the host's networks get from the options (checked now, so a bad one fails before booting). */
export function netFromOptions(options: Map<string, string>, log: (msg: string) => void): Pick<HostNetworksOptions, 'link' | 'nat'> {
  const u = options.get('net-udp');
  const udp = u === undefined ? undefined : parseUdpLink(u);
  const nat = options.get('net-nat');
  return {
    link: (network) => (udp && udp.network === network ? new UdpLink(udp, log) : undefined),
    nat: (network) => (network === nat ? new WorkerHostTcp() : undefined),
  };
}
