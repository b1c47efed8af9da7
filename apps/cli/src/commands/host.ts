// serval host boot: a Linux-like host loads the hypervisor as a module (Palacios in Linux), then
// drives it through /dev/v3vee and /dev/v3-vmN as the v3_* tools do.
import { LinuxHost, v3veeModule } from '@serval/host-linux-shim';
import { intOption, parseArgs, sizeOption, UsageError } from '../args.js';
import { NodeHostIo } from '../host-io.js';
import { VM_OPTIONS, readFileOrBuiltin, vmConfigFrom } from '../vm-setup.js';

const HOST_OPTIONS = {
  ...VM_OPTIONS,
  'host-cores': { value: true, help: 'cores of the host machine (default: vCPUs + 1)' },
  'host-memory': { value: true, help: 'memory of the host machine (default: guest memory + 256M)' },
};

export function hostCommand(argv: string[], log: (msg: string) => void): number {
  const [sub, ...rest] = argv;
  if (sub !== 'boot') throw new UsageError(sub ? `unknown host subcommand "${sub}" (try: serval host boot)` : 'host needs a subcommand: serval host boot [config.json] [options]');
  const p = parseArgs(rest, HOST_OPTIONS, 'host boot');
  const cfg = vmConfigFrom(p);
  const io = new NodeHostIo();
  const MB = 1024 * 1024;
  const hostCores = intOption(p.options.get('host-cores'), 'host-cores', cfg.cores.length + 1, 2, 256);
  const hostMem = sizeOption(p.options.get('host-memory'), 'host-memory', cfg.memory + 256 * MB);
  const host = new LinuxHost({
    cores: hostCores, memory: hostMem, readFile: readFileOrBuiltin,
    terminal: (b) => io.write(1, b), log: (m) => { if (!m.endsWith(': loaded') && !m.endsWith(': unloaded')) log(m); },
  });
  const vmCpus = Array.from({ length: cfg.cores.length }, (_, i) => i + 1).join(',');
  host.insmod(v3veeModule({ forwardConsoles: true }), { cpus: vmCpus, mem: `${Math.ceil((cfg.memory + 2 * MB) / (2 * MB)) * 2}M` });
  const ctl = host.dev.open('/dev/v3vee');
  const id = ctl.ioctl('create', cfg) as number;
  const vmf = host.dev.open(`/dev/v3-vm${id}`);
  vmf.ioctl('launch');
  const outcome = host.run(() => vmf.ioctl('state') !== 'running');
  if (vmf.ioctl('state') === 'running') vmf.ioctl('stop');
  const info = vmf.ioctl('inspect') as { stopReason?: { kind: string; status?: number; message?: string }; instructions: number; exits: Record<string, number> };
  if (p.options.has('stats')) log(`instructions=${info.instructions} virtual_ns=${Math.round(host.node.clock.now)} exits: ${Object.entries(info.exits).map(([k, n]) => `${k}=${n}`).join(' ')}`);
  ctl.ioctl('free', id);
  host.rmmod('v3vee');
  const r = info.stopReason;
  if (r?.kind === 'guest-exit') return r.status ?? 0;
  log(r?.kind === 'error' ? `VM failed: ${r.message}` : `VM did not finish (${outcome.kind})`);
  return 1;
}
