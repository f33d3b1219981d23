// safetensors: round trips are bit-exact, the written bytes follow the format as
// documented (parsed here independently of the reader), files built by hand decode,
// and every malformed input is refused with a message that names the problem. Also
// the Node side of checkpoints: atomic writes (src/io/files.ts).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDir, writeFileAtomic } from '../../src/io/files.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import type { SafetensorsTensor } from '../../src/io/safetensors.js';
import { uniform } from '../random.js';

const f32 = (shape: number[], seed: number): SafetensorsTensor => ({
  dtype: 'F32',
  shape,
  data: uniform(shape.reduce((a, b) => a * b, 1), seed),
});

/** The bits of each float, so NaN payloads and -0 compare exactly. */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));

/** Index of the first float whose bits differ (-1 when identical); fast on big tensors. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.slice().buffer);
  const y = new Uint32Array(b.slice().buffer);
  return x.findIndex((v, i) => v !== y[i]);
}

/**
 * A file from a header given as text (or an object) and raw data bytes, padded per
 * the spec; `declared` overrides the length field to build broken files.
 */
function file(header: string | object, data: Uint8Array = new Uint8Array(0), declared?: bigint): Uint8Array {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  while ((8 + new TextEncoder().encode(text).length) % 8 !== 0) text += ' ';
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function bytesOf(values: number[], width: 2 | 4 | 8): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (width === 2) view.setUint16(2 * i, v, true);
    else if (width === 4) view.setFloat32(4 * i, v, true);
    else view.setFloat64(8 * i, v, true);
  });
  return out;
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  expect(() => decodeSafetensors(bytes)).toThrow(SafetensorsError);
  expect(() => decodeSafetensors(bytes)).toThrow(pattern);
}

const one = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
const eight = new Uint8Array(8);

describe('safetensors round trip', () => {
  it('keeps names, shapes, values (bit-exact) and metadata', () => {
    const special = new Float32Array([0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-45, 3.4028235e38, 0.1]);
    new Uint32Array(special.buffer)[4] = 0x7fc12345; // a NaN with a payload
    const tensors = {
      'enc.weight': f32([3, 5], 1),
      'enc.bias': f32([5], 2),
      scalar: f32([], 3),
      empty: f32([0, 4], 4),
      special: { dtype: 'F32' as const, shape: [2, 5], data: special },
    };
    const metadata = { format: 'pt', note: 'ünïcödé ✓', config: JSON.stringify({ latent: 2 }) };
    const back = decodeSafetensors(encodeSafetensors(tensors, metadata));
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(back.tensors[name].dtype).toBe('F32');
      expect(back.tensors[name].shape, name).toEqual(t.shape);
      expect(bits(back.tensors[name].data), name).toEqual(bits(t.data));
    }
    expect(back.metadata).toEqual(metadata);
  });

  it('reads subarray views and copies out of the file bytes', () => {
    const data = uniform(12, 5);
    const view = data.subarray(4, 10);
    const bytes = encodeSafetensors({ v: { dtype: 'F32', shape: [6], data: view } });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    const back = decodeSafetensors(padded.subarray(3)).tensors.v;
    expect(bits(back.data)).toEqual(bits(view));
    padded.fill(0, 3 + bytes.length - 24);
    expect(bits(back.data)).toEqual(bits(view));
  });

  it('handles a VAE state_dict (fc1.weight [400, 784] ...)', () => {
    const shapes: Record<string, number[]> = {
      'fc1.weight': [400, 784],
      'fc1.bias': [400],
      'fc21.weight': [20, 400],
      'fc21.bias': [20],
      'fc22.weight': [20, 400],
      'fc22.bias': [20],
      'fc3.weight': [400, 20],
      'fc3.bias': [400],
      'fc4.weight': [784, 400],
      'fc4.bias': [784],
    };
    const tensors = Object.fromEntries(Object.entries(shapes).map(([name, shape], i) => [name, f32(shape, 10 + i)]));
    const bytes = encodeSafetensors(tensors, { format: 'pt' });
    const values = Object.values(shapes).reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(bytes.length).toBe(8 + headerLength + 4 * values);
    const back = decodeSafetensors(bytes);
    expect(Object.keys(back.tensors)).toEqual(Object.keys(shapes));
    for (const name of Object.keys(shapes)) {
      expect(back.tensors[name].shape).toEqual(shapes[name]);
      expect(firstBitDifference(back.tensors[name].data, tensors[name].data), name).toBe(-1);
    }
  });
});

