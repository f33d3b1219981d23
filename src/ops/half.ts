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

function intoSameShape(op: string, out: Tensor, x: Tensor, dtype: Tensor['dtype']): void {
  const same = out.shape.length === x.shape.length && out.shape.every((d, i) => d === x.shape[i]);
  if (!same || out.dtype !== dtype) throw new ShapeError(`${op}: out is ${out} but the result is ${dtype} [${x.shape.join(', ')}]; pass an out of that dtype and shape`);
}

/** x rounded to f16 storage (same shape), into `out` if given. */
export function toF16(gpu: Gpu, x: Tensor, options: { out?: Tensor } = {}): Tensor {
  if (x.dtype !== 'f32') throw new ShapeError(`toF16: x is ${x}; pass an f32 tensor`);
  const out = options.out ?? gpu.empty(x.shape, `f16(${x.buffer.label})`, 'f16');
  intoSameShape('toF16', out, x, 'f16');
  const words = Math.ceil(x.size / 2);
  if (words > 0) gpu.run({ shader, entry: 'to_half', bindings: { wide: x, packed_out: out }, params: { n: x.size }, workgroups: streamGrid(words), cost: { bytes: 6 * x.size } });
  return out;
}

/** An f16 tensor widened to f32 (exactly: every half is an f32), into `out` if given. */
export function toF32(gpu: Gpu, h: Tensor, options: { out?: Tensor } = {}): Tensor {
  if (h.dtype !== 'f16') throw new ShapeError(`toF32: h is ${h}; pass an f16 tensor (from toF16)`);
  const out = options.out ?? gpu.empty(h.shape, `f32(${h.buffer.label})`);
  intoSameShape('toF32', out, h, 'f32');
  const words = Math.ceil(h.size / 2);
  if (words > 0) gpu.run({ shader, entry: 'to_float', bindings: { packed: h, wide_out: out }, params: { n: h.size }, workgroups: streamGrid(words), cost: { bytes: 6 * h.size } });
  return out;
}
