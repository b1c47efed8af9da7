// Per-rank standard streams of a job, as `mpirun --tag-output` gives them: every line a rank writes
// goes to the host's stream with "[rank] " in front, whole lines at a time so ranks never split
// each other's lines. Only rank 0 reads the host's stdin; the others see end of file.
import type { HostIo } from '../host-io.js';

export class LabelledIo implements HostIo {
  private readonly partial = new Map<number, Uint8Array>();
  private readonly prefix: Uint8Array;

  constructor(private readonly host: HostIo, readonly rank: number, label = true) {
    this.prefix = new TextEncoder().encode(label ? `[${rank}] ` : '');
  }

  write(fd: number, bytes: Uint8Array): void {
    if (!this.prefix.length) { this.host.write(fd, bytes); return; }
    const held = this.partial.get(fd);
    let buf = held ? concat(held, bytes) : bytes;
    const last = buf.lastIndexOf(10);
    if (last < 0) { this.partial.set(fd, buf.slice()); return; }
    const out: Uint8Array[] = [];
    let start = 0;
    while (start <= last) {
      const nl = buf.indexOf(10, start);
      out.push(this.prefix, buf.subarray(start, nl + 1));
      start = nl + 1;
    }
    this.host.write(fd, concat(...out));
    buf = buf.subarray(last + 1);
    if (buf.length) this.partial.set(fd, buf.slice()); else this.partial.delete(fd);
  }

  /** Writes out a last line that has no newline (ending it with one, as mpirun does). */
  flush(): void {
    for (const [fd, b] of [...this.partial]) {
      this.partial.delete(fd);
      this.host.write(fd, concat(this.prefix, b, Uint8Array.of(10)));
    }
  }

  read(fd: number, max: number): Uint8Array {
    return this.rank === 0 ? this.host.read(fd, max) : new Uint8Array(0);
  }

  isatty(fd: number): boolean {
    return fd !== 0 || this.rank === 0 ? this.host.isatty(fd) : false;
  }

  readFile(path: string): Uint8Array {
    return this.host.readFile(path);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}
