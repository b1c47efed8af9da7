// The serval command. Every failure is one line on stderr and a nonzero status: 2 for usage
// mistakes, 1 for everything else; `serval run` exits with the program's own status, or with a
// shell's 127/126 when the program is missing or cannot be executed (start-status.ts).
import { isMainThread, workerData } from 'node:worker_threads';
import { type CoreWorkerData, runCoreWorker } from '@serval/lwk';
import { ServalError } from '@serval/x86';
import { UsageError, type OptionSpec } from './args.js';
import { HOST_HELP, hostCommand } from './commands/host.js';
import { IMAGE_OPTIONS, IMAGE_USAGE, imageCommand } from './commands/image.js';
import { RUN_OPTIONS, RUN_USAGE, runCommand } from './commands/run.js';
import { VM_CHECKPOINT_OPTIONS, vmCommand } from './commands/vm.js';
import { startFailureStatus } from './start-status.js';
import { VM_OPTIONS } from './vm-setup.js';

const VERSION = '0.1.0';

function optionHelp(spec: Record<string, OptionSpec>): string {
  return Object.entries(spec).map(([k, s]) => `  --${k}${s.value ? ' VALUE' : ''}`.padEnd(24) + s.help).join('\n');
}

const HELP: Record<string, string> = {
  '': `serval ${VERSION} — a lightweight kernel and a hypervisor on a simulated x86-64 machine

usage:
  serval run [options] <program> [args...]   run a static x86-64 Linux program on the LWK
  serval vm boot [config] [options]          boot a guest in the hypervisor hosted by the LWK
  serval host boot [config.json] [options]   boot a guest in the hypervisor loaded into the Linux host shim
  serval host script FILE | host v3 CMD...   drive the Linux host's v3_* tools (create, save, load, ...)
  serval image initramfs|vmlinux ...         build an initramfs, extract vmlinux from a bzImage
  serval help [run|vm|host|image]            options of a command
  serval --version`,
  run: `${RUN_USAGE}\n\n${optionHelp(RUN_OPTIONS)}`,
  vm: `usage: serval vm boot [config.json|config.yaml|config.xml] [options]\n\nWith no kernel, boots the built-in demo guest. A config file is JSON, YAML or Palacios-style XML\n(by extension, else by content).\n\n${optionHelp({ ...VM_OPTIONS, ...VM_CHECKPOINT_OPTIONS })}`,
  image: `${IMAGE_USAGE}\n\n${optionHelp(IMAGE_OPTIONS)}`,
  host: HOST_HELP,
};

function log(msg: string): void {
  process.stderr.write(`serval: ${msg}\n`);
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined: case 'help': case '--help': case '-h': {
        const topic = rest[0] ?? '';
        if (!(topic in HELP)) throw new UsageError(`no help for "${topic}" (topics: run, vm, host, image)`);
        process.stdout.write(`${HELP[topic]}\n`);
        return 0;
      }
      case '--version': case 'version':
        process.stdout.write(`serval ${VERSION}\n`);
        return 0;
      case 'run': return runCommand(rest, log);
      case 'vm': return vmCommand(rest, log);
      case 'host': return hostCommand(rest, log);
      case 'image': return imageCommand(rest, log);
      default:
        throw new UsageError(cmd.startsWith('-') ? `unknown option ${cmd} (see serval help)` : `unknown command "${cmd}" (see serval help)`);
    }
  } catch (e) {
    if (e instanceof ServalError) {
      log(e instanceof UsageError ? `${e.message}` : e.message);
      if (cmd === 'run') return startFailureStatus(e) ?? (e instanceof UsageError ? 2 : 1);
      return e instanceof UsageError ? 2 : 1;
    }
    log(`internal error: ${(e as Error)?.stack ?? String(e)}`);
    return 70;
  }
}

// In parallel mode the LWK starts this same file as each core's worker thread.
if (!isMainThread && (workerData as CoreWorkerData | undefined)?.servalLwkCore) runCoreWorker(workerData, workerData.port);
else process.exitCode = main(process.argv.slice(2));
