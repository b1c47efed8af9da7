// Instruction groups beyond the integer core (SSE/SSE2/MMX, x87, ...) plug in here. A group
// registers an emitter (tried in order; it returns false for instructions it does not know) and,
// if its emitted code calls out-of-line helpers, a helper object that every compiled block binds
// under the group's name (so emitted code can say `sse.addps(c, ...)`). An instruction no group
// claims compiles to an `unimplemented` exit.
import type { Insn } from '../ir.js';
import type { Emitter } from './emitter.js';

type GroupEmitter = (e: Emitter, i: Insn) => boolean;

const emitters: GroupEmitter[] = [];
const helperObjects = new Map<string, object>();
const pureCalls = new Set<string>();

/**
 * `opts.pure`: none of the group's helpers reads or writes guest general registers or flags
 * (r[0..35]), so the block's register cache need not write back and reload around their calls.
 */
export function registerGroup(name: string, emit: GroupEmitter, helpers?: object, opts: { pure?: boolean } = {}): void {
  emitters.push(emit);
  if (helpers) {
    if (!/^[a-z][a-z0-9]*$/.test(name)) throw new Error(`bad group name ${name}`);
    helperObjects.set(name, helpers);
    if (opts.pure) {
      for (const [k, v] of Object.entries(helpers)) if (typeof v === 'function') pureCalls.add(`${name}.${k}`);
    }
  }
}

/** Helper calls of groups registered as pure (see registerGroup). */
export function pureGroupCalls(): ReadonlySet<string> {
  return pureCalls;
}

export function extended(e: Emitter, i: Insn): boolean {
  for (const f of emitters) if (f(e, i)) return true;
  return false;
}

/** Names and objects bound in every block's prologue. */
export function groupHelpers(): ReadonlyMap<string, object> {
  return helperObjects;
}
