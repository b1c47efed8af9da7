// Builds a VM's devices from its config: each device class validates its own options (errors name
// the config path) and attaches itself to the VM's buses, interrupt lines and consoles. The
// interrupt controllers (8259 pair, I/O APIC) are built first, so every other device's IRQ line
// reaches them through the ISA router; the local APICs (one per vCPU) share one APIC bus.
import {
  AcpiPm, ACPI_PM_BASE, ApicBus, DebugExit, DEBUG_EXIT_PORT, type Device, GenericPorts, Hpet, HPET_BASE, I8042,
  IoApic, IOAPIC_BASE, LAPIC_BASE, LocalApic, PciHost, PCI_CONFIG_PORT, PCI_CONFIG_PORTS, Pic8259, Pit8254,
  PIT_PORT, PostPort, POST_PORT, PORT61, type PortRange, Rtc146818, RTC_PORT, SystemControlPort, Uart16550,
} from '@serval/devices';
import { IrqLine, type IrqSink, type MmioBus, type MmioDevice, type PortBus, type VirtualClock } from '@serval/machine';
import type { DeviceConfig } from '../config/vm-config.js';
import { bool, int, object, optional, required, str, withDefault } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { BlockStorage, ConsoleStream, NetPort } from '../host.js';
import type { InterruptSource } from '../vcpu.js';
import type { GuestMemory } from '../loader/elf64.js';
import { IsaIrqRouter } from './irq-router.js';
import { VIRTIO_FACTORIES } from './virtio.js';
import { attachVirtioNet } from './virtio-net.js';

export interface AttachContext {
  readonly vmName: string;
  readonly ports: PortBus;
  readonly mmio: MmioBus;
  readonly clock: VirtualClock;
  /** Guest memory size (the RTC's CMOS reports it as firmware would). */
  readonly memory: number;
  /** Number of vCPUs (one local APIC each). */
  readonly cores: number;
  /** Index of the vCPU running now (whose local APIC answers at 0xFEE00000). */
  currentCpu(): number;
  /** Virtual time as the vCPU touching a device sees it (devices read time mid-slice). */
  now(): number;
  console(name: string): ConsoleStream;
  /** Guest RAM, for devices that DMA (virtio). */
  readonly ram: GuestMemory;
  /** A host file as a disk (HostOS.openDisk); closed when the VM is freed. */
  openDisk(path: string, readonly: boolean): BlockStorage;
  /** A port on the host network `network` for NIC `name` (closed when the VM is freed). */
  netPort(network: string, name: string): NetPort;
  /** The guest asked to end the run with a status (debug-exit device). */
  guestExit(status: number): void;
  /** The guest pulsed the reset line (i8042 0xFE, 0xCF9). */
  guestReset(): void;
  /** The guest powered the machine off (ACPI S5). */
  powerOff(): void;
  log(msg: string): void;
}

export interface Attached {
  devices: Device[];
  /** The 8259 pair, if the VM has one (the vCPUs' interrupts without local APICs). */
  interrupts: InterruptSource | undefined;
  /** One local APIC per vCPU, if the VM has the lapic device. */
  lapics: LocalApic[];
  ioapic: IoApic | undefined;
  hpet: Hpet | undefined;
  acpiPm: { device: AcpiPm; base: number; sci: number } | undefined;
  pci: PciHost | undefined;
  i8042: boolean;
}

/** What factories share: the ISA interrupt router and the platform pieces built so far. */
export interface Platform {
  readonly router: IsaIrqRouter;
  readonly apicBus: ApicBus;
  readonly out: Attached;
}

type Factory = (cfg: DeviceConfig, path: string, ctx: AttachContext, irqs: IrqSink, platform: Platform) => Device | Device[];

const uartOptions = object({
  port: withDefault(int({ min: 0, max: 0xfff8 }), 0x3f8),
  irq: withDefault(int({ min: 0, max: 15 }), 4),
});
const debugExitOptions = object({ port: withDefault(int({ min: 0, max: 0xffff }), DEBUG_EXIT_PORT) });
const noOptions = object({});
const rtcOptions = object({ start: optional(str()) });
const i8042Options = object({ keyboard: withDefault(bool(), true) });
const port80Options = object({ print: withDefault(bool(), false) });
const lapicOptions = object({ timerHz: withDefault(int({ min: 1_000_000, max: 10_000_000_000 }), 1_000_000_000) });
const ioapicOptions = object({ id: optional(int({ min: 0, max: 15 })) });
const acpiPmOptions = object({ port: withDefault(int({ min: 0, max: 0xfff0 }), ACPI_PM_BASE), sci: withDefault(int({ min: 1, max: 15 }), 9) });
const genericOptions = object({
  base: required(int({ min: 0, max: 0xffff })),
  length: required(int({ min: 1, max: 0x10000 })),
  mode: withDefault(str({ oneOf: ['ignore', 'print'] }), 'ignore'),
});

