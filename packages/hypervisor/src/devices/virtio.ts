// Virtio devices on the VM's PCI bus: each device class builds its model (devices/src/virtio-*)
// and `attachVirtioPci` carries it on the virtio-pci transport at the next free slot, with MSI-X
// to the APIC bus and INTA# on the I/O APIC pin the DSDT's _PRT gives that slot.
import { type BlockBackend, type PciHost, VirtioBlk, VirtioConsole, type VirtioDeviceModel, VirtioPci } from '@serval/devices';
import { IrqLine } from '@serval/machine';
import type { DeviceConfig } from '../config/vm-config.js';
import { bool, object, optional, required, str, withDefault } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { PCI_GSI_BASE } from '../firmware/platform.js';
import type { AttachContext, Platform } from './attach.js';

function pciBus(cfg: DeviceConfig, path: string, platform: Platform): PciHost {
  const pci = platform.out.pci;
  if (!pci) throw new ConfigError(`${path}.class`, `${cfg.class} is a PCI device: list a "pci" device before it`);
  return pci;
}

export function attachVirtioPci(cfg: DeviceConfig, path: string, model: VirtioDeviceModel, ctx: AttachContext, platform: Platform): VirtioPci {
  const pci = pciBus(cfg, path, platform);
  const slot = pci.freeSlot();
  // INTA# of slot s: pin 16 + (s & 3), as the _PRT in firmware/acpi.ts swizzles it.
  const gsi = PCI_GSI_BASE + (slot & 3);
  const intx = new IrqLine({ setIrqLevel: (line, level) => platform.out.ioapic?.setIrqLevel(line, level) }, gsi);
  const t = new VirtioPci({
    name: cfg.id, device: model, ram: ctx.ram, mmio: ctx.mmio, msi: (a, d) => platform.apicBus.msi(a, d), intx, irqLine: gsi,
    log: (m) => ctx.log(m),
  });
  pci.add(slot, 0, t);
  return t;
}

const blkOptions = object({
  path: required(str()),
  readonly: withDefault(bool(), false),
  serial: optional(str()),
});
const consoleOptions = object({ console: optional(str()) });

export const VIRTIO_FACTORIES = {
  'virtio-blk'(cfg: DeviceConfig, path: string, ctx: AttachContext, platform: Platform): VirtioPci {
    const o = blkOptions(cfg.options, `${path}.options`);
    pciBus(cfg, path, platform);
    let disk: BlockBackend;
    try {
      disk = ctx.openDisk(o.path, o.readonly);
    } catch (e) {
      throw new ConfigError(`${path}.options.path`, `cannot open the disk: ${(e as Error).message}`);
    }
    try {
      return attachVirtioPci(cfg, path, new VirtioBlk({ name: cfg.id, backend: disk, readonly: o.readonly, serial: o.serial }), ctx, platform);
    } catch (e) {
      disk.close();
      throw e;
    }
  },
  'virtio-console'(cfg: DeviceConfig, path: string, ctx: AttachContext, platform: Platform): VirtioPci {
    const o = consoleOptions(cfg.options, `${path}.options`);
    const con = ctx.console(o.console ?? `${ctx.vmName}.${cfg.id}`);
    const dev = new VirtioConsole({ name: cfg.id, output: (b) => con.write(b) });
    const t = attachVirtioPci(cfg, path, dev, ctx, platform);
    con.onInput((b) => dev.input(b));
    return t;
  },
};
