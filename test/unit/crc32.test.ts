// CRC-32 against Node's zlib.crc32 (an independent implementation) on random bytes of
// awkward lengths, whole and in pieces.
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Begin, crc32End, crc32Update } from '../../src/io/crc32.js';

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('crc32', () => {
  it('matches zlib on empty, short and long inputs', () => {
    for (const [n, seed] of [[0, 1], [1, 2], [7, 3], [255, 4], [100_003, 5]]) {
      const b = bytes(n, seed);
      expect(crc32(b), `n=${n}`).toBe(zlibCrc32(b));
    }
  });

  it('gives the same value when fed in pieces', () => {
    const b = bytes(10_007, 9);
    let state = crc32Begin();
    for (const [from, to] of [[0, 1], [1, 4000], [4000, 4000], [4000, 10_007]]) state = crc32Update(state, b.subarray(from, to));
    expect(crc32End(state)).toBe(zlibCrc32(b));
  });
});
