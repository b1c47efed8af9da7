// A vCPU's architectural state in a checkpoint. CpuState is walked field by field (typed arrays as
// hex of their bytes, so every bit — NaN payloads and x87 extended values included — survives) and
// checked against a fresh CpuState's shape on load: a checkpoint from a core with other fields is
// refused rather than half-applied.
import { type Cpu, CpuState } from '@serval/x86';
import { CheckpointError } from './errors.js';

type Typed = Int32Array | Uint8Array | Uint16Array | Float64Array | Float32Array;
type Saved = Record<string, string | number | boolean | number[]>;

function isTyped(v: unknown): v is Typed {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** The fields that own their storage: views aliasing an earlier field's buffer are left out. */
function ownFields(s: CpuState): [string, unknown][] {
  const seen = new Set<ArrayBufferLike>();
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(s)) {
    if (isTyped(v)) {
      if (seen.has(v.buffer)) continue;
      seen.add(v.buffer);
    }
    out.push([k, v]);
  }
  return out;
}

function toHex(v: Typed): string {
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

export function saveCpuState(s: CpuState): Saved {
  const out: Saved = {};
  for (const [k, v] of ownFields(s)) {
    if (isTyped(v)) out[k] = toHex(v);
    else if (Array.isArray(v)) out[k] = [...(v as number[])];
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else throw new CheckpointError('CKPT_CPU_FIELD', `CpuState.${k} has a type the checkpoint cannot store (${typeof v})`);
  }
  return out;
}

/** Checks a saved state against CpuState's shape; `apply` then copies it in. */
export function checkCpuState(saved: unknown, who: string): Saved {
  const bad = (why: string) => new CheckpointError('CKPT_CORRUPT', `${who}: saved CPU state ${why}`);
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw bad('is not an object');
  const rec = saved as Record<string, unknown>;
  const shape = ownFields(new CpuState());
  const known = new Set(shape.map(([k]) => k));
  for (const k of Object.keys(rec)) if (!known.has(k)) throw bad(`has a field "${k}" this core does not have`);
  for (const [k, ref] of shape) {
    const v = rec[k];
    if (isTyped(ref)) {
      if (typeof v !== 'string' || v.length !== ref.byteLength * 2 || !/^[0-9a-f]*$/.test(v)) throw bad(`field "${k}" is not ${ref.byteLength} bytes of hex`);
    } else if (Array.isArray(ref)) {
      if (!Array.isArray(v) || v.length !== ref.length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw bad(`field "${k}" is not ${ref.length} numbers`);
    } else if (typeof ref === 'number') {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`field "${k}" is missing or not a finite number`);
    } else if (typeof v !== typeof ref) {
      throw bad(`field "${k}" is missing or not a ${typeof ref}`);
    }
  }
  return rec as Saved;
}

export function applyCpuState(s: CpuState, saved: Saved): void {
  const rec = s as unknown as Record<string, unknown>;
  for (const [k, ref] of ownFields(s)) {
    const v = saved[k];
    if (isTyped(ref)) {
      const b = new Uint8Array(ref.buffer, ref.byteOffset, ref.byteLength);
      const h = v as string;
      for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(2 * i, 2), 16);
    } else if (Array.isArray(ref)) {
      rec[k] = [...(v as number[])];
    } else {
      rec[k] = v;
    }
  }
}

// ---- what a core keeps outside CpuState ----

const MTRR_FIRST = 0x200, MTRR_LAST = 0x2ff;
/** IA32_PAT sits among the MTRRs' numbers but lives in CpuState. */
const PAT = 0x277;

/** MTRRs as [msr, lo, hi] for every non-zero one (read through the core's own MSR interface). */
export function saveMtrrs(cpu: Cpu): number[][] {
  const out: number[][] = [];
  for (let m = MTRR_FIRST; m <= MTRR_LAST; m++) {
    if (m === PAT) continue;
    const v = cpu.readMsr(m);
    if (v && (v[0] | v[1]) !== 0) out.push([m, v[0], v[1]]);
  }
  return out;
}

export function checkMtrrs(v: unknown, who: string): number[][] {
  if (!Array.isArray(v) || !v.every((e) => Array.isArray(e) && e.length === 3 && e.every((x) => Number.isInteger(x)) && e[0] >= MTRR_FIRST && e[0] <= MTRR_LAST && e[0] !== PAT)) {
    throw new CheckpointError('CKPT_CORRUPT', `${who}: saved MTRRs are not a list of [msr, lo, hi]`);
  }
  return v as number[][];
}

export function applyMtrrs(cpu: Cpu, list: number[][]): void {
  const set = new Map(list.map(([m, lo, hi]) => [m, [lo, hi]]));
  for (let m = MTRR_FIRST; m <= MTRR_LAST; m++) {
    if (m === PAT) continue;
    const [lo, hi] = set.get(m) ?? [0, 0];
    cpu.writeMsr(m, lo, hi);
  }
}

/**
 * An event the core has accepted but not yet delivered (an injected interrupt or exception) and
 * the values supplied for an instruction that exited for I/O and has not re-executed. They live
 * in private fields of Cpu: the x86 package has no public accessor for them yet, so they are
 * reached here, in this one place, until it does.
 */
interface CpuInFlight {
  pending: { vector: number; errorCode: number | undefined; external: boolean } | undefined;
  replay: number[];
  replayIp: number;
}

export interface SavedInFlight {
  pending: { vector: number; errorCode: number | null; external: boolean } | null;
  replay: number[];
  replayIp: number | null;
}

export function saveInFlight(cpu: Cpu): SavedInFlight {
  const c = cpu as unknown as CpuInFlight;
  const p = c.pending;
  return {
    pending: p ? { vector: p.vector, errorCode: p.errorCode ?? null, external: p.external } : null,
    replay: [...(c.replay ?? [])],
    replayIp: Number.isNaN(c.replayIp) ? null : c.replayIp,
  };
}

export function checkInFlight(v: unknown, who: string): SavedInFlight {
  const bad = () => new CheckpointError('CKPT_CORRUPT', `${who}: saved pending-event state is malformed`);
  if (typeof v !== 'object' || v === null) throw bad();
  const r = v as Record<string, unknown>;
  const p = r.pending as Record<string, unknown> | null;
  if (p !== null && (typeof p !== 'object' || !Number.isInteger(p.vector) || (p.errorCode !== null && !Number.isInteger(p.errorCode)) || typeof p.external !== 'boolean')) throw bad();
  if (!Array.isArray(r.replay) || !r.replay.every((x) => Number.isInteger(x))) throw bad();
  if (r.replayIp !== null && typeof r.replayIp !== 'number') throw bad();
  return v as SavedInFlight;
}

export function applyInFlight(cpu: Cpu, s: SavedInFlight): void {
  const c = cpu as unknown as CpuInFlight;
  c.pending = s.pending ? { vector: s.pending.vector, errorCode: s.pending.errorCode ?? undefined, external: s.pending.external } : undefined;
  c.replay = [...s.replay];
  c.replayIp = s.replayIp ?? NaN;
}
