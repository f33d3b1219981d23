// IDX parsing and directory loading: hand-built byte arrays for every error path,
// then the real Fashion-MNIST files Debian installs (package dataset-fashion-mnist,
// which .ci/install adds), gzipped as shipped and as plain copies.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset, Split } from '../../src/data/dataset.js';
import { idxDataset, parseIdxImages, parseIdxLabels } from '../../src/data/idx.js';
import { IDX_FILE_NAMES, loadDataset, loadIdxDirectory } from '../../src/data/load.js';
import { assertClose } from '../tolerance.js';

/** An IDX file: zero, zero, dtype, ndims, big-endian u32 sizes, then `data`. */
function idx(dtype: number, dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = dtype;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const images = (n: number, rows: number, cols: number, data: ArrayLike<number>) => idx(0x08, [n, rows, cols], data);
const labels = (data: number[]) => idx(0x08, [data.length], data);
const ramp = (count: number, start = 0) => Array.from({ length: count }, (_, i) => (start + 37 * i) % 256);

const FASHION = '/usr/share/datasets/fashion-mnist';

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('parseIdxImages / parseIdxLabels', () => {
  it('scales u8 pixels to [0, 1] and reads the sizes', () => {
    const bytes = [0, 255, 1, 254, 128, 77, 3, 9, 200, 100, 50, 25];
    const got = parseIdxImages(images(2, 2, 3, bytes));
    expect([got.n, got.rows, got.cols]).toEqual([2, 2, 3]);
    // f32 rounding of b/255 only.
    assertClose(got.images, bytes.map((b) => b / 255), { atol: 1e-7, rtol: 0 }, 'pixels');
  });

  it('reads a view that starts at an odd byte offset of a larger buffer', () => {
    const file = images(3, 4, 5, ramp(60));
    const host = new Uint8Array(file.length + 7);
    host.set(file, 3);
    const got = parseIdxImages(host.subarray(3, 3 + file.length));
    assertClose(got.images, ramp(60).map((b) => b / 255), { atol: 1e-7, rtol: 0 }, 'pixels');
    expect(parseIdxLabels(labels([4, 1, 9]).subarray(0))).toEqual(new Uint8Array([4, 1, 9]));
  });

  it('returns labels that do not alias the input bytes', () => {
    const file = labels([3, 1, 2]);
    const got = parseIdxLabels(file);
    file[8] = 7;
    expect(Array.from(got)).toEqual([3, 1, 2]);
  });

  it('parses an empty file set (n = 0)', () => {
    expect(parseIdxImages(images(0, 28, 28, [])).n).toBe(0);
    expect(parseIdxLabels(labels([])).length).toBe(0);
  });

  it('names a gzipped file', () => {
    const gz = gzipSync(images(1, 2, 2, [1, 2, 3, 4]));
    expect(() => parseIdxImages(gz, 'x.gz')).toThrow(/x\.gz: magic number 0x1f8b08.. found, expected 0x00000803; .*gzipped file\?/);
  });

  it('names swapped images and labels files', () => {
    expect(() => parseIdxImages(labels([1, 2]), 'imgs')).toThrow(/imgs: magic number 0x00000801 found, expected 0x00000803; .*labels file passed as images\?/);
    expect(() => parseIdxLabels(images(1, 1, 1, [5]), 'labs')).toThrow(/labs: magic number 0x00000803 found, expected 0x00000801; .*images file passed as labels\?/);
  });

  it('names a file that is not IDX at all', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(() => parseIdxImages(png)).toThrow(/magic number 0x89504e47 found, expected 0x00000803; it is not an IDX file/);
    expect(() => parseIdxImages(idx(0x08, [1, 1], [0]))).toThrow(/magic number 0x00000802 found, .*2 dimensions/);
  });

  it('names an unsupported dtype code', () => {
    expect(() => parseIdxImages(idx(0x0d, [1, 1, 1], [0, 0, 0, 0]))).toThrow(/unsupported IDX dtype code 0x0d \(float32\); only 0x08/);
    expect(() => parseIdxLabels(idx(0x42, [1], [0]))).toThrow(/unsupported IDX dtype code 0x42 \(not an IDX type\)/);
  });

  it('names a truncated file with the bytes expected and found', () => {
    const full = images(2, 2, 3, ramp(12));
    expect(() => parseIdxImages(full.subarray(0, full.length - 1), 'f')).toThrow(/f: truncated file: sizes \[2, 2, 3\] need 28 bytes \(header 16 \+ data\), found 27/);
    expect(() => parseIdxImages(full.subarray(0, 10), 'f')).toThrow(/f: truncated header: expected 16 bytes, found 10/);
    expect(() => parseIdxLabels(new Uint8Array([0, 0]), 'f')).toThrow(/f: 2 bytes is too short for an IDX header/);
  });

  it('rejects bytes after the data', () => {
    const long = new Uint8Array(labels([1, 2]).length + 3);
    long.set(labels([1, 2]));
    expect(() => parseIdxLabels(long)).toThrow(/3 bytes after the data \(sizes \[2\] need 10 bytes, found 13\)/);
  });

  it('rejects images with no pixels', () => {
    expect(() => parseIdxImages(images(3, 0, 28, []))).toThrow(/image size 0x28 has no pixels/);
  });
});

