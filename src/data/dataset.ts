// The in-memory image dataset every part of the library trains and evaluates on:
// n greyscale images, each rows*cols pixels in [0, 1] stored row-major and packed
// one after another, with a class label per image. Browser-safe (no Node imports).
import { InputError } from '../gpu/errors.js';

export interface ImageDataset {
  /** [n, rows*cols], row-major pixels in [0, 1]. */
  images: Float32Array;
  /** [n], each < classes. */
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
  classes: number;
  /** Where it came from, e.g. 'mnist-embedded/train'; shown in logs and reports. */
  name: string;
}

export interface Split {
  train: ImageDataset;
  test: ImageDataset;
}

/** A dataset file or array is malformed; the message names the problem and the fix. */
export class DatasetError extends InputError {
  override name = 'DatasetError';
}

const isCount = (v: number) => Number.isInteger(v) && v >= 0;

/**
 * Checks every invariant of an ImageDataset (shape, value range, labels) and
 * returns it unchanged, so loaders can end with `return validateDataset(ds)`.
 * Walks every pixel once; about 0.1 s for 60,000 MNIST-sized images.
 */
export function validateDataset(ds: ImageDataset): ImageDataset {
  const where = `dataset '${ds.name}'`;
  if (!isCount(ds.n)) throw new DatasetError(`${where}: n = ${ds.n} is not a non-negative integer`);
  if (!isCount(ds.rows) || !isCount(ds.cols) || ds.rows === 0 || ds.cols === 0) {
    throw new DatasetError(`${where}: image shape ${ds.rows}x${ds.cols} is not positive integers`);
  }
  if (!Number.isInteger(ds.classes) || ds.classes < 1 || ds.classes > 256) {
    throw new DatasetError(`${where}: classes = ${ds.classes} must be an integer in 1..256 (labels are u8)`);
  }
  const pixels = ds.rows * ds.cols;
  if (ds.images.length !== ds.n * pixels) {
    throw new DatasetError(
      `${where}: images has ${ds.images.length} values, expected n*rows*cols = ${ds.n}*${ds.rows}*${ds.cols} = ${ds.n * pixels}`,
    );
  }
  if (ds.labels.length !== ds.n) {
    throw new DatasetError(`${where}: labels has ${ds.labels.length} entries but there are n = ${ds.n} images`);
  }
  const { images } = ds;
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    // Written so NaN fails too.
    if (!(v >= 0 && v <= 1)) {
      const image = Math.floor(i / pixels);
      const p = i % pixels;
      throw new DatasetError(
        `${where}: pixel value ${v} at image ${image}, row ${Math.floor(p / ds.cols)}, col ${p % ds.cols} is outside [0, 1]; scale pixels to [0, 1] (e.g. divide bytes by 255)`,
      );
    }
  }
  for (let i = 0; i < ds.n; i++) {
    if (ds.labels[i] >= ds.classes) {
      throw new DatasetError(`${where}: label ${ds.labels[i]} of image ${i} is >= classes = ${ds.classes}`);
    }
  }
  return ds;
}

/**
 * Images start .. start+count-1 of a dataset. The arrays are views that share
 * memory with `ds` (no copy), so writing to one writes to the other.
 */
export function subset(ds: ImageDataset, start: number, count: number): ImageDataset {
  if (!isCount(start) || !isCount(count) || start + count > ds.n) {
    throw new DatasetError(
      `subset of '${ds.name}': images ${start}..${start + count - 1} are not within its ${ds.n} images (start and count must be non-negative integers with start + count <= n)`,
    );
  }
  const pixels = ds.rows * ds.cols;
  return {
    images: ds.images.subarray(start * pixels, (start + count) * pixels),
    labels: ds.labels.subarray(start, start + count),
    n: count,
    rows: ds.rows,
    cols: ds.cols,
    classes: ds.classes,
    name: `${ds.name}[${start}:${start + count}]`,
  };
}

/** A dataset from plain arrays (the library API's `fit` on arrays); labels default to 0. */
export function imageDataset(o: { images: Float32Array; rows: number; cols: number; labels?: Uint8Array; classes?: number; name?: string }): ImageDataset {
  const n = o.images.length / (o.rows * o.cols);
  const labels = o.labels ?? new Uint8Array(Number.isInteger(n) ? n : 0);
  let maxLabel = 0;
  for (const l of labels) maxLabel = Math.max(maxLabel, l);
  const classes = o.classes ?? maxLabel + 1;
  return validateDataset({ images: o.images, labels, n, rows: o.rows, cols: o.cols, classes, name: o.name ?? 'arrays' });
}

/** The images of `ds` whose label is not `label` (copied), e.g. to hold a class out of training. */
export function withoutClass(ds: ImageDataset, label: number): ImageDataset {
  const pixels = ds.rows * ds.cols;
  const keep = [...ds.labels.keys()].filter((i) => ds.labels[i] !== label);
  const images = new Float32Array(keep.length * pixels);
  keep.forEach((i, k) => images.set(ds.images.subarray(i * pixels, (i + 1) * pixels), k * pixels));
  return { ...ds, images, labels: Uint8Array.from(keep, (i) => ds.labels[i]), n: keep.length, name: `${ds.name} without class ${label}` };
}
