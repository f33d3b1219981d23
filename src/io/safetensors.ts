// The safetensors checkpoint format (Hugging Face), so weights trained here load in
// PyTorch (`safetensors.torch.load_file`) and the other way round. Browser-safe: bytes
// in, bytes out, no file system.
//
// Layout (https://github.com/huggingface/safetensors, "Format"):
//   [8 bytes]  N, the header length, unsigned 64-bit little-endian
//   [N bytes]  UTF-8 JSON: {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
//              ..., "__metadata__": {"<key>": "<string value>"}}
//              padded with spaces so that 8 + N is a multiple of 8
//   [rest]     the tensors' raw little-endian bytes; data_offsets are relative to the
//              start of this region, tensors lie back to back with no gaps, and the
//              last one ends exactly at the end of the file.
// The writer emits F32 only; the reader also converts F16, BF16 and F64 to float32.
//
// Integrity: with `checksum: true` (every checkpoint) the writer stores the CRC-32 of
// the data region in the metadata (key `crc32`, 8 hex digits), and the reader
// verifies it whenever present, so a corrupted
// or spliced file is refused instead of loading wrong weights. Files from other
// writers (safetensors.torch.save_file) carry none and load as before.
import { InputError } from '../gpu/errors.js';
import { decode16, halfValue } from '../half-bits.js';
import { crc32Begin, crc32End, crc32Hex, crc32Update } from './crc32.js';

/** A named float32 tensor, row-major, as stored in a checkpoint. */
export interface SafetensorsTensor {
  dtype: 'F32';
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  /** In data-offset order. Tensors stored as F16/BF16/F64 come back converted to F32. */
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A checkpoint that cannot be written or read; the message says what a valid one needs. */
export class SafetensorsError extends InputError {
  override name = 'SafetensorsError';
}

const METADATA_KEY = '__metadata__';
/** The metadata key of the data region's CRC-32. */
export const CHECKSUM_KEY = 'crc32';
// The reference implementation refuses headers over 100 MB; so do we, rather than
// trying to decode a corrupt length as a gigantic string.
const MAX_HEADER_BYTES = 100_000_000;

type Reader = (bytes: Uint8Array, count: number) => Float32Array;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Byte size and float32 conversion of every dtype the reader accepts. */
const READABLE: Record<string, { size: number; read: Reader }> = {
  F32: { size: 4, read: readF32 },
  F16: { size: 2, read: (b, n) => decode16(b, n, halfValue) },
  BF16: { size: 2, read: (b, n) => decode16(b, n, bfloatToFloat) },
  F64: { size: 8, read: readF64 },
};

export function encodeSafetensors(tensors: Record<string, SafetensorsTensor>, metadata: Record<string, string> = {}, options: { checksum?: boolean } = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  const names = Object.keys(tensors);
  let offset = 0;
  for (const name of names) {
    checkName(name);
    const t = tensors[name];
    if (t.dtype !== 'F32') throw new SafetensorsError(`tensor '${name}' has dtype ${String(t.dtype)}; the writer stores F32 only (pass a Float32Array with dtype 'F32')`);
    if (!(t.data instanceof Float32Array)) throw new SafetensorsError(`tensor '${name}': data must be a Float32Array`);
    checkShape(name, t.shape);
    const count = product(t.shape);
    if (count !== t.data.length) {
      throw new SafetensorsError(`tensor '${name}': shape [${t.shape.join(', ')}] holds ${count} values but data has ${t.data.length}; they must match`);
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new SafetensorsError(`metadata '${k}' is a ${typeof v}; safetensors metadata values must be strings (use JSON.stringify for structured values)`);
  }
  const meta = { ...metadata };
  if (options.checksum) {
    let crc = crc32Begin();
    for (const name of names) crc = crc32Update(crc, littleEndianBytes(tensors[name].data));
    meta[CHECKSUM_KEY] = crc32Hex(crc32End(crc));
  }
  if (Object.keys(meta).length > 0) header[METADATA_KEY] = meta;

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = json.length + ((8 - ((8 + json.length) % 8)) % 8);
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    writeF32(out, at, tensors[name].data);
    at += tensors[name].data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) {
    throw new SafetensorsError(`file is ${bytes.length} bytes; a safetensors file starts with an 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(`header length ${declared} runs past the end of the ${bytes.length}-byte file; the file is truncated or not safetensors`);
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) throw new SafetensorsError(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLength < 2) throw new SafetensorsError(`header length ${headerLength} is too short for a JSON object`);

  const header = parseHeader(bytes.subarray(8, 8 + headerLength));
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const metadata = readMetadata(header[METADATA_KEY]);
  const entries: { name: string; begin: number; end: number; shape: number[]; dtype: string }[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    if (name.length === 0) throw new SafetensorsError('a tensor has an empty name; every tensor needs a non-empty name');
    entries.push({ name, ...readEntry(name, raw, dataLength) });
  }

  // Tensors must tile the data region exactly: sorted by offset, each starting where
  // the previous ended, the first at 0 and the last at the end of the file.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.begin < expected) throw new SafetensorsError(`tensor '${e.name}' at bytes [${e.begin}, ${e.end}) overlaps the previous tensor, which ends at ${expected}; tensors must not overlap`);
    if (e.begin > expected) throw new SafetensorsError(`gap of ${e.begin - expected} bytes before tensor '${e.name}' (data_offsets begin ${e.begin}, expected ${expected}); tensors must lie back to back`);
    expected = e.end;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(`${dataLength - expected} bytes after the last tensor (data region is ${dataLength} bytes, tensors cover ${expected}); a valid file has no trailing bytes`);
  }

  const stored = metadata[CHECKSUM_KEY];
  if (stored !== undefined) {
    const actual = crc32Hex(crc32End(crc32Update(crc32Begin(), bytes.subarray(dataStart))));
    if (actual !== stored.toLowerCase()) {
      throw new SafetensorsError(`checksum mismatch (the data's CRC-32 is ${actual}, the header says ${stored}): the file is corrupt; use another copy or train again`);
    }
  }

  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) {
    const { size, read } = READABLE[e.dtype];
    const data = read(bytes.subarray(dataStart + e.begin, dataStart + e.end), (e.end - e.begin) / size);
    tensors[e.name] = { dtype: 'F32', shape: e.shape, data };
  }
  return { tensors, metadata };
}

function parseHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new SafetensorsError('header is not valid UTF-8; the header must be UTF-8 JSON');
  }
  if (!text.startsWith('{')) throw new SafetensorsError(`header starts with ${JSON.stringify(text.slice(0, 1))}; it must be a JSON object starting with '{'`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`header is not valid JSON (${(err as Error).message}); it must be a JSON object, padded with trailing spaces only`);
  }
  // Valid JSON that starts with '{' is an object.
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) throw new SafetensorsError(`tensor name '${duplicate}' appears more than once in the header; names must be unique`);
  return parsed as Record<string, unknown>;
}

