// Builds a VM's devices from its config: each device class validates its own options (errors name
// the config path) and attaches itself to the VM's buses, interrupt lines and consoles.
import { DebugExit, DEBUG_EXIT_PORT, type Device, Uart16550 } from '@serval/devices';
import { IrqLine, type IrqSink, type MmioBus, type PortBus } from '@serval/machine';
import type { DeviceConfig } from '../config/vm-config.js';
import { int, object, withDefault } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { ConsoleStream } from '../host.js';

export interface AttachContext {
  readonly vmName: string;
  readonly ports: PortBus;
  readonly mmio: MmioBus;
  readonly irqs: IrqSink;
  console(name: string): ConsoleStream;
  /** The guest asked to end the run with a status (debug-exit device). */
  guestExit(status: number): void;
}

type Factory = (cfg: DeviceConfig, path: string, ctx: AttachContext) => Device;

const uartOptions = object({
  port: withDefault(int({ min: 0, max: 0xfff8 }), 0x3f8),
  irq: withDefault(int({ min: 0, max: 23 }), 4),
});

const debugExitOptions = object({
  port: withDefault(int({ min: 0, max: 0xffff }), DEBUG_EXIT_PORT),
});

const FACTORIES: Record<string, Factory> = {
  uart16550(cfg, path, ctx) {
    const o = uartOptions(cfg.options, `${path}.options`);
    const con = ctx.console(`${ctx.vmName}.${cfg.id}`);
    const uart = new Uart16550({ name: cfg.id, onOutput: (b) => con.write(Uint8Array.of(b)), irq: new IrqLine(ctx.irqs, o.irq) });
    con.onInput((bytes) => uart.receive(bytes));
    ctx.ports.register(o.port, 8, uart);
    return uart;
  },
  'debug-exit'(cfg, path, ctx) {
    const o = debugExitOptions(cfg.options, `${path}.options`);
    const dev = new DebugExit(cfg.id, (s) => ctx.guestExit(s));
    ctx.ports.register(o.port, 1, dev);
    return dev;
  },
};

export const DEVICE_CLASSES: readonly string[] = Object.keys(FACTORIES);

export function attachDevices(configs: DeviceConfig[], ctx: AttachContext): Device[] {
  return configs.map((cfg, i) => {
    const f = FACTORIES[cfg.class];
    if (!f) throw new ConfigError(`devices[${i}].class`, `unknown device class "${cfg.class}" (known: ${DEVICE_CLASSES.join(', ')})`);
    try {
      return f(cfg, `devices[${i}]`, ctx);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`devices[${i}]`, `cannot attach device "${cfg.id}": ${(e as Error).message}`);
    }
  });
}
