// Elementwise and reduce benchmarks on the VAE's activation shapes: hidden [B, 400]
// and image [B, 784]. All are memory-bound, so each case reports bytes moved per
// launch: forward reads x and writes y (8 bytes an element), backward reads dy and
// the saved tensor and writes dx (12), a sum reads the matrix once and writes one
// float per output.
import type { Gpu } from '../src/gpu/runtime.js';
import type { Tensor } from '../src/tensor.js';
import type { Activation } from '../src/ops/activation.js';
import { activation, activationBackward } from '../src/ops/elementwise.js';
import { sumCols, sumRows } from '../src/ops/reduce.js';
import { lazyCase, type BenchCase, type BenchFamily } from './case.js';

function filled(gpu: Gpu, shape: number[], label: string): Tensor {
  const n = shape[0] * shape[1];
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i) * 3;
  return gpu.upload(data, shape, label);
}


export const elementwiseBench: BenchFamily = (gpu, { quick }) => {
  const batches = quick ? [128] : [128, 1024];
  const kinds: Activation[] = ['relu', 'gelu'];
  const cases: BenchCase[] = [];
  for (const b of batches) {
    for (const width of [400, 784]) {
      const shape = [b, width];
      const n = b * width;
      const label = `[${b}, ${width}]`;
      for (const kind of kinds) {
        cases.push(
          lazyCase(gpu, 'elementwise', `${kind} forward ${label}`, 8 * n, () => ({ x: filled(gpu, shape, 'bench.x'), y: gpu.empty(shape, 'bench.y') }), (t) => activation(gpu, t.x, kind, { out: t.y })),
          lazyCase(
            gpu,
            'elementwise',
            `${kind} backward ${label}`,
            12 * n,
            () => ({ dy: filled(gpu, shape, 'bench.dy'), saved: filled(gpu, shape, 'bench.saved'), dx: gpu.empty(shape, 'bench.dx') }),
            (t) => activationBackward(gpu, t.dy, t.saved, kind, { out: t.dx }),
          ),
        );
      }
      cases.push(lazyCase(gpu, 'reduce', `sum_cols ${label}`, 4 * (n + width), () => ({ x: filled(gpu, shape, 'bench.x'), y: gpu.empty([width], 'bench.y') }), (t) => sumCols(gpu, t.x, { out: t.y })));
      if (width === 784) {
        cases.push(lazyCase(gpu, 'reduce', `sum_rows ${label}`, 4 * (n + b), () => ({ x: filled(gpu, shape, 'bench.x'), y: gpu.empty([b], 'bench.y') }), (t) => sumRows(gpu, t.x, { out: t.y })));
      }
    }
  }
  return cases;
};
