// The Philox reference against the published known-answer vectors (Random123's
// kat_vectors, Philox4x32 with 10 rounds), its 64-bit product against BigInt, and
// the statistics and counter layout of the normals built on it.
import { describe, expect, it } from 'vitest';
import { boxMuller, mulhilo32, philox4x32, randnReference, unitFromWord } from './philox.js';
import { rng } from '../random.js';

const hex = (words: readonly number[]) => words.map((w) => w.toString(16).padStart(8, '0')).join(' ');

function moments(a: Float64Array): { mean: number; variance: number } {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / (a.length - 1);
  return { mean, variance };
}

describe('philox reference', () => {
  it('reproduces the Random123 known-answer vectors for Philox4x32-10', () => {
    const kat: [number[], number[], string][] = [
      [[0, 0, 0, 0], [0, 0], '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
      [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], '408f276d 41c83b0e a20bc7c6 6d5451fd'],
      [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], 'd16cfe09 94fdcceb 5001e420 24126ea1'],
    ];
    for (const [counter, key, expected] of kat) {
      expect(hex(philox4x32(counter as [number, number, number, number], key as [number, number]))).toBe(expected);
    }
  });

  it('forms the 64-bit product exactly', () => {
    const r = rng(7);
    const pairs: [number, number][] = [
      [0xffffffff, 0xffffffff],
      [0xd2511f53, 0xffffffff],
      [0, 0xcd9e8d57],
      [0x10000, 0x10000],
    ];
    for (let i = 0; i < 1000; i++) pairs.push([Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)]);
    for (const [a, b] of pairs) {
      const p = BigInt(a) * BigInt(b);
      expect(mulhilo32(a, b)).toEqual([Number(p >> 32n), Number(p & 0xffffffffn)]);
    }
  });

  it('maps words to uniforms that are exact in f32 and strictly inside (0, 1)', () => {
    expect(unitFromWord(0)).toBe(2 ** -24);
    expect(unitFromWord(0xffffffff)).toBe(1 - 2 ** -24);
    const r = rng(11);
    for (let i = 0; i < 1000; i++) {
      const u = unitFromWord(Math.floor(r() * 2 ** 32));
      expect(Math.fround(u)).toBe(u);
    }
  });

  it('gives standard normals: mean 0, variance 1, 68.3% within one sigma, over 1e5 draws', () => {
    const n = 100_000;
    const z = randnReference(n, { seed: 1234, step: 0 });
    const { mean, variance } = moments(z);
    // Bounds at 5 standard errors: mean 1/sqrt(n), variance sqrt(2/n), proportion sqrt(p(1-p)/n).
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    const inside = z.filter((v) => Math.abs(v) < 1).length / n;
    expect(Math.abs(inside - 0.682689)).toBeLessThan(5 * Math.sqrt((0.682689 * 0.317311) / n));
    // The largest |n| Box-Muller can reach with u0 >= 2^-24.
    expect(Math.max(...z.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(-2 * Math.log(2 ** -24)));
  });

  it('keys element e by its counter e / 4 and lane e % 4, whatever the length', () => {
    const key = { seed: 9, step: 3, stream: 0 };
    const long = randnReference(35, key);
    expect(randnReference(7, key)).toEqual(long.subarray(0, 7));
    expect(Array.from(long.subarray(28, 32))).toEqual(boxMuller(philox4x32([7, 0, 0, 0], [9, 3])));
  });

  it('decorrelates seeds, steps and streams', () => {
    const n = 20_000;
    const base = randnReference(n, { seed: 5, step: 10, stream: 0 });
    const others = [
      randnReference(n, { seed: 6, step: 10, stream: 0 }),
      randnReference(n, { seed: 5, step: 11, stream: 0 }),
      randnReference(n, { seed: 5, step: 10, stream: 1 }),
      randnReference(n, { seed: 10, step: 5, stream: 0 }),
    ];
    for (const other of others) {
      const correlation = base.reduce((s, v, i) => s + v * other[i], 0) / n;
      expect(Math.abs(correlation)).toBeLessThan(5 / Math.sqrt(n));
    }
  });
});
