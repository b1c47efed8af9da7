// serval vm boot: the hypervisor hosted by the LWK (Palacios on Kitten).
import { Hypervisor } from '@serval/hypervisor';
import { Lwk, LwkHost } from '@serval/lwk';
import { Node } from '@serval/machine';
import { type OptionSpec, parseArgs, UsageError } from '../args.js';
import { NodeHostIo } from '../host-io.js';
import { NET_OPTIONS, netFromOptions } from '../net-options.js';
import { VM_OPTIONS, readFileOrBuiltin, vmConfigFrom, vmOutcome, vmStats } from '../vm-setup.js';

/** Checkpoints on the LWK route, as `host v3 ... save/load` has them on the Linux shim's. */
export const VM_CHECKPOINT_OPTIONS: Record<string, OptionSpec> = {
  'save-at': { value: true, help: 'run MS ms of guest time, save the VM to the --save file, and end (exit 0)' },
  save: { value: true, help: 'checkpoint file written at --save-at' },
  restore: { value: true, help: 'load a checkpoint (saved with the same VM configuration) and run on from it' },
};

export function vmCommand(argv: string[], log: (msg: string) => void): number {
  const [sub, ...rest] = argv;
  if (sub !== 'boot') throw new UsageError(sub ? `unknown vm subcommand "${sub}" (try: serval vm boot)` : 'vm needs a subcommand: serval vm boot [config.json|.yaml|.xml] [options]');
  const p = parseArgs(rest, { ...VM_OPTIONS, ...VM_CHECKPOINT_OPTIONS, ...NET_OPTIONS }, 'vm boot');
  const saveAt = p.options.get('save-at');
  const saveTo = p.options.get('save');
  if ((saveAt === undefined) !== (saveTo === undefined)) throw new UsageError('--save-at MS and --save FILE go together');
  if (saveAt !== undefined && !/^\d+(\.\d+)?$/.test(saveAt)) throw new UsageError(`--save-at ${saveAt} is not a number of milliseconds`);
  const restore = p.options.get('restore');
  const cfg = vmConfigFrom(p);
  const io = new NodeHostIo(readFileOrBuiltin);
  const node = new Node({ cores: cfg.cores.length, memory: cfg.memory + 64 * 1024 * 1024 });
  const lwk = new Lwk(node, { io, log });
  // A file or pipe on stdin is typed into the guest's console (an interactive terminal is not yet).
  const input = io.isatty(0) ? undefined : io.readAll(0);
  const host = new LwkHost(lwk, io, (level, msg) => { if (level !== 'debug') log(msg); }, input, netFromOptions(p.options, log));
  const hv = new Hypervisor(host);
  const vm = hv.createVm(cfg);
  if (restore !== undefined) {
    vm.load(restore);
    vm.resume();
  }
  if (saveAt !== undefined && saveTo !== undefined) {
    if (vm.simulate(Number(saveAt), (stop) => lwk.run(stop)) === 'paused') {
      const bytes = vm.save(saveTo);
      // Saves happen at a scheduling boundary, the first at or after the time asked for.
      log(`VM "${vm.config.name}" saved to ${saveTo} (${bytes} bytes) at guest time ${(vm.clock.now / 1e6).toFixed(3)} ms (--save-at ${saveAt})`);
      if (p.options.has('stats')) log(vmStats(vm, node.clock.now));
      return 0;
    }
  } else if (vm.state === 'created') vm.launch();
  const outcome = vm.state === 'running' ? lwk.run(() => vm.state !== 'running') : undefined;
  if (vm.state === 'running' && outcome) vm.fail(outcome.kind === 'deadlock' ? `the guest can make no progress: ${outcome.reason}` : `the node stopped (${outcome.kind})`);
  const r = vmOutcome(vm);
  if (p.options.has('stats')) log(vmStats(vm, node.clock.now));
  if (r.status !== 0 || vm.stopReason?.kind !== 'guest-exit') log(r.line);
  return r.status;
}
