// Issue 6's checkpoint acceptance through the built CLI: load module → create VM from a config →
// launch → console shows the guest → save → stop → load → the guest continues and ends with exactly
// the output and instruction count of an uninterrupted run. The guest is the built-in ticker: its
// output folds in the exact instruction at which each timer interrupt landed and prints the TSC,
// so any difference in memory, registers, devices or time after the load would show.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serval } from './cli.js';
import { tmp } from './tools.js';

const CONFIG = {
  name: 'ticker', memory: '16M', kernel: { path: 'builtin:ticker' },
  devices: [
    { id: 'pic', class: 'pic8259' }, { id: 'pit', class: 'pit8254' },
    { id: 'com1', class: 'uart16550' }, { id: 'exit', class: 'debug-exit' },
  ],
};

/** The guest's console (everything between the create line and the wait line) and the final inspect line. */
function parse(stdout: string) {
  const inspect = stdout.split('\n').filter((l) => /^vm0 ticker stopped/.test(l)).pop() ?? '';
  return {
    console: stdout.slice(stdout.indexOf('ticker: 10 kHz'), stdout.indexOf('vm0 stopped:')),
    instructions: Number(/instructions=(\d+)/.exec(inspect)?.[1]),
    inspect: inspect.replace(/ time_ns=\d+/, ''),
  };
}

describe('serval host: checkpoints', () => {
  const dir = tmp();
  const cfg = join(dir, 'ticker.json');
  writeFileSync(cfg, JSON.stringify(CONFIG));

  const whole = serval(['host', 'script', '-'], { cwd: dir, input: `insmod v3vee cpus=1 mem=64M\nv3_create ${cfg}\nv3_launch 0\nv3_cons 0\nv3_wait 0\nv3_inspect 0\n` });
  const ref = parse(whole.stdout);

  it('the uninterrupted run', () => {
    expect(whole.stderr).toBe('');
    expect(whole.status).toBe(0);
    expect(ref.console).toMatch(/^ticker: 10 kHz timer, 60 ticks\n(ticks=\w{16} hash=\w{16} tsc=\w{16}\n){6}ticker done hash=\w{16}\n$/);
    expect(ref.instructions).toBeGreaterThan(1_000_000);
    expect(whole.stdout).toContain('vm0 stopped: guest exit status 0\n');
  });

  it('load module → create → launch → console → save → stop → load → continue: the same output and instruction count', () => {
    const script = join(dir, 'cut.v3');
    writeFileSync(script, [
      '# the acceptance sequence, in one host',
      'insmod v3vee cpus=1 mem=64M',
      `v3_create ${cfg}`,
      'v3_launch /dev/v3-vm0',
      'v3_cons /dev/v3-vm0',
      'v3_simulate /dev/v3-vm0 3',
      'echo --- saving',
      'v3_save /dev/v3-vm0 cut.ckpt',
      'v3_stop /dev/v3-vm0',
      'v3_load /dev/v3-vm0 cut.ckpt',
      'v3_continue /dev/v3-vm0',
      'v3_wait /dev/v3-vm0',
      'v3_inspect /dev/v3-vm0',
      'v3_free 0',
      'rmmod v3vee',
    ].join('\n'));
    const r = serval(['host', 'script', script], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The save happened mid-run: part of the output came before it.
    const [before] = r.stdout.split('--- saving');
    expect(before).toContain('ticker: 10 kHz timer');
    expect(before).not.toContain('ticker done');
    const got = parse(r.stdout.replace(/--- saving\nsaved cut.ckpt \(\d+ bytes\)\n/, ''));
    expect(got.console).toBe(ref.console);
    expect(got.instructions).toBe(ref.instructions);
    expect(got.inspect).toBe(ref.inspect);
    expect(readFileSync(join(dir, 'cut.ckpt')).subarray(0, 8).toString()).toBe('SERVALVM');
  });

  it('a checkpoint carries the VM from one serval process to another', () => {
    const a = serval(['host', 'v3', 'create', cfg, '+', 'cons', '0', '+', 'simulate', '0', '4', '+', 'save', '0', 'x.ckpt'], { cwd: dir });
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const b = serval(['host', 'v3', 'create', cfg, '+', 'load', '0', 'x.ckpt', '+', 'cons', '0', '+', 'continue', '0', '+', 'wait', '0', '+', 'inspect', '0'], { cwd: dir });
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    const printedBefore = a.stdout.slice(a.stdout.indexOf('ticker: 10 kHz'), a.stdout.indexOf('saved x.ckpt'));
    const after = b.stdout.slice(b.stdout.indexOf('\n') + 1, b.stdout.indexOf('vm0 stopped:'));
    expect(printedBefore + after).toBe(ref.console);
    expect(parse(b.stdout).instructions).toBe(ref.instructions);
  });

  it('a truncated or corrupted checkpoint is refused with its code and the VM is unchanged', () => {
    const good = readFileSync(join(dir, 'cut.ckpt'));
    writeFileSync(join(dir, 'short.ckpt'), good.subarray(0, good.length - 10));
    const bad = Buffer.from(good);
    bad[bad.length >> 1] ^= 0x10;
    writeFileSync(join(dir, 'bad.ckpt'), bad);
    writeFileSync(join(dir, 'text.ckpt'), 'hello\n');
    const r = serval(['host', 'v3', 'create', cfg, '+', 'simulate', '0', '1', '+', 'inspect', '0',
      '+', 'try', 'load', '0', 'short.ckpt', '+', 'try', 'load', '0', 'bad.ckpt', '+', 'try', 'load', '0', 'text.ckpt', '+', 'inspect', '0',
      '+', 'load', '0', 'bad.ckpt'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^serval: command:8: v3_load 0 bad.ckpt: bad.ckpt: checkpoint checksum mismatch .* \[CKPT_CHECKSUM\]\n$/);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('error '));
    expect(errors.map((l) => l.split(':')[0])).toEqual(['error CKPT_TRUNCATED', 'error CKPT_CHECKSUM', 'error CKPT_NOT_A_CHECKPOINT']);
    const inspects = r.stdout.split('\n').filter((l) => l.startsWith('vm0 ticker paused'));
    expect(inspects).toHaveLength(2);
    expect(inspects[1]).toBe(inspects[0]);
  });
});
