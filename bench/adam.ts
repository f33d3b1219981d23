// Optimiser step benchmarks: one launch is a whole step (`advance` + the update) over
// a flat parameter buffer the size of the classic VAE (and of a 1e7-parameter model
// when not quick). The update is memory-bound, so each case reports bytes moved:
// Adam reads p, g, m, v and writes p, m, v (28 bytes per parameter); SGD with momentum
// reads p, g, buf and writes p, buf (20 bytes). The 4-byte counter is left out.
import type { Gpu } from '../src/gpu/runtime.js';
import type { Tensor } from '../src/tensor.js';
import { adamStep, createAdamState, createSgdState, sgdStep } from '../src/ops/optimizer-step.js';
import { lazyCase, type BenchCase, type BenchFamily } from './case.js';

/** Layers of the classic MNIST VAE (784-400-20): [inputs, outputs] of each Linear. */
const VAE_LAYERS: [number, number][] = [
  [784, 400], // fc1
  [400, 20], // fc21 (mean)
  [400, 20], // fc22 (log-variance)
  [20, 400], // fc3
  [400, 784], // fc4
];

/** Weights plus biases: 652,824. */
export const VAE_PARAMETERS = VAE_LAYERS.reduce((sum, [i, o]) => sum + i * o + o, 0);

function filled(gpu: Gpu, n: number, label: string): Tensor {
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i) * 0.01;
  return gpu.upload(data, [n], label);
}


export const adamBench: BenchFamily = (gpu, { quick }) => {
  const sizes = quick ? [VAE_PARAMETERS] : [VAE_PARAMETERS, 10_000_000];
  const cases: BenchCase[] = [];
  for (const n of sizes) {
    const adamTensors = () => ({ params: filled(gpu, n, 'bench.params'), grads: filled(gpu, n, 'bench.grads'), ...createAdamState(gpu, n) });
    for (const decoupled of [false, true]) {
      const name = decoupled ? 'adamw' : 'adam';
      const c = lazyCase(gpu, 'adam', `${name} n=${n}`, 28 * n, adamTensors, (t) => adamStep(gpu, t, { lr: 1e-3, decoupled }));
      // n % 4 == 0 runs four parameters at a time (shaders/adam_vec4.wgsl); one more
      // parameter runs the scalar entry, its pair (rates are per byte).
      if (n % 4 === 0) {
        const scalarTensors = () => ({ params: filled(gpu, n + 1, 'bench.params'), grads: filled(gpu, n + 1, 'bench.grads'), ...createAdamState(gpu, n + 1) });
        c.versus = lazyCase(gpu, 'adam', `${name} n=${n + 1} (scalar)`, 28 * (n + 1), scalarTensors, (t) => adamStep(gpu, t, { lr: 1e-3, decoupled }));
      }
      cases.push(c);
    }
    const sgdTensors = () => ({ params: filled(gpu, n, 'bench.params'), grads: filled(gpu, n, 'bench.grads'), ...createSgdState(gpu, n) });
    cases.push(lazyCase(gpu, 'adam', `sgd momentum n=${n}`, 20 * n, sgdTensors, (t) => sgdStep(gpu, t, { lr: 1e-2, momentum: 0.9 })));
  }
  return cases;
};
