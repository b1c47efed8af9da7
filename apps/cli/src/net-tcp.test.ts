import { createServer, type Server } from 'node:net';
import type { HostTcpEvent } from '@serval/hypervisor';
import { describe, expect, it } from 'vitest';
import { WorkerHostTcp } from './net-tcp.js';

/** Polls until `enough` holds (the worker's sockets run on their own; arrival is wall-clock). */
async function collect(t: WorkerHostTcp, enough: (e: HostTcpEvent[]) => boolean): Promise<HostTcpEvent[]> {
  const got: HostTcpEvent[] = [];
  for (let i = 0; i < 500 && !enough(got); i++) {
    got.push(...t.poll());
    await new Promise((r) => setTimeout(r, 10));
  }
  return got;
}

describe('host TCP for the NAT', () => {
  it('connects to a loopback port, carries bytes both ways and reports the end; a closed port is an error', async () => {
    // An echo server that upper-cases and closes after the client ends.
    const server: Server = createServer((s) => {
      const chunks: Buffer[] = [];
      s.on('data', (b) => chunks.push(b));
      s.on('end', () => s.end(Buffer.concat(chunks).toString().toUpperCase()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const t = new WorkerHostTcp();
    try {
      t.connect(1, port);
      expect((await collect(t, (e) => e.length > 0))[0]).toEqual({ id: 1, kind: 'connected' });
      t.write(1, new TextEncoder().encode('hello '));
      t.write(1, new TextEncoder().encode('nat'));
      t.end(1);
      const ev = await collect(t, (e) => e.some((x) => x.kind === 'end'));
      const text = ev.flatMap((e) => (e.kind === 'data' ? [new TextDecoder().decode(e.data)] : [])).join('');
      expect(text).toBe('HELLO NAT');
      expect(ev[ev.length - 1]).toEqual({ id: 1, kind: 'end' });
      t.close(1);
      server.close();
      await new Promise((r) => setTimeout(r, 50));
      t.connect(2, port);
      expect(await collect(t, (e) => e.length > 0)).toEqual([{ id: 2, kind: 'error', message: 'ECONNREFUSED' }]);
    } finally {
      server.close();
    }
  });
});
