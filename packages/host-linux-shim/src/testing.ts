// Shared by this package's tests: a host with the built-in guests and an in-memory file store.
import { buildDemoKernel } from '@serval/guest-tools';
import { buildTickerGuest } from '@serval/hypervisor';
import { LinuxHost } from './host.js';

export const MB = 1024 * 1024;

export function testHost(opts: { cores?: number; memory?: number; files?: Map<string, Uint8Array> } = {}) {
  const files = opts.files ?? new Map<string, Uint8Array>();
  const terminal: number[] = [];
  const host = new LinuxHost({
    cores: opts.cores ?? 4, memory: opts.memory ?? 512 * MB,
    readFile: (p) => {
      if (p === 'builtin:demo') return buildDemoKernel();
      if (p === 'builtin:ticker') return buildTickerGuest();
      const f = files.get(p);
      if (!f) throw new Error(`${p}: no such file`);
      return f;
    },
    writeFile: (p, b) => { files.set(p, b.slice()); },
    terminal: (b) => terminal.push(...b),
  });
  return { host, files, terminal: () => String.fromCharCode(...terminal) };
}

export const DEMO_VM = {
  name: 'g', memory: '32M', kernel: { path: 'builtin:demo' },
  devices: [{ id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' }],
};
