// Batch gathering on the GPU: rows of a resident dataset picked by an index list.
import { ShapeError } from '../gpu/errors.js';
import type { Gpu } from '../gpu/runtime.js';
import type { Live } from '../gpu/program.js';
import { shaderOf } from '../gpu/shader.js';
import type { Tensor } from '../tensor.js';
import gatherWgsl, { reflection } from '../../shaders/gather.wgsl';

const shader = shaderOf('gather', gatherWgsl, reflection);
const WG = 64;

export interface GatherOptions {
  /** First entry of `index` to use; a `Live` value lets a captured step move it. */
  offset?: number | Live;
  out?: Tensor;
}

/** out[r] = src[index[offset + r]] for r < rows; src is [n, d], index is u32. */
export function gatherRows(gpu: Gpu, src: Tensor, index: Tensor, rows: number, options: GatherOptions = {}): Tensor {
  if (src.shape.length !== 2) throw new ShapeError(`gatherRows: src must be [rows, cols], got [${src.shape.join(', ')}]`);
  if (index.dtype !== 'u32') throw new ShapeError(`gatherRows: index must be a u32 tensor, got ${index.dtype}`);
  const [srcRows, cols] = src.shape;
  const offset = options.offset ?? 0;
  const start = typeof offset === 'number' ? offset : offset.value;
  if (!Number.isInteger(rows) || rows < 1 || start + rows > index.size) {
    throw new ShapeError(`gatherRows: rows ${start}..${start + rows} are outside the index list of ${index.size}`);
  }
  const out = options.out ?? gpu.empty([rows, cols], 'gather.out');
  if (out.size !== rows * cols) throw new ShapeError(`gatherRows: out has ${out.size} elements, expected [${rows}, ${cols}]`);
  gpu.run({
    shader,
    entry: 'gather_rows',
    constants: { WG },
    bindings: { src, index, out },
    params: { rows, cols, offset, src_rows: srcRows },
    workgroups: [Math.ceil(cols / WG), rows],
    cost: { bytes: 4 * (2 * rows * cols + rows) },
  });
  return out;
}
