// CRC-32 (IEEE 802.3, the polynomial of zlib, PNG and gzip), so a checkpoint can say
// whether its bytes are the ones written. Table-driven; a few hundred MB/s is plenty
// for model files of a few MB. Browser-safe (node:zlib's crc32 is Node-only).
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC over `bytes`; start from crc32Begin() and finish with crc32End(). */
export function crc32Update(state: number, bytes: Uint8Array): number {
  let c = state;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

export const crc32Begin = (): number => 0xffffffff;
export const crc32End = (state: number): number => (state ^ 0xffffffff) >>> 0;

export function crc32(bytes: Uint8Array): number {
  return crc32End(crc32Update(crc32Begin(), bytes));
}

/** The 8-digit lowercase hex form stored in files. */
export function crc32Hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
