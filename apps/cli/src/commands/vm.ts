// serval vm boot: the hypervisor hosted by the LWK (Palacios on Kitten).
import { Hypervisor } from '@serval/hypervisor';
import { Lwk, LwkHost } from '@serval/lwk';
import { Node } from '@serval/machine';
import { parseArgs, UsageError } from '../args.js';
import { NodeHostIo } from '../host-io.js';
import { VM_OPTIONS, readFileOrBuiltin, vmConfigFrom, vmOutcome, vmStats } from '../vm-setup.js';

export function vmCommand(argv: string[], log: (msg: string) => void): number {
  const [sub, ...rest] = argv;
  if (sub !== 'boot') throw new UsageError(sub ? `unknown vm subcommand "${sub}" (try: serval vm boot)` : 'vm needs a subcommand: serval vm boot [config.json] [options]');
  const p = parseArgs(rest, VM_OPTIONS, 'vm boot');
  const cfg = vmConfigFrom(p);
  const io = new NodeHostIo(readFileOrBuiltin);
  const node = new Node({ cores: cfg.cores.length, memory: cfg.memory + 64 * 1024 * 1024 });
  const lwk = new Lwk(node, { io, log });
  // A file or pipe on stdin is typed into the guest's console (an interactive terminal is not yet).
  const input = io.isatty(0) ? undefined : io.readAll(0);
  const host = new LwkHost(lwk, io, (level, msg) => { if (level !== 'debug') log(msg); }, input);
  const hv = new Hypervisor(host);
  const vm = hv.createVm(cfg);
  vm.launch();
  const outcome = lwk.run(() => vm.state !== 'running');
  if (vm.state === 'running') vm.fail(outcome.kind === 'deadlock' ? `the guest can make no progress: ${outcome.reason}` : `the node stopped (${outcome.kind})`);
  const r = vmOutcome(vm);
  if (p.options.has('stats')) log(vmStats(vm, node.clock.now));
  if (r.status !== 0 || vm.stopReason?.kind !== 'guest-exit') log(r.line);
  return r.status;
}
