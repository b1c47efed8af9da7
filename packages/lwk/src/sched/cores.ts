// Core hot add and remove, as a Pisces enclave grows and shrinks: a core the LWK gives up is free
// for anyone (a VM, the host); a core it adds serves the next tasks placed. Tasks are pinned, so
// removing a core moves its tasks once, to the least loaded core their address space allows.
import { LwkError } from '../errors.js';
import type { Lwk } from '../kernel.js';
import type { Thread } from '../proc/process.js';

/** Gives core `id` to the LWK (it must be free). */
export function addCore(k: Lwk, id: number): void {
  const core = k.node.core(id);
  if (k.online.has(id)) return;
  if (core.owner && core.owner !== 'lwk') throw new LwkError('CORE_BUSY', `core ${id} is in use by ${core.owner}`);
  const s = k.scheds[id];
  s.offline = false;
  k.online.add(id);
}

/**
 * Takes core `id` away from the LWK. Its tasks move to other cores first; if one of them may run
 * nowhere else, nothing changes and the error names it. `except`: a thread that must stay put
 * (the caller of a native call, whose registers are in flight).
 */
export function removeCore(k: Lwk, id: number, except?: Thread): void {
  k.node.core(id);
  if (!k.online.has(id)) throw new LwkError('CORE_OFFLINE', `core ${id} does not belong to the LWK`);
  const from = k.scheds[id];
  if (except && except.sched === from) throw new LwkError('CORE_BUSY', `core ${id} runs the task asking to remove it`);
  if (k.online.size === 1) throw new LwkError('LAST_CORE', `core ${id} is the LWK's last core`);
  k.online.delete(id);
  const stuck = from.threads.find((t) => !coresOf(k, t.proc.mm.policy.cpus).some((c) => usable(k, c)));
  if (stuck) {
    k.online.add(id);
    throw new LwkError('CORE_BUSY', `core ${id} cannot be removed: ${stuck.proc.name}[${stuck.tid}] may run on no other core`);
  }
  from.sync();
  for (const t of [...from.threads]) {
    const to = k.placeCore(undefined, t.proc.mm.policy.cpus);
    from.remove(t);
    k.takeCore(to);
    to.add(t);
  }
  from.offline = true;
  from.loaded = undefined;
  // Free at once; if the core still has the LWK's driver, its next slice ends it.
  if (from.core.owner === 'lwk') from.core.owner = undefined;
}

const usable = (k: Lwk, id: number): boolean => { const o = k.node.core(id).owner; return !o || o === 'lwk'; };

/** The LWK's cores in `mask` (all of them without one), in id order. */
export function coresOf(k: Lwk, mask?: readonly number[]): number[] {
  return [...k.online].filter((id) => !mask || mask.includes(id)).sort((a, b) => a - b);
}
