// Earliest-deadline-first reservations, Kitten's real-time class: a task reserves `budgetNs` of its
// core in every `periodNs`; each period ends in the task's deadline. Among reserved tasks with
// budget left, the one whose deadline comes first runs; a task that used its budget waits for its
// next period. Tasks without a reservation share what is left, round-robin. Time is the core's
// virtual time, so a schedule repeats exactly.
import { LwkError } from '../errors.js';

export interface Reservation {
  readonly periodNs: number;
  readonly budgetNs: number;
  /** Start of the current period. */
  release: number;
  /** End of the current period: the deadline of the work in it. */
  deadline: number;
  /** Budget left in the current period. */
  leftNs: number;
}

/** What EDF needs of a task. */
export interface RtTask {
  rt?: Reservation;
  state: string;
}

/** A reservation whose first period starts at `now`. */
export function reservation(periodNs: number, budgetNs: number, now: number): Reservation {
  if (!(periodNs > 0) || !(budgetNs > 0) || budgetNs > periodNs || !Number.isFinite(periodNs)) {
    throw new LwkError('BAD_RESERVATION', `an EDF reservation needs 0 < budget <= period (got budget ${budgetNs} ns in a period of ${periodNs} ns)`);
  }
  return { periodNs, budgetNs, release: now, deadline: now + periodNs, leftNs: budgetNs };
}

/** Starts the period that contains `now` if the current one is over (unused budget is lost). */
export function replenish(r: Reservation, now: number): void {
  if (now < r.deadline) return;
  const k = Math.floor((now - r.release) / r.periodNs);
  r.release += k * r.periodNs;
  r.deadline = r.release + r.periodNs;
  r.leftNs = r.budgetNs;
}

/** The runnable reserved task with budget left and the earliest deadline (the first listed on ties). */
export function pickEdf<T extends RtTask>(tasks: readonly T[], now: number): T | undefined {
  let best: T | undefined;
  for (const t of tasks) {
    const r = t.rt;
    if (!r) continue;
    replenish(r, now);
    if (t.state !== 'runnable' || r.leftNs <= 0) continue;
    if (!best || r.deadline < best.rt!.deadline) best = t;
  }
  return best;
}

/** When the next period of any reserved task starts (a moment EDF may want another task). */
export function nextRelease(tasks: readonly RtTask[]): number {
  let at = Infinity;
  for (const t of tasks) if (t.rt && t.state !== 'dead') at = Math.min(at, t.rt.deadline);
  return at;
}

/**
 * How long `t` may run from `now` before the scheduler must choose again: its budget if it holds a
 * reservation, and never past the end of a period (its own, or another task's, which may preempt it).
 */
export function runLimitNs(tasks: readonly RtTask[], t: RtTask, now: number): number {
  let limit = t.rt ? t.rt.leftNs : Infinity;
  for (const o of tasks) if (o.rt && o.state !== 'dead') limit = Math.min(limit, o.rt.deadline - now);
  return Math.max(limit, 0);
}

/** Gives a thread a reservation on its core, starting now; undefined drops it (back to round-robin). */
export function reserve(t: RtTask & { sched: { core: { localTimeNs(): number } } }, r: { periodNs: number; budgetNs: number } | undefined): void {
  t.rt = r ? reservation(r.periodNs, r.budgetNs, t.sched.core.localTimeNs()) : undefined;
}
