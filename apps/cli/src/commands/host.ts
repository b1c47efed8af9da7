// serval host: a Linux-like host that loads the hypervisor as a module (Palacios in Linux) and
// drives it through /dev/v3vee and /dev/v3-vmN with the v3_* tools. Every serval invocation is a
// fresh host, so the tools run as a sequence against one host: a script file (`host script`), or
// commands on the command line joined by "+" (`host v3`). Checkpoint files carry a VM from one
// invocation to the next.
import { writeFileSync } from 'node:fs';
import { buildTickerGuest } from '@serval/hypervisor';
import { HostShell, LinuxHost, SHELL_COMMANDS, shellHelp, v3veeModule } from '@serval/host-linux-shim';
import { ServalError } from '@serval/x86';
import { intOption, type OptionSpec, parseArgs, sizeOption, UsageError } from '../args.js';
import { FileError, NodeHostIo, readHostFile } from '../host-io.js';
import { NET_OPTIONS, netFromOptions } from '../net-options.js';
import { openHostDisk } from '../host-disk.js';
import { VM_OPTIONS, readFileOrBuiltin, vmConfigFrom } from '../vm-setup.js';

const MB = 1024 * 1024;

const MACHINE_OPTIONS: Record<string, OptionSpec> = {
  'host-cores': { value: true, help: 'cores of the host machine (default: 4; boot: vCPUs + 1)' },
  'host-memory': { value: true, help: 'memory of the host machine (default: 512M; boot: guest memory + 256M)' },
  ...NET_OPTIONS,
};

const BOOT_OPTIONS = { ...VM_OPTIONS, ...MACHINE_OPTIONS };

export const HOST_HELP = `usage:
  serval host boot [config.json] [options]   load v3vee, create the VM through /dev/v3vee, run it to the end
  serval host script FILE|- [options]        run a script of host commands (one per line, # comments) against one host
  serval host v3 CMD [ARGS] [+ CMD [ARGS]]... run host commands given on the command line, joined by "+";
                                             "v3_" may be left off; insmod v3vee runs first if no command loads it

Each serval invocation boots a fresh host: run a sequence of commands in one invocation, and carry
a VM from one invocation to the next in a checkpoint file (v3_save, then v3_create + v3_load).
A VM runs only while the host runs: v3_wait, v3_simulate or run. Guest consoles print once attached
(v3_cons). The first failing command stops the sequence (exit status 1; stderr names the command
and ends with the failure's stable code, e.g. [CKPT_CHECKSUM]); "try COMMAND" reports and goes on.

host commands:
${shellHelp()}

Built-in guests: builtin:demo (prints and exits), builtin:ticker (timer interrupts, prints hashes),
builtin:lwk-guest (an LWK owning all its vCPUs and memory; host files by hypercall — its config
lists them: docs/examples/lwk-guest.json).
VM arguments: an id (0), vm0, /dev/v3-vm0 or the VM's name.

examples:
  serval host v3 create builtin:ticker + launch 0 + cons 0 + wait 0
  serval host v3 create builtin:ticker + simulate 0 3 + save 0 t.ckpt
  serval host v3 create builtin:ticker + load 0 t.ckpt + cons 0 + continue 0 + wait 0 + inspect 0
  serval host v3 --host-cores 3 insmod v3vee cpus=1-2 mem=64M + cat /proc/v3vee + cat /proc/iomem

options of boot:
${Object.entries(BOOT_OPTIONS).map(([k, s]) => `  --${k}${s.value ? ' VALUE' : ''}`.padEnd(24) + s.help).join('\n')}

options of script and v3:
${Object.entries(MACHINE_OPTIONS).map(([k, s]) => `  --${k}${s.value ? ' VALUE' : ''}`.padEnd(24) + s.help).join('\n')}`;

/** Host files, the built-in guests, and checkpoints written to the real file system. */
function hostFiles(path: string): Uint8Array {
  if (path === 'builtin:ticker') return buildTickerGuest();
  return readFileOrBuiltin(path);
}