/** One character time at 115200 baud, 8N1. */
const CHAR_NS = 86_806;

/**
 * What the user types travels like a serial line: one character per character time, and only
 * while the guest's driver listens — bytes sent earlier would be flushed by the driver's start-up.
 */
function serialLine(uart: Uart16550, clock: VirtualClock): (bytes: Uint8Array) => void {
  const queue: number[] = [];
  let ticking = false;
  const tick = () => {
    if (queue.length && uart.receiving && uart.pendingInput === 0) uart.receive([queue.shift()!]);
    ticking = queue.length > 0;
    if (ticking) clock.after(CHAR_NS, tick);
  };
  return (bytes) => {
    for (const b of bytes) queue.push(b);
    if (!ticking) { ticking = true; clock.after(CHAR_NS, tick); }
  };
}

function registerRanges(ports: PortBus, ranges: PortRange[]): void {
  for (const r of ranges) ports.register(r.base, r.length, r.device);
}

const FACTORIES: Record<string, Factory> = {
  uart16550(cfg, path, ctx, irqs) {
    const o = uartOptions(cfg.options, `${path}.options`);
    const con = ctx.console(`${ctx.vmName}.${cfg.id}`);
    const uart = new Uart16550({ name: cfg.id, onOutput: (b) => con.write(Uint8Array.of(b)), irq: new IrqLine(irqs, o.irq) });
    con.onInput(serialLine(uart, ctx.clock));
    ctx.ports.register(o.port, 8, uart);
    return uart;
  },
  'debug-exit'(cfg, path, ctx) {
    const o = debugExitOptions(cfg.options, `${path}.options`);
    const dev = new DebugExit(cfg.id, (s) => ctx.guestExit(s));
    ctx.ports.register(o.port, 1, dev);
    return dev;
  },
  pit8254(cfg, path, ctx, irqs) {
    noOptions(cfg.options, `${path}.options`);
    const pit = new Pit8254({ name: cfg.id, clock: ctx.clock, irq: new IrqLine(irqs, 0), time: () => ctx.now() });
    ctx.ports.register(PIT_PORT, 4, pit);
    ctx.ports.register(PORT61, 1, new SystemControlPort(pit, `${cfg.id}-port61`));
    return pit;
  },
  rtc(cfg, path, ctx, irqs) {
    const o = rtcOptions(cfg.options, `${path}.options`);
    const rtc = new Rtc146818({ name: cfg.id, clock: ctx.clock, irq: new IrqLine(irqs, 8), start: o.start, memory: ctx.memory, time: () => ctx.now() });
    ctx.ports.register(RTC_PORT, 2, rtc);
    return rtc;
  },
  i8042(cfg, path, ctx, irqs, platform) {
    const o = i8042Options(cfg.options, `${path}.options`);
    platform.out.i8042 = true;
    const kbc = new I8042({ name: cfg.id, irqKbd: new IrqLine(irqs, 1), irqAux: new IrqLine(irqs, 12), keyboard: o.keyboard, onReset: () => ctx.guestReset() });
    registerRanges(ctx.ports, kbc.portRanges());
    return kbc;
  },
  port80(cfg, path, ctx) {
    const o = port80Options(cfg.options, `${path}.options`);
    const post = new PostPort({ name: cfg.id, onPost: o.print ? (c) => ctx.log(`POST 0x${c.toString(16)}`) : undefined });
    ctx.ports.register(POST_PORT, 1, post);
    return post;
  },
  lapic(cfg, path, ctx, _irqs, platform) {
    const o = lapicOptions(cfg.options, `${path}.options`);
    if (platform.out.lapics.length) throw new ConfigError(`${path}.class`, 'a VM has one lapic device (it gives every vCPU its local APIC)');
    const lapics = Array.from({ length: ctx.cores }, (_, i) => new LocalApic({
      name: `${cfg.id}${i}`, id: i, bus: platform.apicBus, clock: ctx.clock, time: () => ctx.now(), timerHz: o.timerHz, bsp: i === 0,
    }));
    // One MMIO page for all of them: each vCPU sees its own APIC there.
    const router: MmioDevice = {
      name: cfg.id,
      mmioRead: (off, size) => lapics[ctx.currentCpu()].mmioRead(off, size),
      mmioWrite: (off, size, v) => lapics[ctx.currentCpu()].mmioWrite(off, size, v),
    };
    ctx.mmio.register(LAPIC_BASE, 0x1000, router);
    platform.out.lapics = lapics;
    return lapics;
  },
  hpet(cfg, path, ctx, _irqs, platform) {
    noOptions(cfg.options, `${path}.options`);
    const r = platform.router;
    const gsis: IrqSink = { setIrqLevel: (line, level) => platform.out.ioapic?.setIrqLevel(line, level) };
    const hpet = new Hpet({
      name: cfg.id, clock: ctx.clock, time: () => ctx.now(), irqs: gsis, legacyIrqs: r.hpetLegacy,
      onLegacyReplacement: (on) => r.setLegacyReplacement(on),
    });
    ctx.mmio.register(HPET_BASE, 0x400, hpet);
    platform.out.hpet = hpet;
    return hpet;
  },
  'acpi-pm'(cfg, path, ctx, irqs, platform) {
    const o = acpiPmOptions(cfg.options, `${path}.options`);
    const pm = new AcpiPm({ name: cfg.id, time: () => ctx.now(), sci: new IrqLine(irqs, o.sci), onPowerOff: () => ctx.powerOff() });
    ctx.ports.register(o.port, 12, pm);
    platform.out.acpiPm = { device: pm, base: o.port, sci: o.sci };
    return pm;
  },
  pci(cfg, path, ctx, _irqs, platform) {
    noOptions(cfg.options, `${path}.options`);
    const pci = new PciHost({ name: cfg.id, onReset: () => ctx.guestReset() });
    ctx.ports.register(PCI_CONFIG_PORT, PCI_CONFIG_PORTS, pci);
    platform.out.pci = pci;
    return pci;
  },
  'virtio-blk': (cfg, path, ctx, _irqs, platform) => VIRTIO_FACTORIES['virtio-blk'](cfg, path, ctx, platform),
  'virtio-console': (cfg, path, ctx, _irqs, platform) => VIRTIO_FACTORIES['virtio-console'](cfg, path, ctx, platform),
  'virtio-net': (cfg, path, ctx, _irqs, platform) => attachVirtioNet(cfg, path, ctx, platform),
  generic(cfg, path, ctx) {
    const o = genericOptions(cfg.options, `${path}.options`);
    const g = new GenericPorts({ name: cfg.id, base: o.base, length: o.length, mode: o.mode as 'ignore' | 'print', print: (l) => ctx.log(l) });
    ctx.ports.register(o.base, o.length, g);
    return g;
  },
};