/**
 * The first top-level key that occurs twice. JSON.parse silently keeps the last
 * duplicate, so the header text (already known to be valid JSON) is scanned for the
 * keys of the outer object: strings at depth 1 that are followed by ':'.
 */
function firstDuplicateKey(json: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (ch === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      let k = j + 1;
      while (/\s/.test(json[k] ?? '')) k++;
      if (depth === 1 && json[k] === ':') {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
      }
      i = j;
    }
  }
  return undefined;
}

function readMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`'${METADATA_KEY}' must be an object of string values`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new SafetensorsError(`metadata '${k}' is ${JSON.stringify(v)}; '${METADATA_KEY}' values must be strings`);
    out[k] = v;
  }
  return out;
}

function readEntry(name: string, raw: unknown, dataLength: number): { begin: number; end: number; shape: number[]; dtype: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`tensor '${name}': header entry must be an object {dtype, shape, data_offsets}`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') throw new SafetensorsError(`tensor '${name}': missing string 'dtype'`);
  const kind = READABLE[dtype];
  if (kind === undefined) {
    throw new SafetensorsError(`tensor '${name}' has dtype ${dtype}, which this reader does not support; supported: ${Object.keys(READABLE).join(', ')} (all read as float32)`);
  }
  if (!Array.isArray(shape)) throw new SafetensorsError(`tensor '${name}': 'shape' must be an array of non-negative integers`);
  checkShape(name, shape);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new SafetensorsError(`tensor '${name}': 'data_offsets' must be [begin, end], two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    throw new SafetensorsError(`tensor '${name}': data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data region; the file is truncated or the header is wrong`);
  }
  const want = product(shape) * kind.size;
  if (end - begin !== want) {
    throw new SafetensorsError(`tensor '${name}': shape [${shape.join(', ')}] of ${dtype} needs ${want} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { begin, end, shape: [...shape], dtype };
}

function checkName(name: string): void {
  if (name.length === 0) throw new SafetensorsError('a tensor has an empty name; every tensor needs a non-empty name such as "fc1.weight"');
  if (name === METADATA_KEY) throw new SafetensorsError(`'${METADATA_KEY}' is reserved for metadata and cannot name a tensor`);
}

function checkShape(name: string, shape: unknown[]): asserts shape is number[] {
  if (!shape.every(isCount)) {
    throw new SafetensorsError(`tensor '${name}': shape [${shape.map((d) => JSON.stringify(d)).join(', ')}] must contain non-negative integers only`);
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function writeF32(out: Uint8Array, at: number, data: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + at, data.byteLength);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
}

// The readers copy: offsets of mixed-dtype files need not be 4-aligned, and the result
// must not alias the caller's file bytes.
function readF32(bytes: Uint8Array, count: number): Float32Array {
  if (LITTLE_ENDIAN_HOST) return new Float32Array(bytes.slice().buffer, 0, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

function readF64(bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}

/** bfloat16 is the top half of a float32. */
const bfloatScratch = new DataView(new ArrayBuffer(4));
function bfloatToFloat(bits: number): number {
  bfloatScratch.setUint32(0, bits << 16);
  return bfloatScratch.getFloat32(0);
}

/** A float32 array's bytes as stored (little-endian), without a copy on little-endian hosts. */
function littleEndianBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  writeF32(out, 0, data);
  return out;
}
