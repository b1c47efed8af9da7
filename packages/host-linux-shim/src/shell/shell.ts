// A host shell: runs the host's tools (insmod, rmmod, cat /proc/..., the v3_* tools) one command
// line at a time against one LinuxHost, as a user would at a root prompt. Scripts are lists of
// such lines; the CLI's `serval host script` and `serval host v3` are thin wrappers around it.
import { parseVmConfig, readConfigText, tickerVmConfig, type VmConfig } from '@serval/hypervisor';
import { ServalError } from '@serval/x86';
import { ShimError } from '../errors.js';
import type { LinuxHost } from '../host.js';
import { parseModuleOptions } from '../module.js';
import { v3veeModule } from '../v3vee/module.js';
import type { VmInfo } from '../v3vee/vm-file.js';

export interface ShellIo {
  /** Command output (text lines). */
  out(text: string): void;
  /** VM console bytes, once attached with v3_cons. */
  terminal(bytes: Uint8Array): void;
}

/** A failed script line: keeps the failed command's stable code, with the line in the message. */
export class ScriptError extends ServalError {
  constructor(readonly where: string, readonly failure: ServalError) {
    super(failure.code, `${where}: ${failure.message}`, { cause: failure });
  }
}

type Cmd = { args: string; help: string; run: (sh: HostShell, a: string[]) => void };

const MB = 1024 * 1024;

/** Built-in guests: `v3_create builtin:demo` needs no config file. */
function builtinConfig(name: string): unknown {
  switch (name) {
    case 'builtin:demo':
      return { name: 'demo', memory: '32M', kernel: { path: 'builtin:demo' }, devices: [{ id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }] };
    case 'builtin:ticker':
      return tickerVmConfig('builtin:ticker');
    default:
      throw new ShimError('ENOENT', `no built-in guest "${name}" (there are builtin:demo and builtin:ticker)`, 2);
  }
}

function usage(cmd: string, a: string[], min: number, max = min): void {
  if (a.length < min || a.length > max) throw new ShimError('EINVAL', `usage: ${cmd} ${COMMANDS[cmd].args}`);
}

