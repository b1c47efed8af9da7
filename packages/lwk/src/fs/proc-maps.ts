// /proc/self/maps as Linux prints it, from the LWK's own mappings: programs (and the kernel's
// selftests) read it to find their stack, heap or a vDSO. There is no vDSO and no vsyscall page.
import type { Mm } from '../mm/mm.js';

const hex = (n: number) => n.toString(16).padStart(8, '0');

export function mapsText(mm: Mm, exe: string): string {
  return mm.mappings.map((m) => {
    const perms = `${m.prot.read ? 'r' : '-'}${m.prot.write ? 'w' : '-'}${m.prot.exec ? 'x' : '-'}${m.kind === 'shared' ? 's' : 'p'}`;
    const name = m.kind === 'image' ? exe : m.kind === 'heap' ? '[heap]' : m.kind === 'stack' ? '[stack]' : '';
    const head = `${hex(m.va)}-${hex(m.va + m.size)} ${perms} 00000000 00:00 0`;
    return name ? `${head.padEnd(73)}${name}\n` : `${head}\n`;
  }).join('');
}
