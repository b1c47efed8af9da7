import { describe, expect, it } from 'vitest';
import { freqOption, parseArgs, sizeOption } from './args.js';

const spec = { memory: { value: true, help: '' }, stats: { value: false, help: '' } };

describe('argument parsing', () => {
  it('takes options before the program and passes the rest through', () => {
    const p = parseArgs(['--memory', '64M', '--stats', 'prog', '--memory', '-x'], spec, 'run', true);
    expect([...p.options]).toEqual([['memory', '64M'], ['stats', '']]);
    expect(p.positionals).toEqual(['prog', '--memory', '-x']);
    expect(parseArgs(['--memory=1G'], spec, 'vm boot').options.get('memory')).toBe('1G');
  });

  it('names the mistake', () => {
    expect(() => parseArgs(['--bogus'], spec, 'vm boot')).toThrow('unknown option --bogus for "vm boot" (see serval help vm)');
    expect(() => parseArgs(['--memory'], spec, 'run')).toThrow('option --memory needs a value');
    expect(() => parseArgs(['--stats=1'], spec, 'run')).toThrow('option --stats takes no value');
    expect(() => sizeOption('12Q', 'memory', 0)).toThrow('--memory 12Q is not a size');
    expect(sizeOption('2G', 'memory', 0)).toBe(2 ** 31);
    expect(freqOption('2.5GHz', 'freq', 0)).toBe(2.5e9);
  });
});
