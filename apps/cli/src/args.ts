// Command-line parsing: options before positionals (so `serval run prog -x` passes -x to prog),
// every option declared, every mistake a one-line usage error.
import { ServalError } from '@serval/x86';

export class UsageError extends ServalError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export interface OptionSpec {
  /** Takes a value (`--memory 64M` or `--memory=64M`). */
  value: boolean;
  help: string;
}

export interface Parsed {
  options: Map<string, string>;
  positionals: string[];
}

/** Parses options up to the first positional; with `stopAtPositional`, everything after it is positional. */
export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, command: string, stopAtPositional = false): Parsed {
  const options = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('-') && a !== '-' && !(stopAtPositional && positionals.length)) {
      const eq = a.indexOf('=');
      const name = (eq > 0 ? a.slice(0, eq) : a).replace(/^-+/, '');
      const s = spec[name];
      if (!s) throw new UsageError(`unknown option ${a.slice(0, eq > 0 ? eq : undefined)} for "${command}" (see serval help ${command.split(' ')[0]})`);
      if (s.value) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option --${name} needs a value`);
        options.set(name, v);
      } else {
        if (eq > 0) throw new UsageError(`option --${name} takes no value`);
        options.set(name, '');
      }
      continue;
    }
    positionals.push(a);
    if (stopAtPositional) { positionals.push(...argv.slice(i + 1)); break; }
  }
  return { options, positionals };
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function sizeOption(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const m = /^(\d+)([kmg]?)i?b?$/i.exec(v);
  if (!m) throw new UsageError(`--${name} ${v} is not a size (try 64M or 1G)`);
  return Number(m[1]) * UNITS[m[2].toLowerCase()];
}

export function intOption(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${name} ${v} is not a whole number from ${min} to ${max}`);
  return Number(v);
}

export function freqOption(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const m = /^(\d+(?:\.\d+)?)\s*(hz|khz|mhz|ghz)$/i.exec(v);
  if (!m) throw new UsageError(`--${name} ${v} is not a frequency (try 2GHz or 500MHz)`);
  return Math.round(Number(m[1]) * ({ hz: 1, khz: 1e3, mhz: 1e6, ghz: 1e9 } as Record<string, number>)[m[2].toLowerCase()]);
}
