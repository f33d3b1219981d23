// ImageDataset validation and subset views.
import { describe, expect, it } from 'vitest';
import { DatasetError, subset, validateDataset, type ImageDataset } from '../../src/data/dataset.js';

// 5 images of 2x3; image i has every pixel i/10 and label i % 3.
function five(): ImageDataset {
  const images = new Float32Array(5 * 6).map((_, k) => Math.floor(k / 6) / 10);
  return { images, labels: Uint8Array.from([0, 1, 2, 0, 1]), n: 5, rows: 2, cols: 3, classes: 3, name: 'five' };
}

describe('validateDataset', () => {
  it('returns a valid dataset unchanged', () => {
    const ds = five();
    expect(validateDataset(ds)).toBe(ds);
  });

  it('names each problem', () => {
    const cases: [Partial<ImageDataset>, RegExp][] = [
      [{ n: 4 }, /images has 30 values, expected n\*rows\*cols = 4\*2\*3 = 24/],
      [{ labels: new Uint8Array(4) }, /labels has 4 entries but there are n = 5 images/],
      [{ n: 2.5 }, /n = 2.5 is not a non-negative integer/],
      [{ rows: 0 }, /image shape 0x3 is not positive integers/],
      [{ classes: 0 }, /classes = 0 must be an integer in 1..256/],
      [{ classes: 2 }, /label 2 of image 2 is >= classes = 2/],
    ];
    for (const [change, message] of cases) {
      expect(() => validateDataset({ ...five(), ...change })).toThrow(message);
    }
  });

  it('names a pixel outside [0, 1] by image, row and col, NaN included', () => {
    for (const bad of [-0.5, 1.5, NaN, Infinity]) {
      const ds = five();
      ds.images[3 * 6 + 4] = bad;
      expect(() => validateDataset(ds)).toThrow(new RegExp(`'five': pixel value ${bad} at image 3, row 1, col 1 is outside \\[0, 1\\]`));
    }
  });

  it('throws DatasetError', () => {
    expect(() => validateDataset({ ...five(), classes: 1 })).toThrow(DatasetError);
  });
});

describe('subset', () => {
  it('is a view of images start..start+count-1', () => {
    const ds = five();
    const s = subset(ds, 1, 3);
    expect([s.n, s.rows, s.cols, s.classes, s.name]).toEqual([3, 2, 3, 3, 'five[1:4]']);
    expect(Array.from(s.labels)).toEqual([1, 2, 0]);
    expect(s.images[0]).toBe(ds.images[6]);
    expect(s.images.length).toBe(18);
    s.images[0] = 1;
    expect(ds.images[6]).toBe(1);
    expect(validateDataset(s)).toBe(s);
    expect(subset(ds, 5, 0).n).toBe(0);
  });

  it('names a range outside the dataset', () => {
    expect(() => subset(five(), 3, 3)).toThrow(/subset of 'five': images 3..5 are not within its 5 images/);
    expect(() => subset(five(), -1, 2)).toThrow(DatasetError);
    expect(() => subset(five(), 0, 1.5)).toThrow(DatasetError);
  });
});
