// Elementwise ops: activations forward and backward, axpy and fill
// (shaders/elementwise.wgsl). They only record dispatches; callers read.
import src, { reflection } from '../../shaders/elementwise.wgsl';
import type { Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import { ShapeError } from '../gpu/errors.js';
import type { Tensor } from '../tensor.js';
import { LEAKY_SLOPE, activationCode, type Activation } from './activation.js';

const shader = shaderOf('elementwise', src, reflection);

/** Invocations per workgroup of every entry point (WG in the shader). */
const WG = 256;

/**
 * A 2-D grid of at least ceil(n / perGroup) workgroups with neither dimension above
 * `maxPerDim`. Kernels linearise it as (wid.y * groups.x + wid.x), so the last row
 * may hold workgroups past n; they do nothing. y grows only when x is full, and x
 * is then balanced so the overshoot stays below one row.
 */
export function workgroupGrid(n: number, perGroup: number, maxPerDim: number): [number, number] {
  const groups = Math.ceil(n / perGroup);
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  if (y > maxPerDim) throw new ShapeError(`${n} elements need ${groups} workgroups, more than ${maxPerDim}² fit in a 2-D grid; split the tensor`);
  return [Math.ceil(groups / y), y];
}

function grid(gpu: Gpu, n: number): [number, number] {
  return workgroupGrid(n, WG, gpu.device.limits.maxComputeWorkgroupsPerDimension);
}

function sameShape(op: string, what: string, t: Tensor, like: Tensor, likeName: string): void {
  const same = t.shape.length === like.shape.length && t.shape.every((d, i) => d === like.shape[i]);
  if (!same) throw new ShapeError(`${op}: ${what} has shape [${t.shape.join(', ')}] but ${likeName} has [${like.shape.join(', ')}]; pass tensors of the same shape (use .view() to reshape)`);
}

function finite(op: string, name: string, v: number): void {
  if (!Number.isFinite(v)) throw new ShapeError(`${op}: ${name} must be a finite number, got ${v}`);
}

/** y = act(x), elementwise. */
export function activation(gpu: Gpu, x: Tensor, kind: Activation, options: { out?: Tensor } = {}): Tensor {
  const constants = { ACT: activationCode(kind), LEAKY_SLOPE };
  const y = options.out ?? gpu.empty(x.shape, `${kind}(${x.buffer.label})`);
  sameShape('activation', 'out', y, x, 'x');
  gpu.run({ shader, entry: 'forward', constants, bindings: { x, y }, params: { n: x.size, scalar: 0 }, workgroups: grid(gpu, x.size), cost: { bytes: 8 * x.size } });
  return y;
}

export interface ActivationBackwardOptions {
  /** Write into this tensor instead of a new one. */
  out?: Tensor;
  /** dx += dy * act'(saved) into `out` (autograd sums gradients); needs `out`. */
  accumulate?: boolean;
}

/**
 * dx = dy * act'(saved). `saved` is the forward OUTPUT or INPUT as
 * BACKWARD_READS[kind] says (src/ops/activation.ts).
 */
export function activationBackward(gpu: Gpu, dy: Tensor, saved: Tensor, kind: Activation, options: ActivationBackwardOptions = {}): Tensor {
  const accumulate = options.accumulate ?? false;
  const constants = { ACT: activationCode(kind), LEAKY_SLOPE, ACCUMULATE: accumulate ? 1 : 0 };
  sameShape('activationBackward', 'saved', saved, dy, 'dy');
  if (accumulate && !options.out) throw new ShapeError('activationBackward: accumulate needs `out`, the gradient to add into');
  const dx = options.out ?? gpu.empty(dy.shape, `d${kind}`);
  sameShape('activationBackward', 'out', dx, dy, 'dy');
  gpu.run({ shader, entry: 'backward', constants, bindings: { dy, saved, dx }, params: { n: dy.size, scalar: 0 }, workgroups: grid(gpu, dy.size), cost: { bytes: (accumulate ? 16 : 12) * dy.size } });
  return dx;
}

/** y = y + alpha * x, in place; returns y. */
export function axpy(gpu: Gpu, alpha: number, x: Tensor, y: Tensor): Tensor {
  finite('axpy', 'alpha', alpha);
  sameShape('axpy', 'y', y, x, 'x');
  gpu.run({ shader, entry: 'axpy', bindings: { x, y }, params: { n: y.size, scalar: alpha }, workgroups: grid(gpu, y.size), cost: { bytes: 12 * y.size } });
  return y;
}

/** y = value everywhere; returns y. */
export function fill(gpu: Gpu, y: Tensor, value: number): Tensor {
  finite('fill', 'value', value);
  gpu.run({ shader, entry: 'fill', bindings: { y }, params: { n: y.size, scalar: value }, workgroups: grid(gpu, y.size), cost: { bytes: 4 * y.size } });
  return y;
}