describe('safetensors byte layout', () => {
  it('writes the header and data exactly as the format specifies', () => {
    const tensors = { 'b.weight': f32([3, 2], 20), 'a.bias': f32([3], 21), 'z.x': f32([1], 22) };
    const bytes = encodeSafetensors(tensors, { k: 'v' });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getBigUint64(0, true);
    expect(n < 2n ** 32n).toBe(true);
    const headerLength = Number(n);
    expect((8 + headerLength) % 8).toBe(0);
    const headerBytes = bytes.subarray(8, 8 + headerLength);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    expect(text[0]).toBe('{');
    const end = text.lastIndexOf('}') + 1;
    expect(end).toBeGreaterThan(headerLength - 8); // less than 8 bytes of padding
    for (const b of headerBytes.subarray(end)) expect(b).toBe(0x20);
    const header = JSON.parse(text.slice(0, end));
    expect(header.__metadata__).toEqual({ k: 'v' });

    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(names).toEqual(Object.keys(tensors)); // header order is the caller's order
    let offset = 0;
    for (const name of names) {
      const entry = header[name];
      expect(Object.keys(entry).sort()).toEqual(['data_offsets', 'dtype', 'shape']);
      expect(entry.dtype).toBe('F32');
      expect(entry.shape).toEqual(tensors[name as keyof typeof tensors].shape);
      const data = tensors[name as keyof typeof tensors].data;
      expect(entry.data_offsets).toEqual([offset, offset + 4 * data.length]);
      for (let i = 0; i < data.length; i++) {
        expect(view.getFloat32(8 + headerLength + offset + 4 * i, true)).toBe(data[i]);
      }
      offset += 4 * data.length;
    }
    expect(bytes.length).toBe(8 + headerLength + offset);
  });

  it('pads every header length to the 8-byte boundary', () => {
    for (let len = 1; len <= 9; len++) {
      const bytes = encodeSafetensors({ ['x'.repeat(len)]: f32([1], len) });
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + n) % 8).toBe(0);
      expect(bytes.length).toBe(8 + n + 4);
    }
  });

  it('writes an empty file as a header alone', () => {
    const bytes = encodeSafetensors({});
    expect(bytes.length).toBe(16);
    expect(decodeSafetensors(bytes)).toEqual({ tensors: {}, metadata: {} });
  });
});

describe('safetensors reader on hand-built files', () => {
  it('reads F32 in any header order, with extra whitespace', () => {
    const header = '{ "second" : {"shape":[1],"dtype":"F32","data_offsets":[8,12]},\n "first": {"dtype":"F32","shape":[2],"data_offsets":[0,8]} }';
    const { tensors } = decodeSafetensors(file(header, bytesOf([1.5, -2, 7], 4)));
    expect(Array.from(tensors.first.data)).toEqual([1.5, -2]);
    expect(Array.from(tensors.second.data)).toEqual([7]);
    expect(Object.keys(tensors)).toEqual(['first', 'second']);
  });

  it('converts F16, BF16 and F64 to float32', () => {
    const half = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x7e00, 0x8000];
    const halfValues = [1, -2, 0.5, 65504, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity, NaN, -0];
    const bf = [0x3f80, 0xc020, 0x0000, 0x7f80, 0x4049];
    const bfValues = [1, -2.5, 0, Infinity, 3.140625];
    const doubles = [Math.PI, -1e-3, 1e300, 0];
    const data = new Uint8Array(20 + 10 + 32);
    data.set(bytesOf(half, 2), 0);
    data.set(bytesOf(bf, 2), 20);
    data.set(bytesOf(doubles, 8), 30);
    const header = {
      h: { dtype: 'F16', shape: [2, 5], data_offsets: [0, 20] },
      b: { dtype: 'BF16', shape: [5], data_offsets: [20, 30] },
      d: { dtype: 'F64', shape: [4], data_offsets: [30, 62] },
    };
    const { tensors } = decodeSafetensors(file(header, data));
    expect(Array.from(tensors.h.data)).toEqual(halfValues);
    expect(tensors.h.shape).toEqual([2, 5]);
    expect(Array.from(tensors.b.data)).toEqual(bfValues);
    expect(Array.from(tensors.d.data)).toEqual([Math.fround(Math.PI), Math.fround(-1e-3), Infinity, 0]);
    for (const t of Object.values(tensors)) expect(t.dtype).toBe('F32');
  });

  it('accepts zero-sized tensors between others', () => {
    const header = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } };
    const { tensors } = decodeSafetensors(file(header, bytesOf([1, 2], 4)));
    expect(tensors.e.data.length).toBe(0);
    expect(Array.from(tensors.b.data)).toEqual([2]);
  });
});