function writeHostFile(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new FileError('CANNOT_WRITE', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

function bootHost(cores: number, memory: number, io: NodeHostIo, log: (msg: string) => void, options: Map<string, string>): LinuxHost {
  const net = netFromOptions(options, log);
  return new LinuxHost({
    cores, memory, readFile: hostFiles, writeFile: writeHostFile, openDisk: openHostDisk, netLink: net.link, netNat: net.nat,
    terminal: (b) => io.write(1, b), log: (m) => { if (!m.endsWith(': loaded') && !m.endsWith(': unloaded')) log(m); },
  });
}

export function hostCommand(argv: string[], log: (msg: string) => void): number {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'boot': return boot(rest, log);
    case 'script': return script(rest, log);
    case 'v3': return v3(rest, log);
    case 'help': case '--help': case '-h':
      process.stdout.write(`${HOST_HELP}\n`);
      return 0;
    default:
      throw new UsageError(sub ? `unknown host subcommand "${sub}" (try: serval host boot|script|v3, or serval host help)` : 'host needs a subcommand: serval host boot|script|v3 (see serval host help)');
  }
}

function machine(p: { options: Map<string, string> }): { cores: number; memory: number; options: Map<string, string> } {
  return {
    options: p.options,
    cores: intOption(p.options.get('host-cores'), 'host-cores', 4, 2, 256),
    memory: sizeOption(p.options.get('host-memory'), 'host-memory', 512 * MB),
  };
}

/** Runs command lines against one fresh host; a failing line ends the run with status 1. */
function runLines(lines: string[], file: string, m: ReturnType<typeof machine>, log: (msg: string) => void, prelude: string[] = []): number {
  const io = new NodeHostIo();
  const host = bootHost(m.cores, m.memory, io, log, m.options);
  const sh = new HostShell(host, { out: (s) => io.write(1, new TextEncoder().encode(s)), terminal: (b) => io.write(1, b) });
  try {
    sh.script(prelude.join('\n'), 'implicit');
    sh.script(lines.join('\n'), file);
  } catch (e) {
    // The code is the failure's stable name (EINVAL, NO_SUCH_VM, CKPT_CHECKSUM, ...), for scripts to test.
    if (e instanceof ServalError) { log(`${e.message} [${e.code}]`); return 1; }
    throw e;
  }
  return 0;
}

function script(argv: string[], log: (msg: string) => void): number {
  const p = parseArgs(argv, MACHINE_OPTIONS, 'host script');
  if (p.positionals.length !== 1) throw new UsageError('host script takes one script file (or - for standard input)');
  const file = p.positionals[0];
  const text = file === '-' ? new TextDecoder().decode(new NodeHostIo().readAll(0)) : new TextDecoder().decode(readHostFile(file));
  return runLines(text.split('\n'), file === '-' ? 'stdin' : file, machine(p), log);
}

function v3(argv: string[], log: (msg: string) => void): number {
  const p = parseArgs(argv, MACHINE_OPTIONS, 'host v3', true);
  if (!p.positionals.length) throw new UsageError('host v3 needs a command, e.g. serval host v3 create builtin:demo + launch 0 + cons 0 + wait 0');
  const m = machine(p);
  const cmds: string[][] = [[]];
  for (const w of p.positionals) {
    if (w === '+') cmds.push([]);
    else cmds[cmds.length - 1].push(w);
  }
  if (cmds.some((c) => c.length === 0)) throw new UsageError('host v3: an empty command between "+" signs');
  const v3name = (n: string) => (SHELL_COMMANDS.includes(n) || !SHELL_COMMANDS.includes(`v3_${n}`) ? n : `v3_${n}`);
  const lines = cmds.map(([name, ...args]) => [v3name(name), ...(name === 'try' && args.length ? [v3name(args[0]), ...args.slice(1)] : args)].map(quote).join(' '));
  // Unless told otherwise, the module takes every core but the boot cpu and half the host's memory.
  const prelude = cmds.some(([name]) => name === 'insmod') ? [] : [`insmod v3vee cpus=1-${m.cores - 1} mem=${Math.floor(m.memory / 2 / (2 * MB)) * 2}M`];
  return runLines(lines, 'command', m, log, prelude);
}

function quote(w: string): string {
  return /[\s"'#]/.test(w) ? `"${w.replace(/"/g, '')}"` : w;
}

function boot(rest: string[], log: (msg: string) => void): number {
  const p = parseArgs(rest, BOOT_OPTIONS, 'host boot');
  const cfg = vmConfigFrom(p);
  const io = new NodeHostIo();
  const hostCores = intOption(p.options.get('host-cores'), 'host-cores', cfg.cores.length + 1, 2, 256);
  const hostMem = sizeOption(p.options.get('host-memory'), 'host-memory', cfg.memory + 256 * MB);
  const host = bootHost(hostCores, hostMem, io, log, p.options);
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
