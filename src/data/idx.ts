// IDX files, the format MNIST and Fashion-MNIST ship in (http://yann.lecun.com/exdb/mnist/):
//   bytes 0-1  zero
//   byte  2    element type code (0x08 = unsigned byte, the only one these datasets use)
//   byte  3    number of dimensions d
//   then d big-endian u32 sizes, then the elements in row-major order.
// So images are magic 0x00000803 with sizes [n, rows, cols] and labels are
// 0x00000801 with [n]. Pure bytes in, arrays out: browser-safe, no Node imports.
// Decompression (the files usually come gzipped) is the caller's job; see load.ts.
import { DatasetError, validateDataset, type ImageDataset } from './dataset.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const DTYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (v: number, digits: number) => `0x${v.toString(16).padStart(digits, '0')}`;

// The hint for a magic number that is not the one expected: the usual causes are a
// file still gzipped or the images and labels files swapped.
function magicHint(bytes: Uint8Array, ndims: number): string {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    return 'it starts with 1f 8b, the gzip signature: is this a gzipped file? gunzip it first (loadIdxDirectory does this itself)';
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) return 'it is not an IDX file (IDX files start with two zero bytes)';
  if (ndims === 1) return 'it is an IDX labels file: was a labels file passed as images?';
  if (ndims === 3) return 'it is an IDX images file: was an images file passed as labels?';
  return `it is an IDX file with ${ndims} dimensions`;
}

// Checks the header against the expected magic (u8 elements, so 0x0800 | ndims)
// and the length against the sizes; returns the sizes and the elements (a view).
function readU8Idx(bytes: Uint8Array, expected: number, source: string): { dims: number[]; data: Uint8Array } {
  const ndims = expected & 0xff;
  if (bytes.length < 4) {
    throw new DatasetError(`${source}: ${bytes.length} bytes is too short for an IDX header (at least 4 bytes): the file is truncated or empty`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const dtype = bytes[2];
  const foundDims = bytes[3];
  if (bytes[0] === 0 && bytes[1] === 0 && dtype !== 0x08 && foundDims === ndims) {
    const known = DTYPE_NAMES[dtype];
    throw new DatasetError(
      `${source}: unsupported IDX dtype code ${hex(dtype, 2)} (${known ?? 'not an IDX type'}); only 0x08 (unsigned byte, as in MNIST) is supported: convert the data to u8 first`,
    );
  }
  if (magic !== expected) {
    throw new DatasetError(`${source}: magic number ${hex(magic, 8)} found, expected ${hex(expected, 8)}; ${magicHint(bytes, foundDims)}`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DatasetError(`${source}: truncated header: expected ${headerBytes} bytes, found ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const total = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < total) {
    throw new DatasetError(
      `${source}: truncated file: sizes [${dims.join(', ')}] need ${total} bytes (header ${headerBytes} + data), found ${bytes.length}; download it again`,
    );
  }
  if (bytes.length > total) {
    throw new DatasetError(
      `${source}: ${bytes.length - total} bytes after the data (sizes [${dims.join(', ')}] need ${total} bytes, found ${bytes.length}): the header does not describe this file`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes, total) };
}

// v / 255 for every byte value, computed once: scaling 47M pixels by table lookup
// is several times faster than dividing.
const UNIT_SCALE = new Float32Array(256).map((_, i) => i / 255);

/** Byte pixels to [0, 1] (v / 255). */
export function bytesToUnit(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = UNIT_SCALE[data[i]];
  return out;
}

export interface IdxImages {
  /** [n, rows*cols] in [0, 1] (bytes / 255). */
  images: Float32Array;
  n: number;
  rows: number;
  cols: number;
}

/** Parses an IDX u8 images file (magic 0x00000803). `source` names it in errors. */
export function parseIdxImages(bytes: Uint8Array, source = 'IDX images'): IdxImages {
  const { dims, data } = readU8Idx(bytes, IDX_IMAGES_MAGIC, source);
  const [n, rows, cols] = dims;
  if (rows === 0 || cols === 0) throw new DatasetError(`${source}: image size ${rows}x${cols} has no pixels; the header's sizes must be [n, rows, cols] with rows and cols >= 1`);
  return { images: bytesToUnit(data), n, rows, cols };
}

/** Parses an IDX u8 labels file (magic 0x00000801); returns a copy of the labels. */
export function parseIdxLabels(bytes: Uint8Array, source = 'IDX labels'): Uint8Array {
  return readU8Idx(bytes, IDX_LABELS_MAGIC, source).data.slice();
}

export interface IdxDatasetOptions {
  name: string;
  /** Number of classes; default the largest label + 1. */
  classes?: number;
  /** Names of the two files in error messages. */
  imagesSource?: string;
  labelsSource?: string;
}

/** An images file and its labels file as one validated ImageDataset. */
export function idxDataset(imageBytes: Uint8Array, labelBytes: Uint8Array, options: IdxDatasetOptions): ImageDataset {
  const imagesSource = options.imagesSource ?? `${options.name} images`;
  const labelsSource = options.labelsSource ?? `${options.name} labels`;
  const { images, n, rows, cols } = parseIdxImages(imageBytes, imagesSource);
  const labels = parseIdxLabels(labelBytes, labelsSource);
  if (labels.length !== n) {
    throw new DatasetError(`${imagesSource} has ${n} images but ${labelsSource} has ${labels.length} labels: the two files do not belong together`);
  }
  const classes = options.classes ?? labels.reduce((m, l) => Math.max(m, l + 1), 1);
  return validateDataset({ images, labels, n, rows, cols, classes, name: options.name });
}