describe('safetensors reader errors', () => {
  it('refuses files shorter than the length field', () => {
    rejects(new Uint8Array(5), /5 bytes.*8-byte header length/);
  });

  it('refuses a header length past the end of the file', () => {
    rejects(file(one, eight, 1000n), /header length 1000 runs past the end/);
    rejects(file(one, eight, 2n ** 64n - 1n), /runs past the end/);
  });

  it('refuses a header over the size limit', () => {
    const big = new Uint8Array(100_000_016);
    new DataView(big.buffer).setBigUint64(0, 100_000_008n, true);
    rejects(big, /exceeds the 100000000-byte limit/);
  });

  it('refuses a header too short for JSON', () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setBigUint64(0, 1n, true);
    rejects(bytes, /too short/);
  });

  it('refuses invalid UTF-8, non-objects and invalid JSON', () => {
    const bad = file('{"a":1}');
    bad[9] = 0xff;
    rejects(bad, /not valid UTF-8/);
    rejects(file('[1, 2]'), /must be a JSON object starting with '\{'/);
    rejects(file(' {}'), /must be a JSON object/);
    rejects(file('{"a": '), /not valid JSON/);
    rejects(file('{"a":{}} x'), /not valid JSON/);
  });

  it('refuses duplicate and empty tensor names', () => {
    const dup = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "a" :{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    rejects(file(dup, eight), /'a' appears more than once/);
    // A key nested inside an entry may repeat a tensor name without being one.
    const nested = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":{"a":1}}}';
    expect(decodeSafetensors(file(nested, eight)).tensors.a.shape).toEqual([2]);
    rejects(file({ '': one.a }, eight), /empty name/);
  });

  it('refuses malformed metadata', () => {
    rejects(file({ ...one, __metadata__: ['x'] }, eight), /'__metadata__' must be an object/);
    rejects(file({ ...one, __metadata__: { epoch: 3 } }, eight), /metadata 'epoch' is 3.*must be strings/);
  });

  it('refuses malformed tensor entries', () => {
    const entry = (e: unknown) => file({ a: e }, eight);
    rejects(entry([1]), /'a': header entry must be an object/);
    rejects(entry({ shape: [2], data_offsets: [0, 8] }), /'a': missing string 'dtype'/);
    rejects(entry({ dtype: 'I64', shape: [1], data_offsets: [0, 8] }), /dtype I64, which this reader does not support; supported: F32, F16, BF16, F64/);
    rejects(entry({ dtype: 'F32', shape: 2, data_offsets: [0, 8] }), /'shape' must be an array/);
    rejects(entry({ dtype: 'F32', shape: [-2], data_offsets: [0, 8] }), /shape \[-2\] must contain non-negative integers/);
    rejects(entry({ dtype: 'F32', shape: [1.5], data_offsets: [0, 8] }), /non-negative integers/);
    rejects(entry({ dtype: 'F32', shape: ['2'], data_offsets: [0, 8] }), /non-negative integers/);
    rejects(entry({ dtype: 'F32', shape: [2] }), /'data_offsets' must be \[begin, end\]/);
    rejects(entry({ dtype: 'F32', shape: [2], data_offsets: [0, 4, 8] }), /'data_offsets' must be \[begin, end\]/);
    rejects(entry({ dtype: 'F32', shape: [2], data_offsets: [-8, 0] }), /'data_offsets' must be \[begin, end\]/);
    rejects(entry({ dtype: 'F32', shape: [0], data_offsets: [8, 0] }), /end before they begin/);
    rejects(entry({ dtype: 'F32', shape: [4], data_offsets: [0, 16] }), /run past the 8-byte data region/);
    rejects(entry({ dtype: 'F32', shape: [3], data_offsets: [0, 8] }), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/);
    rejects(entry({ dtype: 'F16', shape: [2], data_offsets: [0, 8] }), /of F16 needs 4 bytes/);
  });

  it('refuses overlaps, gaps and trailing bytes', () => {
    const t = (begin: number, end: number) => ({ dtype: 'F32', shape: [(end - begin) / 4], data_offsets: [begin, end] });
    rejects(file({ a: t(0, 8), b: t(4, 12) }, new Uint8Array(12)), /'b' at bytes \[4, 12\) overlaps/);
    rejects(file({ a: t(0, 4), b: t(8, 12) }, new Uint8Array(12)), /gap of 4 bytes before tensor 'b'/);
    rejects(file({ a: t(4, 8) }, new Uint8Array(8)), /gap of 4 bytes before tensor 'a'/);
    rejects(file(one, new Uint8Array(12)), /4 bytes after the last tensor.*no trailing bytes/);
    rejects(file({}, new Uint8Array(3)), /3 bytes after the last tensor/);
  });
});

