// serval run: an unmodified static Linux program, straight on the LWK.
import { Node } from '@serval/machine';
import { Lwk } from '@serval/lwk';
import { freqOption, intOption, parseArgs, sizeOption, UsageError, type OptionSpec } from '../args.js';
import { NodeHostIo, readHostFile } from '../host-io.js';
import { HostFs } from '../hostfs.js';

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  memory: { value: true, help: 'node memory (default 512M)' },
  root: { value: true, help: 'a host directory as the program\'s private root file system' },
  stack: { value: true, help: 'stack size (default 8M)' },
  cores: { value: true, help: 'cores of the node (default 1)' },
  freq: { value: true, help: 'core clock, e.g. 2GHz (default 1GHz)' },
  stats: { value: false, help: 'print instructions and virtual time to stderr at the end' },
};

export function runCommand(argv: string[], log: (msg: string) => void): number {
  const p = parseArgs(argv, RUN_OPTIONS, 'run', true);
  const [program, ...args] = p.positionals;
  if (!program) throw new UsageError('run needs a program: serval run <program> [args...]');
  const o = p.options;
  const io = new NodeHostIo();
  const bytes = readHostFile(program);
  const node = new Node({
    cores: intOption(o.get('cores'), 'cores', 1, 1, 256),
    memory: sizeOption(o.get('memory'), 'memory', 512 * 1024 * 1024),
    freqHz: freqOption(o.get('freq'), 'freq', 1e9),
  });
  const root = o.get('root');
  const fs = root ? new HostFs(root) : new HostFs('/');
  const lwk = new Lwk(node, {
    io, log: (m) => log(m), fs, cwd: root ? '/' : process.cwd(),
    stackSize: sizeOption(o.get('stack'), 'stack', 8 * 1024 * 1024),
  });
  const env = ['PATH=/usr/local/bin:/usr/bin:/bin', `HOME=${root ? '/' : process.env.HOME ?? '/'}`, 'TERM=dumb', 'LANG=C'];
  const task = lwk.spawn(bytes, { argv: [program, ...args], path: program, envp: env });
  const outcome = lwk.run();
  if (o.has('stats')) {
    log(`instructions=${node.cores.reduce((a, c) => a + c.cpu.icount, 0)} virtual_ns=${Math.round(node.clock.now)}`);
  }
  if (outcome.kind === 'deadlock') log(`the program can make no progress: ${outcome.reason}`);
  return task.shellStatus ?? 1;
}
