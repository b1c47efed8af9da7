// Builds a VM's devices from its config: each device class validates its own options (errors name
// the config path) and attaches itself to the VM's buses, interrupt lines and consoles. The
// interrupt controller is built first, so every other device's IRQ line reaches it.
import {
  DebugExit, DEBUG_EXIT_PORT, type Device, GenericPorts, I8042, Pic8259, Pit8254, PIT_PORT, PostPort,
  POST_PORT, PORT61, type PortRange, Rtc146818, RTC_PORT, SystemControlPort, Uart16550,
} from '@serval/devices';
import { IrqLatch, IrqLine, type IrqSink, type MmioBus, type PortBus, type VirtualClock } from '@serval/machine';
import type { DeviceConfig } from '../config/vm-config.js';
import { bool, int, object, optional, required, str, withDefault } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { ConsoleStream } from '../host.js';
import type { InterruptSource } from '../vcpu.js';

export interface AttachContext {
  readonly vmName: string;
  readonly ports: PortBus;
  readonly mmio: MmioBus;
  readonly clock: VirtualClock;
  /** Guest memory size (the RTC's CMOS reports it as firmware would). */
  readonly memory: number;
  /** Virtual time as the vCPU touching a device sees it (devices read time mid-slice). */
  now(): number;
  console(name: string): ConsoleStream;
  /** The guest asked to end the run with a status (debug-exit device). */
  guestExit(status: number): void;
  /** The guest pulsed the reset line (i8042 0xFE). */
  guestReset(): void;
  log(msg: string): void;
}

export interface Attached {
  devices: Device[];
  /** The interrupt controller the vCPUs take external interrupts from, if the VM has one. */
  interrupts: InterruptSource | undefined;
}

type Factory = (cfg: DeviceConfig, path: string, ctx: AttachContext, irqs: IrqSink) => Device;

const uartOptions = object({
  port: withDefault(int({ min: 0, max: 0xfff8 }), 0x3f8),
  irq: withDefault(int({ min: 0, max: 15 }), 4),
});
const debugExitOptions = object({ port: withDefault(int({ min: 0, max: 0xffff }), DEBUG_EXIT_PORT) });
const noOptions = object({});
const rtcOptions = object({ start: optional(str()) });
const i8042Options = object({ keyboard: withDefault(bool(), true) });
const port80Options = object({ print: withDefault(bool(), false) });
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
  i8042(cfg, path, ctx, irqs) {
    const o = i8042Options(cfg.options, `${path}.options`);
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
  generic(cfg, path, ctx) {
    const o = genericOptions(cfg.options, `${path}.options`);
    const g = new GenericPorts({ name: cfg.id, base: o.base, length: o.length, mode: o.mode as 'ignore' | 'print', print: (l) => ctx.log(l) });
    ctx.ports.register(o.base, o.length, g);
    return g;
  },
};

export const DEVICE_CLASSES: readonly string[] = ['pic8259', ...Object.keys(FACTORIES)];

export function attachDevices(configs: DeviceConfig[], ctx: AttachContext): Attached {
  const devices: Device[] = [];
  let interrupts: InterruptSource | undefined;
  let irqs: IrqSink = new IrqLatch();
  const wrap = <T>(i: number, cfg: DeviceConfig, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`devices[${i}]`, `cannot attach device "${cfg.id}": ${(e as Error).message}`);
    }
  };
  const pics = configs.map((c, i) => [c, i] as const).filter(([c]) => c.class === 'pic8259');
  if (pics.length > 1) throw new ConfigError(`devices[${pics[1][1]}].class`, 'a VM has at most one pic8259 pair');
  for (const [cfg, i] of pics) {
    wrap(i, cfg, () => {
      noOptions(cfg.options, `devices[${i}].options`);
      const pic = new Pic8259({ name: cfg.id });
      registerRanges(ctx.ports, pic.portRanges());
      devices.push(pic);
      interrupts = pic;
      irqs = pic;
    });
  }
  configs.forEach((cfg, i) => {
    if (cfg.class === 'pic8259') return;
    const f = FACTORIES[cfg.class];
    if (!f) throw new ConfigError(`devices[${i}].class`, `unknown device class "${cfg.class}" (known: ${DEVICE_CLASSES.join(', ')})`);
    devices.push(wrap(i, cfg, () => f(cfg, `devices[${i}]`, ctx, irqs)));
  });
  return { devices, interrupts };
}
