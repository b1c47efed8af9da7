// Checkpoints as host files, through the HostOS's file services.
import type { HostOS } from '../host.js';
import type { Vm } from '../vm.js';
import { CheckpointError } from './errors.js';
import { loadCheckpoint, saveCheckpoint } from './snapshot.js';

export function saveCheckpointFile(vm: Vm, host: HostOS, path: string): number {
  if (!host.writeFile) throw new CheckpointError('CKPT_NO_FILES', `host ${host.name} cannot write files, so it cannot store checkpoints`);
  const bytes = saveCheckpoint(vm);
  host.writeFile(path, bytes);
  return bytes.length;
}

export function loadCheckpointFile(vm: Vm, host: HostOS, path: string): void {
  loadCheckpoint(vm, host.readFile(path), path);
}
