// The System V x86-64 process entry stack: argc, argv, envp, the auxiliary vector and the strings
// they point to, 16-byte aligned, built once in host memory and copied into the task's stack.

export const AT = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12,
  GID: 13, EGID: 14, PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26, EXECFN: 31,
  MINSIGSTKSZ: 51,
} as const;

export interface StackSpec {
  argv: string[];
  envp: string[];
  /** Auxiliary vector entries other than those pointing at strings or random bytes. */
  aux: [number, number][];
  execfn: string;
  platform: string;
  /** 16 bytes for AT_RANDOM. */
  random: Uint8Array;
  /** User address of the stack top (exclusive). */
  top: number;
}

export interface BuiltStack {
  /** The bytes to place so that they end at `top`. */
  bytes: Uint8Array;
  /** Initial RSP (points at argc). */
  sp: number;
}

export function buildInitialStack(spec: StackSpec): BuiltStack {
  const enc = new TextEncoder();
  const strings: Uint8Array[] = [];
  let strBytes = 0;
  const place = (s: string | Uint8Array): number => {
    const b = typeof s === 'string' ? enc.encode(`${s}\0`) : s;
    strings.push(b);
    strBytes += b.length;
    return strBytes; // distance below top of the end of this string's start (fixed up below)
  };
  const execfnOff = place(spec.execfn);
  const argvOffs = spec.argv.map((a) => place(a));
  const envOffs = spec.envp.map((e) => place(e));
  const platOff = place(spec.platform);
  const randOff = place(spec.random);
  const strTop = spec.top;
  const addrOf = (off: number) => strTop - off;
  const aux: [number, number][] = [
    ...spec.aux,
    [AT.RANDOM, addrOf(randOff)],
    [AT.PLATFORM, addrOf(platOff)],
    [AT.EXECFN, addrOf(execfnOff)],
    [AT.NULL, 0],
  ];
  const words: number[] = [spec.argv.length, ...argvOffs.map(addrOf), 0, ...envOffs.map(addrOf), 0];
  for (const [k, v] of aux) words.push(k, v);
  const stringsStart = strTop - strBytes;
  const sp = Math.floor((stringsStart - 8 * words.length) / 16) * 16;
  const total = strTop - sp;
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  words.forEach((w, i) => {
    dv.setUint32(i * 8, w % 4294967296, true);
    dv.setUint32(i * 8 + 4, Math.floor(w / 4294967296), true);
  });
  // Strings were placed top-down in order: the first lies highest.
  let at = total;
  for (const s of strings) {
    at -= s.length;
    bytes.set(s, at);
  }
  return { bytes, sp };
}
