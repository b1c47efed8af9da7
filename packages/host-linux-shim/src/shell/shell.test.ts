import { describe, expect, it } from 'vitest';
import { testHost } from '../testing.js';
import { HostShell, ScriptError, splitWords } from './shell.js';

function shell(files?: Map<string, Uint8Array>) {
  const t = testHost({ files });
  let out = '';
  const sh = new HostShell(t.host, { out: (s) => { out += s; }, terminal: (b) => { out += new TextDecoder().decode(b); } });
  return { ...t, sh, out: () => out };
}

const instructions = (out: string) => Number(/instructions=(\d+)/.exec(out.split('\n').filter((l) => l.startsWith('vm0 ')).pop()!)![1]);

describe('the host shell', () => {
  it('splits words with quotes and ignores comments', () => {
    expect(splitWords(`v3_create "my config.json" 'a b'  c`)).toEqual(['v3_create', 'my config.json', 'a b', 'c']);
    const { sh, out } = shell();
    sh.script('# a comment\n\necho hello   # trailing\n');
    expect(out()).toBe('hello\n');
  });

  it('v3_create reads YAML and Palacios XML configs as vm boot does, and names a bad line', () => {
    const enc = (t: string) => new TextEncoder().encode(t);
    const files = new Map<string, Uint8Array>([
      ['demo.yaml', enc('name: y\nmemory: 32M\nkernel: { path: "builtin:demo" }\ndevices:\n  - { id: com1, class: uart16550 }\n  - { id: exit, class: debug-exit }\n')],
      ['demo.xml', enc('<vm class="PC"><memory>32</memory><files><file id="k" filename="builtin:demo"/></files><kernel file="k"/><devices><device class="SERIAL" id="com1"/></devices></vm>')],
      ['bad.yaml', enc('name: y\nmemory: [\n')],
    ]);
    const { sh, out } = shell(files);
    sh.script(['insmod v3vee cpus=1 mem=128M', 'v3_create demo.yaml', 'v3_launch y', 'v3_cons y', 'v3_wait y', 'v3_free y',
      'v3_create demo.xml', 'v3_launch 1', 'v3_cons 1', 'v3_wait 1', 'v3_free 1', 'try v3_create bad.yaml'].join('\n'));
    expect(out().match(/Serval demo guest kernel/g)).toHaveLength(2);
    expect(out()).toMatch(/^vm0 y: \/dev\/v3-vm0\n/);
    expect(out()).toMatch(/\nerror BAD_CONFIG: .*bad\.yaml line 2.*\n$/);
  });

  it('save, stop, load: the guest continues and ends with the output and instruction count of an uninterrupted run', () => {
    const whole = shell();
    whole.sh.script(['insmod v3vee cpus=1 mem=64M', 'v3_create builtin:ticker', 'v3_launch 0', 'v3_cons 0', 'v3_wait 0', 'v3_inspect 0'].join('\n'));
    const ref = whole.out();
    expect(ref).toMatch(/^vm0 ticker: \/dev\/v3-vm0\nticker: 10 kHz timer, 60 ticks\n[^]*ticker done hash=[0-9A-F]{16}\nvm0 stopped: guest exit status 0\nvm0 ticker stopped \(guest-exit 0\) instructions=\d+/);

    const files = new Map<string, Uint8Array>();
    const cut = shell(files);
    cut.sh.script([
      'insmod v3vee cpus=1 mem=64M',
      'v3_create builtin:ticker',
      'v3_launch /dev/v3-vm0',
      'v3_cons /dev/v3-vm0',
      'v3_simulate ticker 3',
      'v3_save vm0 t.ckpt',
      'v3_stop 0',
      'v3_load 0 t.ckpt',
      'v3_continue 0',
      'v3_wait 0',
      'v3_inspect 0',
    ].join('\n'));
    const got = cut.out().replace(/saved t.ckpt \(\d+ bytes\)\n/, '');
    expect(cut.out()).toMatch(/saved t.ckpt \(\d+ bytes\)\n/);
    expect(files.get('t.ckpt')!.length).toBeGreaterThan(1000);
    expect(got.replace(/ time_ns=\d+/, '')).toBe(ref.replace(/ time_ns=\d+/, ''));
    expect(instructions(got)).toBe(instructions(ref));

    // The same checkpoint on a fresh host (another process, as far as the guest can tell).
    const fresh = shell(files);
    fresh.sh.script(['insmod v3vee cpus=1 mem=64M', 'v3_create builtin:ticker', 'v3_load 0 t.ckpt', 'v3_continue 0', 'v3_cons 0', 'v3_wait 0', 'v3_inspect 0'].join('\n'));
    const rest = fresh.out().replace(/^vm0 ticker: \/dev\/v3-vm0\n/, '').replace(/ time_ns=\d+/, '');
    expect(rest).toContain('ticker done hash=');
    expect(ref.replace(/ time_ns=\d+/, '').endsWith(rest)).toBe(true);
    expect(instructions(fresh.out())).toBe(instructions(ref));
  });

  it('v3_move_vcore moves a running guest\'s vCPU between the module\'s cores without the guest noticing', () => {
    const whole = shell();
    whole.sh.script('insmod v3vee cpus=1-2 mem=64M\nv3_create builtin:ticker\nv3_launch 0\nv3_cons 0\nv3_wait 0\nv3_inspect 0');
    const moved = shell();
    moved.sh.script('insmod v3vee cpus=1-2 mem=64M\nv3_create builtin:ticker\nv3_launch 0\nv3_cons 0\nv3_wait 0 2\nv3_move_vcore 0 0 2\nv3_wait 0\nv3_inspect 0\ncat /proc/v3vee');
    const strip = (o: string) => o.replace('vm0 still running\n', '').replace(/ time_ns=\d+/, '').replace(/ on cpu\d/, '');
    expect(moved.out()).toContain('  vcpu0 on cpu2 rip=0x');
    expect(moved.out()).toContain('cpus: 1,2 (free: 1)');
    expect(strip(moved.out()).startsWith(strip(whole.out()))).toBe(true);
  });

  it('shows resources and the module in /proc, and lists device files', () => {
    const { sh, out } = shell();
    sh.script('insmod v3vee cpus=2-3 mem=32M\nv3_mem 32M\nv3_create builtin:demo\nls /dev\ncat /proc/v3vee\nlsmod\nv3_list\nv3_free demo\nrmmod v3vee\ncat /proc/cpus');
    expect(out()).toBe([
      'vm0 demo: /dev/v3-vm0',
      '/dev/v3-vm0', '/dev/v3vee',
      'cpus: 2,3 (free: 3)',
      'memory: 64 MiB reserved in 2 block(s), 32 MiB in use',
      'block 0x001000000-0x002ffffff: vm0 32M',
      'block 0x003000000-0x004ffffff: free 32M',
      'vms: 1',
      'vm0 demo created cpus=2 mem=32M@0x001000000-0x002ffffff',
      'v3vee cpus=2-3 mem=32M',
      'vm0 demo created',
      'cpu0: online', 'cpu1: online', 'cpu2: online', 'cpu3: online', '',
    ].join('\n'));
  });

  it('try reports a failure with its code and goes on; the failed load changed nothing', () => {
    const files = new Map<string, Uint8Array>();
    const { sh, out } = shell(files);
    sh.script('insmod v3vee cpus=1 mem=64M\nv3_create builtin:ticker\nv3_simulate 0 2\nv3_save 0 a.ckpt\nv3_inspect 0');
    const a = files.get('a.ckpt')!;
    const bad = a.slice();
    bad[a.length - 3] ^= 0x40;
    files.set('bad.ckpt', bad);
    files.set('short.ckpt', a.subarray(0, a.length - 4096));
    const before = out().split('\n').filter((l) => l.startsWith('vm0 ')).pop();
    sh.script('try v3_load 0 bad.ckpt\ntry v3_load 0 short.ckpt\ntry v3_frob 0\ntry v3_load 9 a.ckpt\ntry insmod v3vee cpus=99\nv3_inspect 0');
    const lines = out().split('\n');
    expect(lines.filter((l) => l.startsWith('error '))).toEqual([
      expect.stringMatching(/^error CKPT_CHECKSUM: bad.ckpt: checkpoint checksum mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the file is damaged$/),
      expect.stringMatching(/^error CKPT_TRUNCATED: short.ckpt: checkpoint is truncated \(\d+ of \d+ bytes\)$/),
      expect.stringMatching(/^error ENOENT: v3_frob: command not found/),
      'error ENOENT: /dev/v3-vm9: no such device',
      'error EEXIST: insmod: module v3vee is already loaded',
    ]);
    expect(lines.filter((l) => l.startsWith('vm0 ')).pop()).toBe(before);
  });

  it('stops at the first failing line, naming it, with the failure\'s own stable code', () => {
    const fail = (script: string) => {
      const { sh } = shell();
      try { sh.script(script, 's.txt'); } catch (e) { expect(e).toBeInstanceOf(ScriptError); return `${(e as ScriptError).code} ${(e as Error).message}`; }
      return 'no error';
    };
    expect(fail('v3_create builtin:demo')).toBe('ENOENT s.txt:1: v3_create builtin:demo: /dev/v3vee: no such device (insmod v3vee first)');
    expect(fail('insmod v3vee cpus=7')).toBe('EINVAL s.txt:1: insmod v3vee cpus=7: v3vee cpus: cpu 7 does not exist (the host has cpus 0-3)');
    expect(fail('insmod v3vee\nv3_launch 4')).toBe('ENOENT s.txt:2: v3_launch 4: /dev/v3-vm4: no such device');
    expect(fail('insmod v3vee\nv3_launch nosuchvm')).toMatch(/^ENOENT s.txt:2: .*no VM "nosuchvm"/);
    expect(fail('frobnicate')).toMatch(/^ENOENT s.txt:1: frobnicate: frobnicate: command not found/);
    expect(fail('insmod v3vee\nv3_create builtin:demo\nv3_simulate 0 x')).toMatch(/^EINVAL .*"x" is not a whole number of milliseconds/);
    expect(fail('insmod v3vee\nv3_create builtin:demo\nv3_load 0 nothing.ckpt')).toMatch(/nothing.ckpt: no such file/);
    expect(fail('insmod v3vee\nv3_create builtin:demo\nv3_launch 0\nrmmod v3vee')).toBe('EBUSY s.txt:4: rmmod v3vee: rmmod: module v3vee is in use: 1 VM(s) exist; free them first');
    expect(fail('insmod v3vee\nv3_save')).toBe('EINVAL s.txt:2: v3_save: usage: v3_save VM FILE');
  });
});
