// A compact binary form of a train/test Split, so a web page can fetch a dataset
// in one request (the embedded MNIST is about 7.9 MB, against ~21 MB of JSON).
// Browser-safe. Pixels are quantised to bytes, round(v * 255), so a round trip
// changes a value by at most 0.5/255. Layout, all integers u32 little-endian:
//   0   magic 'WVAE' (4 ASCII bytes)
//   4   version (1)
//   8   n, train + test images
//   12  rows
//   16  cols
//   20  train count (the first images are train, the rest test)
//   24  classes
//   28  byte length of the train name (UTF-8)
//   32  byte length of the test name (UTF-8)
//   36  the train name, then the test name
//   ..  labels, n bytes
//   ..  pixels, n*rows*cols bytes, row-major
import { DatasetError, validateDataset, type ImageDataset, type Split } from './dataset.js';
import { bytesToUnit } from './idx.js';

const MAGIC = 'WVAE';
const VERSION = 1;
const HEADER_BYTES = 36;

/** Packs a Split (train and test must share rows, cols and classes). */
export function encodeDatasetBinary(split: Split): Uint8Array {
  const train = validateDataset(split.train);
  const test = validateDataset(split.test);
  if (train.rows !== test.rows || train.cols !== test.cols || train.classes !== test.classes) {
    throw new DatasetError(
      `encodeDatasetBinary: train is ${train.rows}x${train.cols} with ${train.classes} classes but test is ${test.rows}x${test.cols} with ${test.classes}; both splits must agree`,
    );
  }
  const trainName = new TextEncoder().encode(train.name);
  const testName = new TextEncoder().encode(test.name);
  const n = train.n + test.n;
  const labelsAt = HEADER_BYTES + trainName.length + testName.length;
  const pixelsAt = labelsAt + n;
  const out = new Uint8Array(pixelsAt + n * train.rows * train.cols);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const header = [VERSION, n, train.rows, train.cols, train.n, train.classes, trainName.length, testName.length];
  header.forEach((v, i) => view.setUint32(4 + 4 * i, v, true));
  out.set(trainName, HEADER_BYTES);
  out.set(testName, HEADER_BYTES + trainName.length);
  out.set(train.labels, labelsAt);
  out.set(test.labels, labelsAt + train.n);
  quantise(train.images, out, pixelsAt);
  quantise(test.images, out, pixelsAt + train.images.length);
  return out;
}

function quantise(values: Float32Array, out: Uint8Array, at: number): void {
  for (let i = 0; i < values.length; i++) out[at + i] = Math.round(values[i] * 255);
}

/** Unpacks what encodeDatasetBinary wrote; pixels come back as byte / 255. */
export function decodeDatasetBinary(bytes: Uint8Array): Split {
  if (bytes.length < HEADER_BYTES) {
    throw new DatasetError(`dataset binary: ${bytes.length} bytes is shorter than its ${HEADER_BYTES}-byte header: the file is truncated`);
  }
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== MAGIC) {
    throw new DatasetError(`dataset binary: magic '${magic}' found, expected '${MAGIC}': this is not a file written by encodeDatasetBinary`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [version, n, rows, cols, trainCount, classes, trainNameBytes, testNameBytes] = Array.from({ length: 8 }, (_, i) =>
    view.getUint32(4 + 4 * i, true),
  );
  if (version !== VERSION) {
    throw new DatasetError(`dataset binary: version ${version}, but this library reads version ${VERSION}; re-encode it with this version`);
  }
  if (trainCount > n) throw new DatasetError(`dataset binary: train count ${trainCount} exceeds the ${n} images`);
  const labelsAt = HEADER_BYTES + trainNameBytes + testNameBytes;
  const pixelsAt = labelsAt + n;
  const total = pixelsAt + n * rows * cols;
  if (bytes.length !== total) {
    throw new DatasetError(
      `dataset binary: header says ${n} images of ${rows}x${cols} (${total} bytes) but the file has ${bytes.length} bytes: it is ${bytes.length < total ? 'truncated' : 'longer than its header says'}`,
    );
  }
  const names = new TextDecoder();
  const part = (name: string, start: number, count: number): ImageDataset =>
    validateDataset({
      images: bytesToUnit(bytes.subarray(pixelsAt + start * rows * cols, pixelsAt + (start + count) * rows * cols)),
      labels: bytes.slice(labelsAt + start, labelsAt + start + count),
      n: count,
      rows,
      cols,
      classes,
      name,
    });
  return {
    train: part(names.decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + trainNameBytes)), 0, trainCount),
    test: part(names.decode(bytes.subarray(HEADER_BYTES + trainNameBytes, labelsAt)), trainCount, n - trainCount),
  };
}
