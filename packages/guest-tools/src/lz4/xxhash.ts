// xxHash32 (seed 0 by default), the checksum of the LZ4 frame format: its header, blocks and
// content checksums all use it.
const P1 = 2654435761, P2 = 2246822519, P3 = 3266489917, P4 = 668265263, P5 = 374761393;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const le32 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
const round = (acc: number, lane: number) => Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);

export function xxh32(b: Uint8Array, start = 0, end = b.length, seed = 0): number {
  let p = start;
  let acc: number;
  if (end - start >= 16) {
    let v1 = (seed + P1 + P2) | 0, v2 = (seed + P2) | 0, v3 = seed | 0, v4 = (seed - P1) | 0;
    for (; p + 16 <= end; p += 16) {
      v1 = round(v1, le32(b, p));
      v2 = round(v2, le32(b, p + 4));
      v3 = round(v3, le32(b, p + 8));
      v4 = round(v4, le32(b, p + 12));
    }
    acc = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    acc = (seed + P5) | 0;
  }
  acc = (acc + (end - start)) | 0;
  for (; p + 4 <= end; p += 4) acc = Math.imul(rotl((acc + Math.imul(le32(b, p), P3)) | 0, 17), P4);
  for (; p < end; p++) acc = Math.imul(rotl((acc + Math.imul(b[p], P5)) | 0, 11), P1);
  acc ^= acc >>> 15;
  acc = Math.imul(acc, P2);
  acc ^= acc >>> 13;
  acc = Math.imul(acc, P3);
  acc ^= acc >>> 16;
  return acc >>> 0;
}
