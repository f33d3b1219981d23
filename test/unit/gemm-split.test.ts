// How a GEMM's K is cut: sequential launches under llvmpipe's loop limit, and
// parallel slices for a small C with a long K (src/ops/gemm-split.ts).
import { describe, expect, it } from 'vitest';
import { kRanges, kSlicing } from '../../src/ops/gemm-split.js';

describe('kSlicing', () => {
  it('slices only a small C with a long K', () => {
    expect(kSlicing(288, 64, 6272, 60_000)).toEqual({ count: 3, length: 2112 });
    expect(kSlicing(9, 32, 25_088, 60_000)).toEqual({ count: 8, length: 3136 });
    expect(kSlicing(9, 32, 4095, 60_000)).toBeNull();
    expect(kSlicing(256, 129, 1_000_000, 60_000)).toBeNull();
  });

  it('covers K exactly once in aligned slices that each fit one launch', () => {
    for (const K of [4096, 4097, 9001, 25_088, 65_536, 200_704, 1_000_003]) {
      for (const perLaunch of [60_000, 48_000, 4096]) {
        const s = kSlicing(3, 5, K, perLaunch)!;
        expect(s.length % 64).toBe(0);
        expect(s.length).toBeLessThanOrEqual(perLaunch);
        expect(s.count * s.length).toBeGreaterThanOrEqual(K);
        expect((s.count - 1) * s.length).toBeLessThan(K);
      }
    }
  });
});

describe('kRanges', () => {
  it('covers K in launches of at most the step, the first and last marked', () => {
    expect(kRanges(10, 4)).toEqual([
      { begin: 0, end: 4, first: true, last: false },
      { begin: 4, end: 8, first: false, last: false },
      { begin: 8, end: 10, first: false, last: true },
    ]);
    expect(kRanges(0, 4)).toEqual([{ begin: 0, end: 0, first: true, last: true }]);
  });
});
