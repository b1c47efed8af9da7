// The "virtio-net" device class: a virtio-net NIC on the VM's PCI bus, plugged into a host
// network (HostOS.netPort). Options: network (default "default": VMs on the same host network see
// each other) and mac (default: derived from the VM's and the device's names, so it is stable).
import { VirtioNet, type VirtioPci, macFromName, parseMac } from '@serval/devices';
import type { DeviceConfig } from '../config/vm-config.js';
import { object, optional, str, withDefault } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { AttachContext, Platform } from './attach.js';
import { attachVirtioPci } from './virtio.js';

const netOptions = object({
  network: withDefault(str(), 'default'),
  mac: optional(str()),
});

export function attachVirtioNet(cfg: DeviceConfig, path: string, ctx: AttachContext, platform: Platform): VirtioPci {
  const o = netOptions(cfg.options, `${path}.options`);
  let mac: Uint8Array;
  try {
    mac = o.mac === undefined ? macFromName(`${ctx.vmName}.${cfg.id}`) : parseMac(o.mac);
  } catch (e) {
    throw new ConfigError(`${path}.options.mac`, (e as Error).message);
  }
  const port = ctx.netPort(o.network, `${ctx.vmName}.${cfg.id}`);
  try {
    return attachVirtioPci(cfg, path, new VirtioNet({ name: cfg.id, mac, link: port }), ctx, platform);
  } catch (e) {
    port.close();
    throw e;
  }
}
