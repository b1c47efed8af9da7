// A small schema language for configs: every node knows how to validate and normalize a value,
// and every error carries the path of the key it is about. Unknown keys are errors.
import { ConfigError } from '../errors.js';

export type Schema<T> = (value: unknown, path: string) => T;

const describe = (v: unknown) => (Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);

export function str(opts: { oneOf?: readonly string[] } = {}): Schema<string> {
  return (v, path) => {
    if (typeof v !== 'string') throw new ConfigError(path, `expected a string, got ${describe(v)}`);
    if (opts.oneOf && !opts.oneOf.includes(v)) throw new ConfigError(path, `"${v}" is not one of ${opts.oneOf.map((x) => `"${x}"`).join(', ')}`);
    return v;
  };
}

export function bool(): Schema<boolean> {
  return (v, path) => {
    if (typeof v !== 'boolean') throw new ConfigError(path, `expected true or false, got ${describe(v)}`);
    return v;
  };
}

/** An integer, also written as a "0x..." string (ports, addresses). */
export function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  return (v, path) => {
    const n = typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new ConfigError(path, `expected an integer, got ${describe(v)}`);
    if (opts.min !== undefined && n < opts.min) throw new ConfigError(path, `${n} is below the minimum ${opts.min}`);
    if (opts.max !== undefined && n > opts.max) throw new ConfigError(path, `${n} is above the maximum ${opts.max}`);
    return n;
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A byte count: a number, or "64M", "1G", "512K" (binary units). */
export function size(opts: { min?: number; max?: number; multipleOf?: number } = {}): Schema<number> {
  return (v, path) => {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string') {
      const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
      if (!m) throw new ConfigError(path, `"${v}" is not a size (try "64M" or "1G")`);
      n = Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()];
    } else throw new ConfigError(path, `expected a size, got ${describe(v)}`);
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError(path, `size ${String(v)} is not a positive whole number of bytes`);
    if (opts.multipleOf && n % opts.multipleOf) throw new ConfigError(path, `size ${String(v)} is not a multiple of ${opts.multipleOf} bytes`);
    if (opts.min !== undefined && n < opts.min) throw new ConfigError(path, `size ${String(v)} is below the minimum of ${opts.min} bytes`);
    if (opts.max !== undefined && n > opts.max) throw new ConfigError(path, `size ${String(v)} is above the maximum of ${opts.max} bytes`);
    return n;
  };
}

/** A finite number within (min, max]. */
export function positive(opts: { max?: number } = {}): Schema<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(path, `expected a positive number, got ${describe(v)}`);
    if (opts.max !== undefined && v > opts.max) throw new ConfigError(path, `${v} is above the maximum ${opts.max}`);
    return v;
  };
}

const FREQ_UNITS: Record<string, number> = { hz: 1, khz: 1e3, mhz: 1e6, ghz: 1e9 };

/** A frequency in Hz: a number, or "2.5GHz", "250MHz". */
export function freq(): Schema<number> {
  return (v, path) => {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string') {
      const m = /^(\d+(?:\.\d+)?)\s*(hz|khz|mhz|ghz)$/i.exec(v.trim());
      if (!m) throw new ConfigError(path, `"${v}" is not a frequency (try "2GHz" or "250MHz")`);
      n = Number(m[1]) * FREQ_UNITS[m[2].toLowerCase()];
    } else throw new ConfigError(path, `expected a frequency, got ${describe(v)}`);
    if (!(n >= 1e6 && n <= 1e11)) throw new ConfigError(path, `frequency ${String(v)} is outside 1 MHz to 100 GHz`);
    return Math.round(n);
  };
}

export function array<T>(item: Schema<T>, opts: { min?: number; max?: number } = {}): Schema<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) throw new ConfigError(path, `expected an array, got ${describe(v)}`);
    if (opts.min !== undefined && v.length < opts.min) throw new ConfigError(path, `needs at least ${opts.min} entries`);
    if (opts.max !== undefined && v.length > opts.max) throw new ConfigError(path, `takes at most ${opts.max} entries`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

type Fields = Record<string, { schema: Schema<unknown>; required?: boolean; default?: unknown }>;
type Out<F extends Fields> = { [K in keyof F]: F[K]['schema'] extends Schema<infer T> ? T : never };

/** An object with exactly these keys (missing optional keys take their defaults). */
export function object<F extends Fields>(fields: F): Schema<Out<F>> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(path, `expected an object, got ${describe(v)}`);
    const rec = v as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      if (!(k in fields)) {
        const known = Object.keys(fields).join(', ');
        throw new ConfigError(path ? `${path}.${k}` : k, `unknown key (known keys here: ${known})`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(fields)) {
      const p = path ? `${path}.${k}` : k;
      if (rec[k] === undefined) {
        if (f.required) throw new ConfigError(p, 'is required');
        if (f.default !== undefined) out[k] = f.schema(f.default, p);
        continue;
      }
      out[k] = f.schema(rec[k], p);
    }
    return out as Out<F>;
  };
}

export function optional<T>(s: Schema<T>): { schema: Schema<T> } {
  return { schema: s };
}
export function required<T>(s: Schema<T>): { schema: Schema<T>; required: true } {
  return { schema: s, required: true };
}
export function withDefault<T>(s: Schema<T>, d: unknown): { schema: Schema<T>; default: unknown } {
  return { schema: s, default: d };
}

/** Any JSON object, validated later by whoever owns it (device options). */
export function anyObject(): Schema<Record<string, unknown>> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(path, `expected an object, got ${describe(v)}`);
    return v as Record<string, unknown>;
  };
}
