import { describe, expect, it } from 'vitest';
import { parseVmConfig } from './vm-config.js';
import { parseVmConfigText } from './text.js';

const minimal = { kernel: { path: 'k.elf' } };

describe('VM config', () => {
  it('fills defaults and normalizes sizes and frequencies', () => {
    const c = parseVmConfig({ ...minimal, memory: '128M', cores: [{ freq: '2.5GHz' }, { freq: 250e6, hostCore: 3 }] });
    expect(c.name).toBe('vm0');
    expect(c.memory).toBe(128 * 1024 * 1024);
    expect(c.cores).toEqual([{ freq: 2.5e9 }, { freq: 250e6, hostCore: 3 }]);
    expect(c.kernel).toEqual({ path: 'k.elf', format: 'auto', cmdline: '' });
    expect(c.devices).toEqual([]);
  });

  it('rejects unknown keys, naming the path of the key', () => {
    expect(() => parseVmConfig({ ...minimal, memroy: '1G' })).toThrow('config memroy: unknown key');
    expect(() => parseVmConfig({ kernel: { path: 'k', cmdlne: 'x' } })).toThrow('config kernel.cmdlne: unknown key');
    expect(() => parseVmConfig({ ...minimal, cores: [{}, { frequency: 1 }] })).toThrow('config cores[1].frequency: unknown key');
    expect(() => parseVmConfig({ ...minimal, devices: [{ id: 'a', class: 'b', opts: {} }] })).toThrow('config devices[0].opts: unknown key');
  });

  it('explains bad values', () => {
    expect(() => parseVmConfig({})).toThrow('config kernel: is required');
    expect(() => parseVmConfig({ ...minimal, memory: '3M' })).toThrow('config memory: size 3M is not a multiple of 2097152 bytes');
    expect(() => parseVmConfig({ ...minimal, memory: 'lots' })).toThrow('"lots" is not a size');
    expect(() => parseVmConfig({ ...minimal, cores: [{ freq: '5THz' }] })).toThrow('config cores[0].freq: "5THz" is not a frequency');
    expect(() => parseVmConfig({ ...minimal, cores: [] })).toThrow('config cores: needs at least 1 entries');
    expect(() => parseVmConfig({ ...minimal, kernel: { path: 'k', format: 'pe' } })).toThrow('config kernel.format: "pe" is not one of');
    expect(() => parseVmConfig({ ...minimal, devices: [{ id: 'a', class: 'x' }, { id: 'a', class: 'y' }] })).toThrow('config devices[1].id: device id "a" is used twice');
    expect(() => parseVmConfigText('{ nope', 'vm.json')).toThrow(/vm.json is not valid JSON/);
  });
});
