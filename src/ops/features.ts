// Feature-axis ops on [rows, features] matrices and the elementwise sums and
// products their gradients need (shaders/features.wgsl). They only record
// dispatches; callers read.
import src, { reflection } from '../../shaders/features.wgsl';
import type { Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import { ShapeError } from '../gpu/errors.js';
import type { Tensor } from '../tensor.js';
import { workgroupGrid } from './elementwise.js';

const shader = shaderOf('features', src, reflection);

/** Invocations per workgroup of every entry point (WG in the shader). */
const WG = 256;

function grid(gpu: Gpu, n: number): [number, number] {
  return workgroupGrid(n, WG, gpu.device.limits.maxComputeWorkgroupsPerDimension);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

// u32 tensors (batch indices) would bind fine and be read as garbage floats.
function float(op: string, name: string, t: Tensor): void {
  if (t.dtype !== 'f32') throw new ShapeError(`${op}: ${name} is a ${t.dtype} tensor; pass an f32 tensor`);
}

/** The [rows, features] of a 2-D f32 tensor. */
function matrix(op: string, name: string, t: Tensor): [number, number] {
  float(op, name, t);
  if (t.shape.length !== 2) throw new ShapeError(`${op}: ${name} must be 2-D [rows, features], got ${shapeText(t.shape)}; reshape it with .view([rows, features])`);
  return [t.shape[0], t.shape[1]];
}

/** Throws unless t is an f32 tensor of exactly `shape`; `fix` ends the message. */
function expectShape(op: string, name: string, t: Tensor, shape: readonly number[], fix: string): void {
  float(op, name, t);
  const same = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!same) throw new ShapeError(`${op}: ${name} has shape ${shapeText(t.shape)} but must be ${shapeText(shape)}; ${fix}`);
}

function count(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new ShapeError(`${op}: ${name} must be a non-negative integer, got ${v}`);
}

/** The column window start..start+width must lie inside `cols` columns of `name`. */
function columnWindow(op: string, name: string, cols: number, start: number, width: number): void {
  count(op, 'start', start);
  count(op, 'width', width);
  if (start + width > cols) {
    throw new ShapeError(`${op}: columns ${start}..${start + width} are outside ${name}'s ${cols} columns; pass start + width <= ${cols}`);
  }
}

function needsOut(op: string, accumulate: boolean, out: Tensor | undefined): void {
  if (accumulate && !out) throw new ShapeError(`${op}: accumulate needs \`out\`, the tensor to add into`);
}

const OUT_FIX = 'pass an out of that shape, or none to get a new tensor';

export interface OutOptions {
  /** Write into this tensor instead of a new one; it must not overlap an input (WebGPU forbids a written binding aliasing another). */
  out?: Tensor;
}

export interface AccumulateOptions extends OutOptions {
  /** out += result (autograd sums gradients); needs `out`. */
  accumulate?: boolean;
}

/** out[r] = [a[r], b[r]] for a [B, da] and b [B, db]; out is [B, da + db]. */
export function concatCols(gpu: Gpu, a: Tensor, b: Tensor, options: OutOptions = {}): Tensor {
  const [rows, da] = matrix('concatCols', 'a', a);
  const [rowsB, db] = matrix('concatCols', 'b', b);
  if (rowsB !== rows) throw new ShapeError(`concatCols: a ${shapeText(a.shape)} and b ${shapeText(b.shape)} differ in rows; concatenate matrices of the same batch`);
  const shape = [rows, da + db];
  const out = options.out ?? gpu.empty(shape, `concat(${a.buffer.label}, ${b.buffer.label})`);
  expectShape('concatCols', 'out', out, shape, OUT_FIX);
  const n = out.size;
  gpu.run({ shader, entry: 'concat_cols', bindings: { a, b, out }, params: { n, width: 0, stride: da + db, start: da }, workgroups: grid(gpu, n), cost: { bytes: 8 * n } });
  return out;
}

/**
 * out = x[:, start:start+width] for x [B, d]; out is [B, width]. One piece of a
 * split, and concatCols' backward. With `accumulate`, out += the slice.
 */
export function sliceCols(gpu: Gpu, x: Tensor, start: number, width: number, options: AccumulateOptions = {}): Tensor {
  const [rows, cols] = matrix('sliceCols', 'x', x);
  columnWindow('sliceCols', 'x', cols, start, width);
  const accumulate = options.accumulate ?? false;
  needsOut('sliceCols', accumulate, options.out);
  const shape = [rows, width];
  const out = options.out ?? gpu.empty(shape, `slice(${x.buffer.label})`);
  expectShape('sliceCols', 'out', out, shape, OUT_FIX);
  const n = out.size;
  gpu.run({
    shader,
    entry: 'slice_cols',
    constants: { ACCUMULATE: accumulate ? 1 : 0 },
    bindings: { x, out },
    params: { n, width, stride: cols, start },
    workgroups: grid(gpu, n),
    cost: { bytes: (accumulate ? 12 : 8) * n },
  });
  return out;
}

export interface PlaceOptions {
  /** dst[:, window] += src instead of =. */
  accumulate?: boolean;
}

/**
 * dst[:, start:start+w] = src (or += with `accumulate`) for src [B, w], dst [B, d];
 * sliceCols' backward. Only the window's columns are written: a caller that wants
 * the rest of dst to be 0 (a fresh gradient) zeroes it first, e.g. with fill.
 */
export function placeCols(gpu: Gpu, src: Tensor, dst: Tensor, start: number, options: PlaceOptions = {}): Tensor {
  const [rows, width] = matrix('placeCols', 'src', src);
  const [rowsDst, cols] = matrix('placeCols', 'dst', dst);
  if (rowsDst !== rows) throw new ShapeError(`placeCols: src ${shapeText(src.shape)} and dst ${shapeText(dst.shape)} differ in rows; place into a matrix of the same batch`);
  columnWindow('placeCols', 'dst', cols, start, width);
  const accumulate = options.accumulate ?? false;
  const n = src.size;
  gpu.run({
    shader,
    entry: 'place_cols',
    constants: { ACCUMULATE: accumulate ? 1 : 0 },
    bindings: { src, dst },
    params: { n, width, stride: cols, start },
    workgroups: grid(gpu, n),
    cost: { bytes: (accumulate ? 12 : 8) * n },
  });
  return dst;
}

/** out = a + b, elementwise; a and b have the same shape. */
export function add(gpu: Gpu, a: Tensor, b: Tensor, options: OutOptions = {}): Tensor {
  float('add', 'a', a);
  expectShape('add', 'b', b, a.shape, 'pass tensors of the same shape (use .view() to reshape)');
  const out = options.out ?? gpu.empty(a.shape, `add(${a.buffer.label}, ${b.buffer.label})`);
  expectShape('add', 'out', out, a.shape, OUT_FIX);
  const n = a.size;
  gpu.run({ shader, entry: 'add', bindings: { a, b, out }, params: { n, width: 0, stride: 0, start: 0 }, workgroups: grid(gpu, n), cost: { bytes: 12 * n } });
  return out;
}

/**
 * out = a * m, elementwise (a mask multiply; m has a's shape). With `accumulate`,
 * out += a * m, which is also the rule for a's gradient: da += dy * m.
 */
export function mul(gpu: Gpu, a: Tensor, m: Tensor, options: AccumulateOptions = {}): Tensor {
  float('mul', 'a', a);
  expectShape('mul', 'm', m, a.shape, 'pass a mask of the same shape as a (use .view() to reshape)');
  const accumulate = options.accumulate ?? false;
  needsOut('mul', accumulate, options.out);
  const out = options.out ?? gpu.empty(a.shape, `mul(${a.buffer.label}, ${m.buffer.label})`);
  expectShape('mul', 'out', out, a.shape, OUT_FIX);
  const n = a.size;
  gpu.run({
    shader,
    entry: 'mul',
    constants: { ACCUMULATE: accumulate ? 1 : 0 },
    bindings: { a, m, out },
    params: { n, width: 0, stride: 0, start: 0 },
    workgroups: grid(gpu, n),
    cost: { bytes: (accumulate ? 16 : 12) * n },
  });
  return out;
}

export interface ScaledAddOptions {
  /** y += s[0] * x instead of y = s[0] * x; always stated, since y is overwritten otherwise. */
  accumulate: boolean;
}

/**
 * y = s[0] * x, or y += s[0] * x with `accumulate`, where s is a 1-element f32
 * tensor on the GPU (e.g. an upstream scalar gradient, so no readback is needed).
 * Returns y.
 */
export function scaledAdd(gpu: Gpu, x: Tensor, s: Tensor, y: Tensor, options: ScaledAddOptions): Tensor {
  if (s.dtype !== 'f32' || s.size !== 1) throw new ShapeError(`scaledAdd: s must be a 1-element f32 tensor (the scale), got ${s.dtype} ${shapeText(s.shape)}; pass e.g. a [1] tensor`);
  float('scaledAdd', 'x', x);
  expectShape('scaledAdd', 'y', y, x.shape, 'pass x and y of the same shape (use .view() to reshape)');
  if (typeof options?.accumulate !== 'boolean') throw new ShapeError('scaledAdd: options.accumulate must be true (y += s*x) or false (y = s*x)');
  const accumulate = options.accumulate;
  const n = x.size;
  gpu.run({
    shader,
    entry: 'scaled_add',
    constants: { ACCUMULATE: accumulate ? 1 : 0 },
    bindings: { x, s, y },
    params: { n, width: 0, stride: 0, start: 0 },
    workgroups: grid(gpu, n),
    cost: { bytes: (accumulate ? 12 : 8) * n + 4 },
  });
  return y;
}
