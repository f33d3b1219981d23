// Axis sums of a matrix and the mean of a tensor (shaders/reduce.wgsl). They only
// record dispatches; callers read.
import src, { reflection } from '../../shaders/reduce.wgsl';
import type { Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import { ShapeError } from '../gpu/errors.js';
import type { Tensor } from '../tensor.js';
import { workgroupGrid } from './elementwise.js';

const shader = shaderOf('reduce', src, reflection);

/** Invocations per workgroup (MAX_WG in the shader). */
const MAX_WG = 256;
/** Elements a lane adds sequentially before more lanes are worth their cost. */
const PER_LANE = 256;

/**
 * Lanes that share one output when summing `length` elements: the largest power
 * of two up to MAX_WG that leaves each lane at least PER_LANE elements (1 for
 * short axes). Few lanes keep SwiftShader fast (each invocation of a kernel with
 * barriers costs microseconds there); long axes still get a tree.
 */
export function reduceLanes(length: number): number {
  let lanes = 1;
  while (lanes < MAX_WG && lanes * 2 * PER_LANE <= length) lanes *= 2;
  return lanes;
}

/** The override constants and grid for `outputs` sums of `length` elements each. */
function launch(gpu: Gpu, outputs: number, length: number, accumulate: boolean) {
  const lanes = reduceLanes(length);
  const tile = MAX_WG / lanes;
  return {
    constants: { LANES: lanes, TILE: tile, ACCUMULATE: accumulate ? 1 : 0 },
    workgroups: workgroupGrid(outputs, tile, gpu.device.limits.maxComputeWorkgroupsPerDimension),
  };
}

export interface ReduceOptions {
  /** Multiplies the sums (default 1), e.g. 1/B for a batch mean. */
  scale?: number;
  /** Write into this tensor (any shape with the right element count). */
  out?: Tensor;
  /** out += scale * sum (autograd sums gradients); needs `out`. */
  accumulate?: boolean;
}

function matrix(op: string, x: Tensor): [number, number] {
  if (x.shape.length !== 2) throw new ShapeError(`${op}: x must be 2-D [rows, cols], got [${x.shape.join(', ')}]; reshape it with x.view([rows, cols])`);
  return [x.shape[0], x.shape[1]];
}

function output(gpu: Gpu, op: string, x: Tensor, length: number, options: ReduceOptions): { y: Tensor; scale: number; accumulate: boolean } {
  const scale = options.scale ?? 1;
  const accumulate = options.accumulate ?? false;
  if (!Number.isFinite(scale)) throw new ShapeError(`${op}: scale must be a finite number, got ${scale}`);
  if (accumulate && !options.out) throw new ShapeError(`${op}: accumulate needs \`out\`, the tensor to add into`);
  if (options.out && options.out.size !== length) {
    throw new ShapeError(`${op}: out has ${options.out.size} elements ([${options.out.shape.join(', ')}]) but x [${x.shape.join(', ')}] gives ${length} sums`);
  }
  return { y: options.out ?? gpu.empty([length], `${op}(${x.buffer.label})`), scale, accumulate };
}

/** out[c] = scale * sum over rows of x[r, c], for x [rows, cols]; out has cols elements. */
export function sumCols(gpu: Gpu, x: Tensor, options: ReduceOptions = {}): Tensor {
  const [rows, cols] = matrix('sumCols', x);
  const { y, scale, accumulate } = output(gpu, 'sumCols', x, cols, options);
  gpu.run({ shader, entry: 'sum_cols', ...launch(gpu, cols, rows, accumulate), bindings: { x, y }, params: { rows, cols, scale }, cost: { bytes: 4 * (rows * cols + (accumulate ? 2 : 1) * cols) } });
  return y;
}

/** out[r] = scale * sum over columns of x[r, c], for x [rows, cols]; out has rows elements. */
export function sumRows(gpu: Gpu, x: Tensor, options: ReduceOptions = {}): Tensor {
  const [rows, cols] = matrix('sumRows', x);
  const { y, scale, accumulate } = output(gpu, 'sumRows', x, rows, options);
  gpu.run({ shader, entry: 'sum_rows', ...launch(gpu, rows, cols, accumulate), bindings: { x, y }, params: { rows, cols, scale }, cost: { bytes: 4 * (rows * cols + (accumulate ? 2 : 1) * rows) } });
  return y;
}

/** The mean of all elements of x, as a [1] tensor (one workgroup sums a [1, n] view with up to 256 lanes). */
export function mean(gpu: Gpu, x: Tensor): Tensor {
  if (x.size === 0) throw new ShapeError(`mean: x [${x.shape.join(', ')}] has no elements`);
  return sumRows(gpu, x.view([1, x.size]), { scale: 1 / x.size });
}