const CONTROLLERS = ['pic8259', 'ioapic'];
export const DEVICE_CLASSES: readonly string[] = [...CONTROLLERS, ...Object.keys(FACTORIES)];

export function attachDevices(configs: DeviceConfig[], ctx: AttachContext): Attached {
  const devices: Device[] = [];
  const out: Attached = { devices, interrupts: undefined, lapics: [], ioapic: undefined, hpet: undefined, acpiPm: undefined, pci: undefined, i8042: false };
  const platform: Platform = { router: new IsaIrqRouter(), apicBus: new ApicBus(), out };
  const irqs: IrqSink = platform.router;
  const wrap = <T>(i: number, cfg: DeviceConfig, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`devices[${i}]`, `cannot attach device "${cfg.id}": ${(e as Error).message}`);
    }
  };
  for (const cls of CONTROLLERS) {
    const found = configs.map((c, i) => [c, i] as const).filter(([c]) => c.class === cls);
    if (found.length > 1) throw new ConfigError(`devices[${found[1][1]}].class`, `a VM has at most one ${cls}`);
    for (const [cfg, i] of found) {
      wrap(i, cfg, () => {
        if (cls === 'pic8259') {
          noOptions(cfg.options, `devices[${i}].options`);
          const pic = new Pic8259({ name: cfg.id });
          registerRanges(ctx.ports, pic.portRanges());
          devices.push(pic);
          out.interrupts = pic;
          platform.router.pic = pic;
        } else {
          const o = ioapicOptions(cfg.options, `devices[${i}].options`);
          const io = new IoApic({ name: cfg.id, id: o.id ?? Math.min(ctx.cores, 15), bus: platform.apicBus });
          ctx.mmio.register(IOAPIC_BASE, 0x1000, io);
          devices.push(io);
          out.ioapic = io;
          platform.router.ioapic = io;
        }
      });
    }
  }
  configs.forEach((cfg, i) => {
    if (CONTROLLERS.includes(cfg.class)) return;
    const f = FACTORIES[cfg.class];
    if (!f) throw new ConfigError(`devices[${i}].class`, `unknown device class "${cfg.class}" (known: ${DEVICE_CLASSES.join(', ')})`);
    const made = wrap(i, cfg, () => f(cfg, `devices[${i}]`, ctx, irqs, platform));
    devices.push(...(Array.isArray(made) ? made : [made]));
  });
  return out;
}
