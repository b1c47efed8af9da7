// Host TCP connections for the user-mode NAT (hypervisor/src/net/nat.ts): a guest's connection to
// the gateway's port P becomes a connection to 127.0.0.1:P. The simulation runs synchronously on
// the main thread, so the sockets live in a worker: requests are posted to it, and what the
// sockets report goes into a ring of records in shared memory that the NAT polls on virtual time.
import { Worker } from 'node:worker_threads';
import type { HostTcp, HostTcpEvent } from '@serval/hypervisor';

const SLOTS = 1024;
const SLOT_BYTES = 4096;
const KINDS = ['connected', 'data', 'end', 'error'] as const;

// meta per slot: kind, id, length. ctl[0] = records written, ctl[1] = records read. A full ring
// pauses the socket that has more to say until the main thread catches up.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const { ctl, meta, data, slots, slotBytes } = workerData;
const socks = new Map();
const backlog = [];
function put(kind, id, bytes) {
  const w = Atomics.load(ctl, 0), r = Atomics.load(ctl, 1);
  if (w - r >= slots) return false;
  const s = w % slots;
  meta[3 * s] = kind; meta[3 * s + 1] = id; meta[3 * s + 2] = bytes ? bytes.length : 0;
  if (bytes) data.set(bytes, s * slotBytes);
  Atomics.store(ctl, 0, w + 1);
  return true;
}
function flush() {
  while (backlog.length && put(...backlog[0])) backlog.shift();
  if (backlog.length) setTimeout(flush, 1);
  else for (const s of socks.values()) s.resume();
}
function report(kind, id, bytes) {
  if (!backlog.length && put(kind, id, bytes)) return;
  backlog.push([kind, id, bytes]);
  for (const s of socks.values()) s.pause();
  if (backlog.length === 1) setTimeout(flush, 1);
}
parentPort.on('message', (m) => {
  if (m.op === 'connect') {
    const s = net.connect({ host: '127.0.0.1', port: m.port });
    socks.set(m.id, s);
    s.on('connect', () => report(0, m.id));
    s.on('data', (b) => { for (let o = 0; o < b.length; o += slotBytes) report(1, m.id, b.subarray(o, o + slotBytes)); });
    s.on('end', () => report(2, m.id));
    s.on('error', (e) => { report(3, m.id, Buffer.from(e.code || e.message)); socks.delete(m.id); });
    s.on('close', () => socks.delete(m.id));
  } else if (m.op === 'write') socks.get(m.id)?.write(m.data);
  else if (m.op === 'end') socks.get(m.id)?.end();
  else if (m.op === 'close') { socks.get(m.id)?.destroy(); socks.delete(m.id); }
});
`;

export class WorkerHostTcp implements HostTcp {
  private readonly worker: Worker;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(8));
  private readonly meta = new Int32Array(new SharedArrayBuffer(12 * SLOTS));
  private readonly data = new Uint8Array(new SharedArrayBuffer(SLOTS * SLOT_BYTES));
  private read = 0;

  constructor() {
    this.worker = new Worker(WORKER, { eval: true, workerData: { ctl: this.ctl, meta: this.meta, data: this.data, slots: SLOTS, slotBytes: SLOT_BYTES } });
    // Open sockets must not keep the process alive once the host is done.
    this.worker.unref();
  }

  connect(id: number, port: number): void { this.worker.postMessage({ op: 'connect', id, port }); }
  write(id: number, data: Uint8Array): void { this.worker.postMessage({ op: 'write', id, data: data.slice() }); }
  end(id: number): void { this.worker.postMessage({ op: 'end', id }); }
  close(id: number): void { this.worker.postMessage({ op: 'close', id }); }

  poll(): HostTcpEvent[] {
    const w = Atomics.load(this.ctl, 0);
    const out: HostTcpEvent[] = [];
    for (; this.read < w; this.read++) {
      const s = this.read % SLOTS;
      const kind = KINDS[this.meta[3 * s]], id = this.meta[3 * s + 1], len = this.meta[3 * s + 2];
      const bytes = this.data.slice(s * SLOT_BYTES, s * SLOT_BYTES + len);
      if (kind === 'data') out.push({ id, kind, data: bytes });
      else if (kind === 'error') out.push({ id, kind, message: new TextDecoder().decode(bytes) });
      else out.push({ id, kind });
    }
    Atomics.store(this.ctl, 1, this.read);
    return out;
  }
}
