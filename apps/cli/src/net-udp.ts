// A host network's uplink over UDP (QEMU's -netdev dgram): each Ethernet frame is one datagram
// between two serval processes. The simulation runs synchronously on the main thread, so the
// socket lives in a worker: frames to send are posted to it, and frames it receives go into a
// ring in shared memory that the host network polls on virtual time. Arrival depends on the wall
// clock, so a run across processes is not deterministic (within one process it is).
import { Worker } from 'node:worker_threads';
import type { FrameLink } from '@serval/hypervisor';
import { UsageError } from './args.js';

const SLOTS = 512;
const SLOT_BYTES = 2048;

export interface UdpLinkSpec {
  network: string;
  localPort: number;
  remoteHost: string;
  remotePort: number;
}

/** Parses NETWORK=LOCALPORT:REMOTEHOST:REMOTEPORT (e.g. lan=5555:127.0.0.1:5556). */
export function parseUdpLink(text: string): UdpLinkSpec {
  const m = /^([\w.-]+)=(\d{1,5}):([^:]+):(\d{1,5})$/.exec(text);
  const port = (s: string) => Number(s) >= 1 && Number(s) <= 65535;
  if (!m || !port(m[2]) || !port(m[4])) throw new UsageError(`--net-udp ${text}: expected NETWORK=LOCALPORT:REMOTEHOST:REMOTEPORT, e.g. lan=5555:127.0.0.1:5556`);
  return { network: m[1], localPort: Number(m[2]), remoteHost: m[3], remotePort: Number(m[4]) };
}

// The worker: a bound socket; sends what the main thread posts, writes what it receives into the
// ring (ctl[0] = frames written, ctl[1] = frames read; a full ring drops, as a busy NIC would).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const { ctl, lens, data, slots, slotBytes, localPort, remoteHost, remotePort } = workerData;
const sock = dgram.createSocket('udp4');
const early = [];
let bound = false;
sock.on('message', (msg) => {
  const w = Atomics.load(ctl, 0), r = Atomics.load(ctl, 1);
  if (w - r >= slots || msg.length > slotBytes) return;
  const s = w % slots;
  data.set(msg, s * slotBytes);
  lens[s] = msg.length;
  Atomics.store(ctl, 0, w + 1);
});
sock.on('error', (e) => parentPort.postMessage({ error: e.message }));
sock.bind(localPort, () => { bound = true; for (const f of early.splice(0)) sock.send(f, remotePort, remoteHost); });
parentPort.on('message', (m) => {
  if (m === 'close') { sock.close(); parentPort.close(); return; }
  if (bound) sock.send(m, remotePort, remoteHost); else early.push(m);
});
`;

export class UdpLink implements FrameLink {
  readonly name: string;
  private readonly worker: Worker;
  private readonly ctl: Int32Array;
  private readonly lens: Int32Array;
  private readonly data: Uint8Array;
  private read = 0;
  private closed = false;

  constructor(spec: UdpLinkSpec, private readonly log: (msg: string) => void) {
    this.name = `udp:${spec.localPort}->${spec.remoteHost}:${spec.remotePort}`;
    this.ctl = new Int32Array(new SharedArrayBuffer(8));
    this.lens = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
    this.data = new Uint8Array(new SharedArrayBuffer(SLOTS * SLOT_BYTES));
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { ctl: this.ctl, lens: this.lens, data: this.data, slots: SLOTS, slotBytes: SLOT_BYTES, ...spec },
    });
    this.worker.on('message', (m: { error?: string }) => { if (m.error) this.log(`${this.name}: ${m.error}`); });
    // The socket must not keep the process alive once the host is done.
    this.worker.unref();
  }

  send(frame: Uint8Array): void {
    if (!this.closed) this.worker.postMessage(frame.slice());
  }

  poll(): Uint8Array[] {
    const w = Atomics.load(this.ctl, 0);
    const out: Uint8Array[] = [];
    while (this.read < w) {
      const s = this.read % SLOTS;
      out.push(this.data.slice(s * SLOT_BYTES, s * SLOT_BYTES + this.lens[s]));
      this.read++;
    }
    Atomics.store(this.ctl, 1, this.read);
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage('close');
  }
}
