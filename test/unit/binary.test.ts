// The compact binary form of a Split: round trip on synthetic data and every
// error of the decoder. (The embedded MNIST round trip is in mnist-embedded.test.ts.)
import { describe, expect, it } from 'vitest';
import { decodeDatasetBinary, encodeDatasetBinary } from '../../src/data/binary.js';
import type { ImageDataset, Split } from '../../src/data/dataset.js';
import { uniform } from '../random.js';
import { assertClose } from '../tolerance.js';

function dataset(n: number, rows: number, cols: number, classes: number, name: string, seed: number): ImageDataset {
  const images = uniform(n * rows * cols, seed, 0, 1);
  // The ends of the range, and values just either side of a rounding boundary.
  images.set([0, 1, 0.5 / 255, 1.5 / 255 - 1e-6, 254.5 / 255 + 1e-6].slice(0, images.length));
  const labels = Uint8Array.from(uniform(n, seed + 1, 0, classes), Math.floor);
  return { images, labels, n, rows, cols, classes, name };
}

const split = (): Split => ({ train: dataset(13, 5, 3, 7, 'tiny/träin ✓', 1), test: dataset(4, 5, 3, 7, 'tiny/test', 2) });

describe('encodeDatasetBinary / decodeDatasetBinary', () => {
  it('round-trips shapes, names and labels exactly and pixels within 0.5/255', () => {
    const original = split();
    const back = decodeDatasetBinary(encodeDatasetBinary(original));
    for (const part of ['train', 'test'] as const) {
      const [a, b] = [back[part], original[part]];
      expect([a.n, a.rows, a.cols, a.classes, a.name]).toEqual([b.n, b.rows, b.cols, b.classes, b.name]);
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
      // Half a quantisation step, plus f32 rounding of the two values compared.
      assertClose(a.images, b.images, { atol: 0.5 / 255 + 1e-7, rtol: 0 }, `${part} pixels`);
    }
  });

  it('is exact for values that are already multiples of 1/255', () => {
    const once = decodeDatasetBinary(encodeDatasetBinary(split()));
    expect(Array.from(encodeDatasetBinary(once))).toEqual(Array.from(encodeDatasetBinary(split())));
  });

  it('decodes from a view at an odd offset of a larger buffer', () => {
    const bytes = encodeDatasetBinary(split());
    const host = new Uint8Array(bytes.length + 5);
    host.set(bytes, 1);
    expect(decodeDatasetBinary(host.subarray(1, 1 + bytes.length)).train.name).toBe('tiny/träin ✓');
  });

  it('handles an empty test split', () => {
    const back = decodeDatasetBinary(encodeDatasetBinary({ train: dataset(3, 2, 2, 2, 'a', 3), test: dataset(0, 2, 2, 2, 'b', 4) }));
    expect([back.train.n, back.test.n]).toEqual([3, 0]);
  });

  it('refuses splits that disagree or are invalid', () => {
    expect(() => encodeDatasetBinary({ train: dataset(2, 5, 3, 7, 'a', 1), test: dataset(2, 3, 5, 7, 'b', 2) })).toThrow(
      /train is 5x3 with 7 classes but test is 3x5 with 7/,
    );
    const bad = split();
    bad.test.images[3] = 1.5;
    expect(() => encodeDatasetBinary(bad)).toThrow(/dataset 'tiny\/test': pixel value 1.5 .* outside \[0, 1\]/);
  });

  it('names a file that is not an encoded dataset, or a broken one', () => {
    const bytes = encodeDatasetBinary(split());
    expect(() => decodeDatasetBinary(bytes.subarray(0, 20))).toThrow(/20 bytes is shorter than its 36-byte header/);
    const png = bytes.slice();
    png.set([0x89, 0x50, 0x4e, 0x47]);
    expect(() => decodeDatasetBinary(png)).toThrow(/magic '.PNG' found, expected 'WVAE'/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(4, 2, true);
    expect(() => decodeDatasetBinary(future)).toThrow(/version 2, but this library reads version 1/);
    expect(() => decodeDatasetBinary(bytes.subarray(0, bytes.length - 1))).toThrow(/header says 17 images of 5x3 \(\d+ bytes\) but the file has \d+ bytes: it is truncated/);
    const long = new Uint8Array(bytes.length + 1);
    long.set(bytes);
    expect(() => decodeDatasetBinary(long)).toThrow(/longer than its header says/);
    const lying = bytes.slice();
    new DataView(lying.buffer).setUint32(20, 18, true);
    expect(() => decodeDatasetBinary(lying)).toThrow(/train count 18 exceeds the 17 images/);
  });
});