export const COMMANDS: Record<string, Cmd> = {
  insmod: {
    args: 'v3vee [cpus=LIST] [mem=SIZE]', help: 'load the hypervisor module: cores go offline, memory leaves the host allocator',
    run: (sh, a) => { usage('insmod', a, 1, 8); sh.insmod(a[0], a.slice(1)); },
  },
  rmmod: { args: 'v3vee', help: 'unload it (refused while VMs exist)', run: (sh, a) => { usage('rmmod', a, 1); sh.host.rmmod(a[0]); } },
  lsmod: { args: '', help: 'loaded modules and their options', run: (sh, a) => { usage('lsmod', a, 0); sh.io.out(sh.host.proc('/proc/modules')); } },
  cat: { args: 'FILE', help: '/proc/cpus, /proc/meminfo, /proc/iomem, /proc/modules, /proc/v3vee', run: (sh, a) => { usage('cat', a, 1); sh.io.out(sh.host.proc(a[0])); } },
  ls: {
    args: '[/dev|/proc]', help: 'device files or /proc files',
    run: (sh, a) => { usage('ls', a, 0, 1); const d = a[0] ?? '/dev'; if (d !== '/dev' && d !== '/proc') throw new ShimError('ENOENT', `ls: ${d}: not a directory this host lists (try /dev or /proc)`, 2); sh.io.out((d === '/dev' ? sh.host.dev.list() : sh.host.procFiles()).join('\n') + '\n'); },
  },
  echo: { args: 'TEXT...', help: 'print a line', run: (sh, a) => sh.io.out(`${a.join(' ')}\n`) },
  try: {
    args: 'COMMAND...', help: 'run a command; if it fails, print "error CODE: message" and go on (the failed command changed nothing)',
    run: (sh, a) => {
      if (!a.length) throw new ShimError('EINVAL', `usage: try ${COMMANDS.try.args}`);
      try {
        sh.exec(a.map((w) => (/[\s"'#]/.test(w) ? `"${w}"` : w)).join(' '));
      } catch (e) {
        if (!(e instanceof ServalError)) throw e;
        sh.io.out(`error ${e.code}: ${e.message}\n`);
      }
    },
  },
  run: {
    args: 'MS', help: 'run the host (every VM on it) for at least MS ms of virtual time',
    run: (sh, a) => { usage('run', a, 1); const until = sh.host.node.clock.now + msArg(a[0]) * 1e6; sh.host.run(() => sh.host.node.clock.now >= until); },
  },
  v3_mem: { args: 'SIZE', help: 'give the module another contiguous block of host memory', run: (sh, a) => { usage('v3_mem', a, 1); sh.ctl().ioctl('add-memory', a[0]); } },
  v3_cpus: { args: 'LIST', help: 'give the module more cores (taken offline)', run: (sh, a) => { usage('v3_cpus', a, 1); sh.ctl().ioctl('add-cpus', a[0]); } },
  v3_create: {
    args: 'CONFIG(.json|.yaml|.xml)|builtin:demo|builtin:ticker [NAME]', help: 'create a VM (prints its id and device file)',
    run: (sh, a) => {
      usage('v3_create', a, 1, 2);
      const cfg = sh.config(a[0], a[1]);
      const id = sh.ctl().ioctl('create', cfg) as number;
      sh.io.out(`vm${id} ${cfg.name}: /dev/v3-vm${id}\n`);
    },
  },
  v3_free: { args: 'VM', help: 'free a created or stopped VM: its cores and memory return to the module', run: (sh, a) => { usage('v3_free', a, 1); sh.ctl().ioctl('free', sh.vmId(a[0])); } },
  v3_list: {
    args: '', help: 'VMs and their states',
    run: (sh, a) => { usage('v3_list', a, 0); for (const v of sh.ctl().ioctl('list') as { id: number; name: string; state: string }[]) sh.io.out(`vm${v.id} ${v.name} ${v.state}\n`); },
  },
  v3_launch: { args: 'VM', help: 'start a created VM (it runs while the host runs: v3_wait, run)', run: (sh, a) => sh.vmOp('v3_launch', a, 'launch') },
  v3_stop: { args: 'VM', help: 'stop a running or paused VM', run: (sh, a) => sh.vmOp('v3_stop', a, 'stop') },
  v3_pause: { args: 'VM', help: 'pause a running VM', run: (sh, a) => sh.vmOp('v3_pause', a, 'pause') },
  v3_continue: { args: 'VM', help: 'continue a paused (or just loaded) VM', run: (sh, a) => sh.vmOp('v3_continue', a, 'continue') },
  v3_cons: {
    args: 'VM', help: 'attach the VM\'s console to the terminal (output so far first)',
    run: (sh, a) => { usage('v3_cons', a, 1); sh.vm(a[0]).ioctl('console', (b: Uint8Array) => sh.io.terminal(b)); },
  },
  v3_save: {
    args: 'VM FILE', help: 'save the whole VM to a checkpoint file (a running VM is paused for it)',
    run: (sh, a) => { usage('v3_save', a, 2); const n = sh.vm(a[0]).ioctl('save', a[1]) as number; sh.io.out(`saved ${a[1]} (${n} bytes)\n`); },
  },
  v3_load: {
    args: 'VM FILE', help: 'load a checkpoint into a created, paused or stopped VM of the same configuration; it is left paused',
    run: (sh, a) => { usage('v3_load', a, 2); sh.vm(a[0]).ioctl('load', a[1]); },
  },
  v3_simulate: {
    args: 'VM MS', help: 'run the VM for MS ms of its own time, then pause it (at a scheduling boundary)',
    run: (sh, a) => { usage('v3_simulate', a, 2); sh.vm(a[0]).ioctl('simulate', msArg(a[1])); },
  },
  v3_move_vcore: {
    args: 'VM VCPU CORE', help: 'move a vCPU to another of the module\'s cores',
    run: (sh, a) => { usage('v3_move_vcore', a, 3); sh.vm(a[0]).ioctl('move-core', { vcpu: a[1], core: a[2] }); },
  },
  v3_inspect: {
    args: 'VM', help: 'state, instructions, virtual time, exits, vCPUs and memory of a VM',
    run: (sh, a) => {
      usage('v3_inspect', a, 1);
      const i = sh.vm(a[0]).ioctl('inspect') as VmInfo;
      const why = i.stopReason ? ` (${i.stopReason.kind}${'status' in i.stopReason ? ` ${i.stopReason.status}` : ''}${'message' in i.stopReason ? `: ${i.stopReason.message}` : ''})` : '';
      const exits = Object.entries(i.exits).map(([k, n]) => `${k}=${n}`).join(' ') || 'none';
      sh.io.out(`vm${i.id} ${i.name} ${i.state}${why} instructions=${i.instructions} time_ns=${Math.round(i.timeNs)} exits: ${exits}\n`
        + i.vcpus.map((v) => `  vcpu${v.index} on cpu${v.hostCore} rip=${hex64(v.rip)}${v.halted ? ' halted' : ''}\n`).join('')
        + i.memory.map((m) => `  memory ${Math.floor(m.size / MB)} MiB at host 0x${m.start.toString(16)}\n`).join(''));
    },
  },
  v3_wait: {
    args: 'VM [MS]', help: 'run the host until the VM stops (or at least MS ms pass); prints how it stopped',
    run: (sh, a) => {
      usage('v3_wait', a, 1, 2);
      const f = sh.vm(a[0]);
      if (f.ioctl('state') !== 'running') throw new ShimError('EINVAL', `v3_wait: ${a[0]} is ${String(f.ioctl('state'))}, not running`);
      // A time limit ends the run at a scheduling boundary, as v3_simulate does, so what follows
      // (a save, a move) sees the VM exactly where an uninterrupted run passes too.
      const until = a[1] === undefined ? Infinity : sh.host.node.clock.now + msArg(a[1]) * 1e6;
      sh.host.run(() => f.ioctl('state') !== 'running' || sh.host.node.clock.now >= until);
      const i = f.ioctl('inspect') as VmInfo;
      const r = i.stopReason;
      sh.io.out(i.state === 'running' ? `vm${i.id} still running\n` : `vm${i.id} ${i.state}: ${!r ? 'no reason' : r.kind === 'guest-exit' ? `guest exit status ${r.status}` : r.kind === 'error' ? `error: ${r.message}` : r.kind}\n`);
    },
  },
};

export const SHELL_COMMANDS: readonly string[] = Object.keys(COMMANDS);

/** A 64-bit address kept as a JS number (negative for the upper half) in hex. */
function hex64(v: number): string {
  return `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
}

function msArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 3_600_000) throw new ShimError('EINVAL', `"${v}" is not a whole number of milliseconds from 1 to 3600000`);
  return Number(v);
}

/** Splits a command line into words; "double" and 'single' quotes group words. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

export class HostShell {
  constructor(readonly host: LinuxHost, readonly io: ShellIo) {}

  insmod(name: string, args: string[]): void {
    if (name !== 'v3vee') throw new ShimError('ENOENT', `insmod: no module named ${name} (this host has v3vee)`, 2);
    this.host.insmod(v3veeModule(), parseModuleOptions(args));
  }

  ctl() {
    if (!this.host.loaded('v3vee')) throw new ShimError('ENOENT', '/dev/v3vee: no such device (insmod v3vee first)', 2);
    return this.host.dev.open('/dev/v3vee');
  }

  /** A VM named by id ("0"), "vm0", its device file or its name. */
  vmId(arg: string): number {
    const m = /^(?:\/dev\/v3-vm|vm)?(\d+)$/.exec(arg);
    if (m) return Number(m[1]);
    const list = this.ctl().ioctl('list') as { id: number; name: string }[];
    const v = list.find((x) => x.name === arg);
    if (!v) throw new ShimError('ENOENT', `no VM "${arg}" (name a VM by id, vmN, /dev/v3-vmN or its name)`, 2);
    return v.id;
  }

  vm(arg: string) {
    this.ctl();
    return this.host.dev.open(`/dev/v3-vm${this.vmId(arg)}`);
  }

  vmOp(cmd: string, a: string[], op: string): void {
    usage(cmd, a, 1);
    this.vm(a[0]).ioctl(op);
  }

  config(src: string, name?: string): VmConfig {
    // A config file in any format vm boot reads: JSON, YAML or Palacios XML.
    const raw = src.startsWith('builtin:') ? builtinConfig(src) : readConfigText(new TextDecoder().decode(this.host.readFile(src)), src);
    return parseVmConfig(name ? { ...(raw as object), name } : raw);
  }

  /** Runs one command line. */
  exec(line: string): void {
    const words = splitWords(line.replace(/(^|\s)#.*$/, ''));
    if (!words.length) return;
    const [name, ...args] = words;
    const cmd = COMMANDS[name];
    if (!cmd) throw new ShimError('ENOENT', `${name}: command not found (commands: ${SHELL_COMMANDS.join(', ')})`, 2);
    cmd.run(this, args);
  }

  /** Runs a script, stopping at the first failing line. */
  script(text: string, file = 'script'): void {
    text.split('\n').forEach((line, i) => {
      try {
        this.exec(line);
      } catch (e) {
        if (e instanceof ServalError) throw new ScriptError(`${file}:${i + 1}: ${line.trim()}`, e);
        throw e;
      }
    });
  }
}

export function shellHelp(): string {
  return Object.entries(COMMANDS).map(([n, c]) => `  ${`${n} ${c.args}`.padEnd(58)}${c.help}`).join('\n');
}