describe('safetensors checksum', () => {
  const tensors = { a: f32([3, 5], 1), b: f32([7], 2) };
  const dataStart = (bytes: Uint8Array) => 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));

  it("stores the data region's CRC-32 and keeps the caller's metadata", () => {
    const bytes = encodeSafetensors(tensors, { format: 'pt' }, { checksum: true });
    const { metadata } = decodeSafetensors(bytes);
    expect(metadata.format).toBe('pt');
    expect(metadata.crc32).toBe(zlibCrc32(bytes.subarray(dataStart(bytes))).toString(16).padStart(8, '0'));
  });

  it('refuses a file with any data byte changed', () => {
    const bytes = encodeSafetensors(tensors, {}, { checksum: true });
    for (const at of [dataStart(bytes), dataStart(bytes) + 37, bytes.length - 1]) {
      const bad = bytes.slice();
      bad[at] ^= 0x10;
      expect(() => decodeSafetensors(bad), `byte ${at}`).toThrow(/checksum mismatch .* the file is corrupt/);
    }
  });

  it('reads files without a checksum (other writers) as before', () => {
    const bytes = encodeSafetensors(tensors);
    bytes[bytes.length - 1] ^= 0x10;
    expect(decodeSafetensors(bytes).metadata).toEqual({});
  });
});

describe('safetensors writer errors', () => {
  it('refuses names, dtypes, data and metadata it cannot store', () => {
    expect(() => encodeSafetensors({ '': f32([1], 1) })).toThrow(/empty name/);
    expect(() => encodeSafetensors({ __metadata__: f32([1], 1) })).toThrow(/reserved for metadata/);
    const f64 = { dtype: 'F64', shape: [1], data: new Float32Array(1) } as unknown as SafetensorsTensor;
    expect(() => encodeSafetensors({ a: f64 })).toThrow(/dtype F64; the writer stores F32 only/);
    const array = { dtype: 'F32', shape: [1], data: [1] } as unknown as SafetensorsTensor;
    expect(() => encodeSafetensors({ a: array })).toThrow(/must be a Float32Array/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } })).toThrow(/shape \[2, 3\] holds 6 values but data has 5/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [-1], data: new Float32Array(1) } })).toThrow(/non-negative integers/);
    expect(() => encodeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(/metadata 'epoch' is a number/);
    expect(() => encodeSafetensors({ '': f32([1], 1) })).toThrow(SafetensorsError);
  });
});

// Checkpoints reach the disk through writeFileAtomic: a save that fails halfway must
// leave the previous file as it was and no temporary file behind.
describe('atomic checkpoint files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webgpu-vae-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a checkpoint that reads back, creating the directory', async () => {
    const out = join(dir, 'run', 'ckpt');
    await ensureDir(out);
    await ensureDir(out); // existing directory is fine
    const tensors = { 'fc1.weight': f32([4, 3], 30) };
    const path = join(out, 'model.safetensors');
    await writeFileAtomic(path, encodeSafetensors(tensors, { epoch: '1' }));
    const back = decodeSafetensors(new Uint8Array(await readFile(path)));
    expect(bits(back.tensors['fc1.weight'].data)).toEqual(bits(tensors['fc1.weight'].data));
    expect(await readdir(out)).toEqual(['model.safetensors']);
  });

  it('replaces the old file with text, bytes or chunks', async () => {
    const path = join(dir, 'log.txt');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, 'new ✓');
    expect(await readFile(path, 'utf8')).toBe('new ✓');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3]);
    await writeFileAtomic(path, ['a', new Uint8Array([0x62]), 'c']);
    expect(await readFile(path, 'utf8')).toBe('abc');
    expect(await readdir(dir)).toEqual(['log.txt']);
  });

  it('keeps the old file and leaves no temp file when the source throws', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFileAtomic(path, 'previous checkpoint');
    async function* failing() {
      yield new Uint8Array(1 << 16).fill(7);
      throw new Error('disk source broke');
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow('disk source broke');
    function* failingSync() {
      yield 'partial';
      throw new Error('sync source broke');
    }
    await expect(writeFileAtomic(path, failingSync())).rejects.toThrow('sync source broke');
    expect(await readFile(path, 'utf8')).toBe('previous checkpoint');
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('cleans up when the final rename fails', async () => {
    const path = join(dir, 'taken');
    await mkdir(path);
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
  });

  it('names the problem when a directory cannot be created', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await expect(ensureDir(join(dir, 'file', 'sub'))).rejects.toThrow(/exists as a file/);
    await expect(writeFileAtomic(join(dir, 'missing', 'a.bin'), 'x')).rejects.toThrow(/ENOENT/);
  });
});
