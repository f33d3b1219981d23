// VAE-specific kernels: the reparameterisation forward + backward on [B, 20], the
// fused loss on a [B, 784] reconstruction with a [B, 20] posterior (both dispatches),
// and `randn` on 1e6 elements. All are memory-bound; bytes per launch count every
// f32 read and written once:
//   reparameterize  forward mu, logvar -> z (12 B/elem) + backward dz, logvar -> dmu, dlogvar (16 B/elem)
//   vae loss        main: recon, x, mu, logvar -> per_sample, d_recon, d_mu, d_logvar
//                   (12 B per pixel, 16 B per latent, 12 B per row) + batch_mean (12 B per row + 12 B)
//   randn           4 B/elem written (the Philox and Box-Muller arithmetic is the real cost)
import type { Gpu } from '../src/gpu/runtime.js';
import type { Tensor } from '../src/tensor.js';
import { randn, reparameterize, reparameterizeBackward } from '../src/ops/reparameterize.js';
import { vaeLoss, type VaeLossOutputs } from '../src/ops/vae-loss.js';
import { lazyCase, type BenchCase, type BenchFamily } from './case.js';

const PIXELS = 784;
const LATENT = 20;
const NOISE = { seed: 1, step: 0 };

function filled(gpu: Gpu, shape: number[], label: string, lo: number, hi: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + ((hi - lo) * (Math.sin(1.7 * i) + 1)) / 2;
  return gpu.upload(data, shape, label);
}


function reparameterizeCase(gpu: Gpu, batch: number): BenchCase {
  const n = batch * LATENT;
  const shape = [batch, LATENT];
  const alloc = () => ({
    mu: filled(gpu, shape, 'bench.mu', -1, 1),
    logvar: filled(gpu, shape, 'bench.logvar', -2, 1),
    dz: filled(gpu, shape, 'bench.dz', -1, 1),
    z: gpu.empty(shape, 'bench.z'),
    dmu: gpu.empty(shape, 'bench.dmu'),
    dlogvar: gpu.empty(shape, 'bench.dlogvar'),
  });
  return lazyCase(gpu, 'vae', `reparameterize fwd+bwd [${batch}, ${LATENT}]`, 28 * n, alloc, (t) => {
    reparameterize(gpu, t.mu, t.logvar, { ...NOISE, out: t.z });
    reparameterizeBackward(gpu, t.dz, t.logvar, { ...NOISE, dmu: t.dmu, dlogvar: t.dlogvar });
  });
}

function lossCase(gpu: Gpu, batch: number): BenchCase {
  const bytes = 12 * batch * PIXELS + 16 * batch * LATENT + 24 * batch + 12;
  const alloc = () => ({
    recon: filled(gpu, [batch, PIXELS], 'bench.logits', -5, 5),
    x: filled(gpu, [batch, PIXELS], 'bench.x', 0, 1),
    mu: filled(gpu, [batch, LATENT], 'bench.mu', -1, 1),
    logvar: filled(gpu, [batch, LATENT], 'bench.logvar', -2, 1),
    perSample: gpu.empty([batch, 3], 'bench.perSample'),
    stats: gpu.empty([3], 'bench.stats'),
    dRecon: gpu.empty([batch, PIXELS], 'bench.dRecon'),
    dMu: gpu.empty([batch, LATENT], 'bench.dMu'),
    dLogvar: gpu.empty([batch, LATENT], 'bench.dLogvar'),
  });
  return lazyCase(gpu, 'vae', `vae loss bernoulli [${batch}, ${PIXELS}] + [${batch}, ${LATENT}]`, bytes, alloc, (t) => {
    const out: VaeLossOutputs = { perSample: t.perSample, stats: t.stats, dRecon: t.dRecon, dMu: t.dMu, dLogvar: t.dLogvar };
    vaeLoss(gpu, t.recon, t.x, t.mu, t.logvar, { beta: 1, likelihood: 'bernoulli', out });
  });
}

function randnCase(gpu: Gpu, n: number): BenchCase {
  return lazyCase(gpu, 'vae', `randn n=${n}`, 4 * n, () => ({ noise: gpu.empty([n], 'bench.noise') }), (t) => {
    randn(gpu, [n], { ...NOISE, out: t.noise });
  });
}

export const vaeBench: BenchFamily = (gpu, { quick }) => {
  const batches = quick ? [128] : [128, 1024];
  return [...batches.flatMap((b) => [reparameterizeCase(gpu, b), lossCase(gpu, b)]), randnCase(gpu, 1_000_000)];
};
