// Loading datasets from disk (Node-only): a directory of IDX files in the standard
// MNIST layout, or the embedded digits by name.
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DatasetError, type Split } from './dataset.js';
import { idxDataset } from './idx.js';
import { loadEmbeddedMnist } from './mnist-embedded.js';

const gunzipAsync = promisify(gunzip);

/** The four file names of the MNIST layout, each also accepted with '.gz'. */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

type FileKey = keyof typeof IDX_FILE_NAMES;

// Only a path that is not there counts as absent: any other failure (permission
// denied) is reported as the file-system error it is, not as a missing file.
async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

const isFile = async (path: string) => (await statOrNull(path))?.isFile() ?? false;
const isDirectory = async (path: string) => (await statOrNull(path))?.isDirectory() ?? false;

// The plain name if present, else the '.gz' one, else null.
async function findFile(dir: string, name: string): Promise<string | null> {
  for (const candidate of [name, `${name}.gz`]) {
    if (await isFile(join(dir, candidate))) return join(dir, candidate);
  }
  return null;
}

// A file's bytes, gunzipped when they start with the gzip signature 1f 8b
// (whatever the name says: files get renamed and browsers decompress on download).
async function readMaybeGzipped(path: string): Promise<Uint8Array> {
  const bytes = await readFile(path);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await gunzipAsync(bytes);
  } catch (e) {
    throw new DatasetError(`${path}: starts like a gzip file but does not decompress (${(e as Error).message}); download it again`);
  }
}

/**
 * Reads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
 * and t10k-labels-idx1-ubyte from `dir`, each plain or gzipped ('.gz'). The
 * datasets are named '<directory name>/train' and '<directory name>/test'; the
 * class count is the largest label in either split + 1.
 */
export async function loadIdxDirectory(dir: string): Promise<Split> {
  const abs = resolve(dir);
  if (!(await isDirectory(abs))) throw new DatasetError(`IDX dataset directory ${abs} does not exist or is not a directory`);
  const keys = Object.keys(IDX_FILE_NAMES) as FileKey[];
  const paths = await Promise.all(keys.map((k) => findFile(abs, IDX_FILE_NAMES[k])));
  const missing = keys.filter((_, i) => paths[i] === null).map((k) => `${IDX_FILE_NAMES[k]} or ${IDX_FILE_NAMES[k]}.gz`);
  if (missing.length > 0) {
    const all = Object.values(IDX_FILE_NAMES).join(', ');
    throw new DatasetError(
      `IDX dataset directory ${abs}: found no ${missing.join(', no ')}; an IDX dataset directory needs all four of ${all}, each plain or gzipped (.gz)`,
    );
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(paths.map((p) => readMaybeGzipped(p!)));
  const base = basename(abs);
  const train = idxDataset(trainImages, trainLabels, { name: `${base}/train`, imagesSource: paths[0]!, labelsSource: paths[1]! });
  const test = idxDataset(testImages, testLabels, { name: `${base}/test`, imagesSource: paths[2]!, labelsSource: paths[3]! });
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DatasetError(`${abs}: train images are ${train.rows}x${train.cols} but test images are ${test.rows}x${test.cols}`);
  }
  checkLabelsNumberClasses([
    { labels: train.labels, source: paths[1]! },
    { labels: test.labels, source: paths[3]! },
  ]);
  const classes = Math.max(train.classes, test.classes);
  return { train: { ...train, classes }, test: { ...test, classes } };
}

/**
 * Labels number the classes 0..K-1, K the largest label + 1. A class below the largest
 * label that no image has means stray or shifted labels (1-based digits, 255 marking
 * 'unlabelled'): they would silently widen a conditional model's one-hot by empty
 * classes, so they are refused, naming the file and the label.
 */
function checkLabelsNumberClasses(files: { labels: Uint8Array; source: string }[]): void {
  const seen = new Uint8Array(256);
  let top = { label: -1, image: 0, source: '' };
  for (const { labels, source } of files) {
    labels.forEach((l, image) => {
      seen[l] = 1;
      if (l > top.label) top = { label: l, image, source };
    });
  }
  const missing = [...seen.subarray(0, Math.max(top.label, 0)).keys()].filter((c) => !seen[c]);
  if (missing.length === 0) return;
  const list = missing.length > 3 ? `${missing[0]}, ${missing[1]}, ..., ${missing[missing.length - 1]} (${missing.length} labels)` : missing.join(', ');
  throw new DatasetError(
    `${top.source}: label ${top.label} of image ${top.image} is out of range: labels must number the classes 0..K-1, but no image in either split has label ${list}; renumber the labels from 0 with no gaps (are they 1-based, or is ${top.label} a marker?)`,
  );
}

/**
 * A dataset by name: 'mnist' is the embedded digits (mnist-embedded.ts), anything
 * else is a directory of IDX files (loadIdxDirectory).
 */
export async function loadDataset(spec: 'mnist' | string): Promise<Split> {
  if (spec === 'mnist') return loadEmbeddedMnist();
  if (!(await isDirectory(spec))) {
    throw new DatasetError(
      `dataset '${spec}' is neither 'mnist' (the embedded digits) nor an existing directory of IDX files (looked for ${resolve(spec)})`,
    );
  }
  return loadIdxDirectory(spec);
}
