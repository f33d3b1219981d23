// f16 storage, opt-in: toF16 rounds an f32 tensor to half width (two values a 32-bit
// word), toF32 widens one back exactly (shaders/half.wgsl). Every adapter can do
// this, with or without shader-f16: the halves are packed into u32 words, so a
// kernel reads them as bits and widens them with unpack2x16float. The vec4 matmul
// entries read f16 operands directly (src/ops/matmul.ts), which halves the bytes a
// product streams from its weights; other ops take f32 and refuse an f16 tensor
// (the runtime checks every binding). The rounding is the adapter's choice between a
// value's two neighbouring halves (WGSL allows either), and |x| >= 65520 becomes
// ±infinity.
import src, { reflection } from '../../shaders/half.wgsl';
import { ShapeError } from '../gpu/errors.js';
import type { Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import type { Tensor } from '../tensor.js';
import { streamGrid } from './stream.js';

const shader = shaderOf('half', src, reflection);

// Each direction: what it takes, its entry and bindings, and the name its result gets.
const DIRECTIONS = {
  f16: { op: 'toF16', from: 'f32', entry: 'to_half', input: 'wide', output: 'packed_out', fix: 'pass an f32 tensor' },
  f32: { op: 'toF32', from: 'f16', entry: 'to_float', input: 'packed', output: 'wide_out', fix: 'pass an f16 tensor (from toF16)' },
} as const;

function convert(gpu: Gpu, x: Tensor, to: keyof typeof DIRECTIONS, out?: Tensor): Tensor {
  const d = DIRECTIONS[to];
  if (x.dtype !== d.from) throw new ShapeError(`${d.op}: the input is ${x}; ${d.fix}`);
  const y = out ?? gpu.empty(x.shape, `${to}(${x.buffer.label})`, to);
  const same = y.shape.length === x.shape.length && y.shape.every((n, i) => n === x.shape[i]);
  if (!same || y.dtype !== to) throw new ShapeError(`${d.op}: out is ${y} but the result is ${to} [${x.shape.join(', ')}]; pass an out of that dtype and shape`);
  // One invocation per word of two halves.
  const words = Math.ceil(x.size / 2);
  if (words > 0) gpu.run({ shader, entry: d.entry, bindings: { [d.input]: x, [d.output]: y }, params: { n: x.size }, workgroups: streamGrid(words), cost: { bytes: 6 * x.size } });
  return y;
}

/** x rounded to f16 storage (same shape), into `out` if given. */
export function toF16(gpu: Gpu, x: Tensor, options: { out?: Tensor } = {}): Tensor {
  return convert(gpu, x, 'f16', options.out);
}

/** An f16 tensor widened to f32 (exactly: every half is an f32), into `out` if given. */
export function toF32(gpu: Gpu, h: Tensor, options: { out?: Tensor } = {}): Tensor {
  return convert(gpu, h, 'f32', options.out);
}
