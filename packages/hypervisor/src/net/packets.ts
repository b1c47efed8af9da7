// Ethernet, ARP, IPv4, ICMP and TCP headers as the user-mode NAT reads and writes them (RFC 826,
// 791, 792, 793): parse into plain objects, build with correct checksums. Options are skipped on
// input, except TCP's MSS; IPv4 fragments are not reassembled (guests send whole segments).

export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const IP_ICMP = 1;
export const IP_TCP = 6;
export const TCP = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

export function ipString(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

export function parseIp(text: string): number {
  const p = text.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

const be16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const be32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const put16 = (b: Uint8Array, o: number, v: number) => { b[o] = (v >>> 8) & 255; b[o + 1] = v & 255; };
const put32 = (b: Uint8Array, o: number, v: number) => { put16(b, o, v >>> 16); put16(b, o + 2, v & 0xffff); };

/** The Internet checksum (RFC 1071) of `b[off, off+len)`, starting from a partial `sum`. */
export function checksum(b: Uint8Array, off: number, len: number, sum = 0): number {
  for (let i = 0; i + 1 < len; i += 2) sum += be16(b, off + i);
  if (len & 1) sum += b[off + len - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface Eth { dst: Uint8Array; src: Uint8Array; type: number; payload: Uint8Array }

export function parseEth(f: Uint8Array): Eth | undefined {
  if (f.length < 14) return undefined;
  return { dst: f.subarray(0, 6), src: f.subarray(6, 12), type: be16(f, 12), payload: f.subarray(14) };
}

export function buildEth(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(Math.max(60, 14 + payload.length));
  f.set(dst, 0); f.set(src, 6); put16(f, 12, type); f.set(payload, 14);
  return f;
}

export interface Arp { op: number; sha: Uint8Array; spa: number; tha: Uint8Array; tpa: number }

export function parseArp(p: Uint8Array): Arp | undefined {
  if (p.length < 28 || be16(p, 0) !== 1 || be16(p, 2) !== ETH_IPV4 || p[4] !== 6 || p[5] !== 4) return undefined;
  return { op: be16(p, 6), sha: p.subarray(8, 14), spa: be32(p, 14), tha: p.subarray(18, 24), tpa: be32(p, 24) };
}

export function buildArp(a: Arp): Uint8Array {
  const p = new Uint8Array(28);
  put16(p, 0, 1); put16(p, 2, ETH_IPV4); p[4] = 6; p[5] = 4; put16(p, 6, a.op);
  p.set(a.sha, 8); put32(p, 14, a.spa); p.set(a.tha, 18); put32(p, 24, a.tpa);
  return p;
}

export interface Ip { src: number; dst: number; proto: number; ttl: number; payload: Uint8Array }

export function parseIp4(p: Uint8Array): Ip | undefined {
  if (p.length < 20 || p[0] >> 4 !== 4) return undefined;
  const ihl = (p[0] & 15) * 4, total = be16(p, 2);
  if (ihl < 20 || total < ihl || total > p.length) return undefined;
  // A fragment (MF set or an offset) is not something the NAT reassembles.
  if (be16(p, 6) & 0x3fff) return undefined;
  return { src: be32(p, 12), dst: be32(p, 16), proto: p[9], ttl: p[8], payload: p.subarray(ihl, total) };
}

let ipId = 0;

export function buildIp4(src: number, dst: number, proto: number, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  p[0] = 0x45; put16(p, 2, p.length); put16(p, 4, ipId = (ipId + 1) & 0xffff); put16(p, 6, 0x4000);
  p[8] = 64; p[9] = proto; put32(p, 12, src); put32(p, 16, dst);
  put16(p, 10, checksum(p, 0, 20));
  p.set(payload, 20);
  return p;
}

export interface Tcp { sport: number; dport: number; seq: number; ack: number; flags: number; window: number; mss: number | undefined; data: Uint8Array }

export function parseTcp(p: Uint8Array): Tcp | undefined {
  if (p.length < 20) return undefined;
  const off = (p[12] >> 4) * 4;
  if (off < 20 || off > p.length) return undefined;
  let mss: number | undefined;
  for (let i = 20; i < off;) {
    const kind = p[i];
    if (kind === 0) break;
    if (kind === 1) { i++; continue; }
    const len = p[i + 1];
    if (len < 2) break;
    if (kind === 2 && len === 4) mss = be16(p, i + 2);
    i += len;
  }
  return { sport: be16(p, 0), dport: be16(p, 2), seq: be32(p, 4), ack: be32(p, 8), flags: p[13] & 0x3f, window: be16(p, 14), mss, data: p.subarray(off) };
}

export function buildTcp(src: number, dst: number, t: Omit<Tcp, 'data' | 'mss'> & { mss?: number; data?: Uint8Array }): Uint8Array {
  const opt = t.mss === undefined ? 0 : 4;
  const data = t.data ?? new Uint8Array(0);
  const p = new Uint8Array(20 + opt + data.length);
  put16(p, 0, t.sport); put16(p, 2, t.dport); put32(p, 4, t.seq); put32(p, 8, t.ack);
  p[12] = ((20 + opt) / 4) << 4; p[13] = t.flags; put16(p, 14, t.window);
  if (t.mss !== undefined) { p[20] = 2; p[21] = 4; put16(p, 22, t.mss); }
  p.set(data, 20 + opt);
  // Pseudo-header: source, destination, protocol, length.
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + IP_TCP + p.length;
  put16(p, 16, checksum(p, 0, p.length, pseudo));
  return p;
}

export function buildIcmpEchoReply(request: Uint8Array): Uint8Array {
  const p = request.slice();
  p[0] = 0; p[2] = 0; p[3] = 0;
  put16(p, 2, checksum(p, 0, p.length));
  return p;
}
