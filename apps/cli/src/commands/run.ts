// serval run: an unmodified static Linux program, straight on the LWK — or a job of N ranks of it,
// placed as Pisces/Kitten's LAUNCH_JOB places them.
import { Node } from '@serval/machine';
import { type FileSystem, launchJob, Lwk, memFsFromCpio, O, placeInitrd } from '@serval/lwk';
import { freqOption, intOption, parseArgs, sizeOption, UsageError, type OptionSpec } from '../args.js';
import { NodeHostIo, readHostFile } from '../host-io.js';
import { HostFs } from '../hostfs.js';

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  ranks: { value: true, help: 'ranks of the job, each its own process on its own cores (-n N; default 1)' },
  cores: { value: true, help: 'the job\'s cores: a count (0..N-1) or a list like 0,2-5 (default: one per rank); shared out evenly among the ranks' },
  heap: { value: true, help: 'heap of each rank, allocated and mapped at start (e.g. 64M; default: grows with brk)' },
  'large-pages': { value: true, help: 'largest page size: 1g (default), 2m, or none (4 KiB pages only)' },
  smartmap: { value: false, help: 'map every rank\'s memory into every rank: rank r at (r+1) * 512 GiB' },
  memory: { value: true, help: 'node memory (default 512M)' },
  root: { value: true, help: 'a host directory as the program\'s private root file system' },
  initrd: { value: true, help: 'a cpio archive (newc) as the program\'s private root file system' },
  stack: { value: true, help: 'stack size (default 8M)' },
  freq: { value: true, help: 'core clock, e.g. 2GHz (default 1GHz)' },
  stats: { value: false, help: 'print instructions and virtual time to stderr at the end' },
  parallel: { value: false, help: 'run threads on different cores at the same time, each core in a worker thread (runs may then differ; default: deterministic)' },
};

export const RUN_USAGE = `usage: serval run [options] <program> [args...]

Runs the program on the LWK. With -n N it is a job of N ranks: each rank its own process pinned to
its own share of the cores, with its own heap; every line a rank prints is labelled "[rank] ", and
the exit status is the worst rank's. Ranks learn their rank from SERVAL_RANK (and PMI_RANK) or the
LWK-native lwk_sys_info call (docs/LWK-NATIVE.md). Only rank 0 reads stdin.

By default the program sees the host's files; --root or --initrd give it a private file system,
where the program itself is looked up first.`;

/** `-n 4` and `-n4` are --ranks; only options before the program are looked at. */
function aliases(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-' || a === '--') { out.push(...argv.slice(i)); break; }
    if (a === '-n') { out.push('--ranks'); continue; }
    const m = /^-n=?(\d+)$/.exec(a);
    if (m) { out.push(`--ranks=${m[1]}`); continue; }
    out.push(a);
    const name = a.replace(/^-+/, '');
    if (!a.includes('=') && RUN_OPTIONS[name]?.value && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}

/** `4` → cores 0..3; `0,2-5` → [0, 2, 3, 4, 5]. */
export function coreList(v: string): number[] {
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > 256) throw new UsageError(`--cores ${v}: a job has 1 to 256 cores`);
    return Array.from({ length: n }, (_, i) => i);
  }
  const ids = new Set<number>();
  for (const part of v.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new UsageError(`--cores ${v} is not a count or a list of cores (try 4, or 0,2-5)`);
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi > 255) throw new UsageError(`--cores ${v}: ${part} is not a range of cores 0 to 255`);
    for (let c = lo; c <= hi; c++) ids.add(c);
  }
  return [...ids].sort((a, b) => a - b);
}

const PAGE_POLICY: Record<string, number> = { '1g': 2 ** 30, '2m': 2 ** 21, none: 4096, '4k': 4096 };

/** The program's bytes: from the private file system when there is one and it holds the path. */
function readProgram(fs: FileSystem | undefined, path: string): Uint8Array {
  if (fs && path.startsWith('/')) {
    const h = fs.open(path, O.RDONLY, 0);
    if (typeof h !== 'number') {
      const buf = new Uint8Array(Math.max(h.size(), 0));
      const n = h.read(buf, 0);
      h.close();
      if (n === buf.length) return buf;
    }
  }
  return readHostFile(path);
}

export function runCommand(argv: string[], log: (msg: string) => void): number {
  const p = parseArgs(aliases(argv), RUN_OPTIONS, 'run', true);
  const [program, ...args] = p.positionals;
  if (!program) throw new UsageError('run needs a program: serval run <program> [args...]');
  const o = p.options;
  const ranks = intOption(o.get('ranks'), 'ranks', 1, 1, 256);
  const cores = o.has('cores') ? coreList(o.get('cores')!) : coreList(String(ranks));
  const largePages = o.get('large-pages')?.toLowerCase() ?? '1g';
  const maxPage = PAGE_POLICY[largePages];
  if (!maxPage) throw new UsageError(`--large-pages ${o.get('large-pages')} is not one of 1g, 2m, none`);
  const heap = o.has('heap') ? sizeOption(o.get('heap'), 'heap', 0) : undefined;
  if (heap === 0) throw new UsageError('--heap must be more than 0');
  if (o.has('root') && o.has('initrd')) throw new UsageError('--root and --initrd each give a private file system: pick one');

  const io = new NodeHostIo();
  const root = o.get('root'), initrdPath = o.get('initrd');
  let privateFs: FileSystem | undefined;
  let archive: Uint8Array | undefined;
  if (initrdPath) {
    archive = readHostFile(initrdPath);
    const { fs, skipped } = memFsFromCpio(archive);
    if (skipped.length) log(`${initrdPath}: left out ${skipped.length} special file(s): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', ...' : ''}`);
    privateFs = fs;
  } else if (root) {
    privateFs = new HostFs(root);
  }
  const bytes = readProgram(privateFs, program);
  const node = new Node({
    cores: Math.max(...cores) + 1,
    memory: sizeOption(o.get('memory'), 'memory', 512 * 1024 * 1024),
    freqHz: freqOption(o.get('freq'), 'freq', 1e9),
  });
  const lwk = new Lwk(node, {
    io, log: (m) => log(m), fs: privateFs ?? new HostFs('/'), cwd: privateFs ? '/' : process.cwd(),
    stackSize: sizeOption(o.get('stack'), 'stack', 8 * 1024 * 1024),
    cores,
    // The bundle is its own worker script (main.ts starts a core worker when it sees servalLwkCore).
    parallel: o.has('parallel') ? { workerFile: __filename } : undefined,
  });
  if (archive) placeInitrd(lwk, archive);
  const env = ['PATH=/usr/local/bin:/usr/bin:/bin', `HOME=${privateFs ? '/' : process.env.HOME ?? '/'}`, 'TERM=dumb', 'LANG=C'];
  const job = launchJob(lwk, {
    program: bytes, path: program, argv: [program, ...args], envp: env, ranks, cores, heap, smartmap: o.has('smartmap'),
    maxPage, io,
  });
  const outcome = lwk.run(() => job.ended);
  job.flush();
  if (o.has('stats')) {
    log(`instructions=${node.cores.reduce((a, c) => a + c.cpu.icount, 0)} virtual_ns=${Math.round(node.clock.now)}`);
  }
  if (outcome.kind === 'deadlock') log(`the program can make no progress: ${outcome.reason}`);
  return job.status;
}