describe('idxDataset', () => {
  it('pairs images with labels, classes = largest label + 1 by default', () => {
    const ds = idxDataset(images(3, 2, 2, ramp(12)), labels([0, 4, 2]), { name: 'tiny' });
    expect([ds.n, ds.rows, ds.cols, ds.classes, ds.name]).toEqual([3, 2, 2, 5, 'tiny']);
    expect(Array.from(ds.labels)).toEqual([0, 4, 2]);
    expect(idxDataset(images(3, 2, 2, ramp(12)), labels([0, 4, 2]), { name: 'tiny', classes: 10 }).classes).toBe(10);
  });

  it('names a count mismatch between the two files', () => {
    expect(() => idxDataset(images(2, 1, 1, [1, 2]), labels([0, 1, 2]), { name: 'd', imagesSource: 'I', labelsSource: 'L' })).toThrow(
      /I has 2 images but L has 3 labels/,
    );
  });

  it('rejects a label >= the classes given', () => {
    expect(() => idxDataset(images(2, 1, 1, [1, 2]), labels([0, 3]), { name: 'd', classes: 3 })).toThrow(/label 3 of image 1 is >= classes = 3/);
  });
});

describe('loadIdxDirectory on hand-built files', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'webgpu-vae-idx-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  // A directory with the four files, `gz` choosing which are gzipped (and named .gz).
  async function makeDir(name: string, files: Partial<Record<keyof typeof IDX_FILE_NAMES, Uint8Array>>, gz: string[] = []) {
    const dir = join(root, name);
    await mkdir(dir);
    for (const [key, bytes] of Object.entries(files)) {
      const file = IDX_FILE_NAMES[key as keyof typeof IDX_FILE_NAMES];
      await writeFile(join(dir, gz.includes(key) ? `${file}.gz` : file), gz.includes(key) ? gzipSync(bytes) : bytes);
    }
    return dir;
  }

  const tiny = {
    trainImages: images(4, 3, 2, ramp(24)),
    trainLabels: labels([0, 1, 2, 1]),
    testImages: images(2, 3, 2, ramp(12, 5)),
    testLabels: labels([3, 0]),
  };

  it('loads a mix of plain and gzipped files through loadDataset', async () => {
    const dir = await makeDir('mixed', tiny, ['trainImages', 'testLabels']);
    const { train, test } = await loadDataset(dir);
    expect([train.n, test.n, train.rows, train.cols]).toEqual([4, 2, 3, 2]);
    expect([train.name, test.name]).toEqual(['mixed/train', 'mixed/test']);
    // classes spans both splits: label 3 occurs only in test.
    expect([train.classes, test.classes]).toEqual([4, 4]);
    assertClose(train.images, ramp(24).map((b) => b / 255), { atol: 1e-7, rtol: 0 }, 'train pixels');
    expect(Array.from(test.labels)).toEqual([3, 0]);
  });

  it('detects gzip by its magic bytes, not by the file name', async () => {
    const dir = await makeDir('liars', {});
    const write = (name: string, bytes: Uint8Array) => writeFile(join(dir, name), bytes);
    await write(`${IDX_FILE_NAMES.trainImages}.gz`, tiny.trainImages);
    await write(IDX_FILE_NAMES.trainLabels, gzipSync(tiny.trainLabels));
    await write(IDX_FILE_NAMES.testImages, gzipSync(tiny.testImages));
    await write(`${IDX_FILE_NAMES.testLabels}.gz`, tiny.testLabels);
    const got = await loadIdxDirectory(dir);
    const honest = await loadIdxDirectory(await makeDir('honest', tiny));
    for (const part of ['train', 'test'] as const) {
      expect(bytesOf(got[part].images).equals(bytesOf(honest[part].images))).toBe(true);
      expect(Array.from(got[part].labels)).toEqual(Array.from(honest[part].labels));
    }
  });

  it('lists exactly the missing names and the directory', async () => {
    const dir = await makeDir('half', { trainImages: tiny.trainImages, trainLabels: tiny.trainLabels });
    const err = await loadIdxDirectory(dir).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain(dir);
    expect(msg).toContain('found no t10k-images-idx3-ubyte or t10k-images-idx3-ubyte.gz, no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz;');
    expect(msg).not.toMatch(/found no[^;]*train-/);
  });

  it('names a directory that does not exist', async () => {
    const missing = join(root, 'nope');
    await expect(loadIdxDirectory(missing)).rejects.toThrow(`IDX dataset directory ${missing} does not exist`);
    await expect(loadDataset(missing)).rejects.toThrow(/dataset '.*nope' is neither 'mnist' \(the embedded digits\) nor an existing directory/);
  });

  it('names a file that looks gzipped but is corrupt', async () => {
    const dir = await makeDir('corrupt', tiny);
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    await expect(loadIdxDirectory(dir)).rejects.toThrow(/train-labels-idx1-ubyte: starts like a gzip file but does not decompress/);
  });

  it('names a label that leaves classes below it empty (stray, 1-based or marker labels)', async () => {
    const stray = await makeDir('stray', { ...tiny, trainLabels: labels([0, 1, 7, 2]) });
    await expect(loadIdxDirectory(stray)).rejects.toThrow(/train-labels-idx1-ubyte: label 7 of image 2 is out of range: .*no image in either split has label 4, 5, 6; renumber/);
    const oneBased = await makeDir('one-based', { ...tiny, trainLabels: labels([1, 2, 3, 1]), testLabels: labels([4, 1]) });
    await expect(loadIdxDirectory(oneBased)).rejects.toThrow(/t10k-labels-idx1-ubyte: label 4 of image 0 is out of range: .*has label 0; .*1-based/);
  });

  it('names train and test images of different sizes', async () => {
    const dir = await makeDir('sizes', { ...tiny, testImages: images(2, 2, 3, ramp(12)) });
    await expect(loadIdxDirectory(dir)).rejects.toThrow(/train images are 3x2 but test images are 2x3/);
  });
});

describe('Fashion-MNIST from Debian (dataset-fashion-mnist)', () => {
  let gz: Split;
  let root: string;
  beforeAll(async () => {
    gz = await loadIdxDirectory(FASHION);
    root = await mkdtemp(join(tmpdir(), 'webgpu-vae-fashion-'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  const histogram = (ds: ImageDataset) => {
    const h = new Array<number>(ds.classes).fill(0);
    for (const l of ds.labels) h[l] += 1;
    return h;
  };

  it('has 60,000 train and 10,000 test 28x28 images in 10 classes', () => {
    for (const [ds, n] of [[gz.train, 60000], [gz.test, 10000]] as const) {
      expect([ds.n, ds.rows, ds.cols, ds.classes]).toEqual([n, 28, 28, 10]);
      expect([ds.images.length, ds.labels.length]).toEqual([n * 784, n]);
    }
    expect([gz.train.name, gz.test.name]).toEqual(['fashion-mnist/train', 'fashion-mnist/test']);
  });

  it('has 6,000 train and 1,000 test images of every class', () => {
    expect(histogram(gz.train)).toEqual(new Array(10).fill(6000));
    expect(histogram(gz.test)).toEqual(new Array(10).fill(1000));
  });

  it('spans the whole [0, 1] range', () => {
    let lo = Infinity;
    let hi = -Infinity;
    const px = gz.train.images;
    for (let i = 0; i < px.length; i++) {
      if (px[i] < lo) lo = px[i];
      if (px[i] > hi) hi = px[i];
    }
    expect([lo, hi]).toEqual([0, 1]);
  });

  it('matches the raw bytes of the file for a few images', () => {
    const raw = gunzipSync(readFileSync(join(FASHION, 't10k-images-idx3-ubyte.gz')));
    for (const i of [0, 4321, 9999]) {
      const bytes = raw.subarray(16 + i * 784, 16 + (i + 1) * 784);
      assertClose(gz.test.images.subarray(i * 784, (i + 1) * 784), Array.from(bytes, (b) => b / 255), { atol: 1e-7, rtol: 0 }, `test image ${i}`);
    }
  });

  it('loads plain (gunzipped) copies identically', async () => {
    const plain = join(root, 'plain');
    await mkdir(plain);
    for (const name of Object.values(IDX_FILE_NAMES)) {
      await writeFile(join(plain, name), gunzipSync(await readFile(join(FASHION, `${name}.gz`))));
    }
    const got = await loadIdxDirectory(plain);
    for (const part of ['train', 'test'] as const) {
      const [a, b] = [got[part], gz[part]];
      expect([a.n, a.rows, a.cols, a.classes]).toEqual([b.n, b.rows, b.cols, b.classes]);
      // Bitwise equal: the same bytes scaled the same way.
      expect(bytesOf(a.images).equals(bytesOf(b.images))).toBe(true);
      expect(bytesOf(a.labels).equals(bytesOf(b.labels))).toBe(true);
    }
  });
});
