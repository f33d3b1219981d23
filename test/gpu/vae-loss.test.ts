// The fused VAE loss against the float64 reference: per-sample (loss, recon, kl),
// the GPU-side batch means and the three gradients, for awkward batch, pixel and
// latent sizes, both likelihoods, beta 0, 1 and 4, a gradient scale, extreme inputs,
// more rows than one grid dimension holds, and the wrapper's validation.
//
// Tolerances. Every pixel and latent term is non-negative and the shader evaluates it
// without cancellation (log1p and exp(v) - 1 - v by series, the BCE split on the sign
// of the logit), so each term is within a few f32 ulps relative, except that exp() is
// only promised to 3 + 2|x| ulps (~1e-5 at |x| = 80, 4e-6 at |x| = 30). A sum of
// non-negative terms keeps the relative error of its terms plus ~1e-6 for the
// roundings of the reduction over D <= 785. So sums use rtol 2e-5 and no atol.
// Gradients are single terms, but sigmoid(l) - x and o - x cancel when the two are
// close: rtol 2e-5 plus an atol of 1e-6 times the largest gradient of the same kind.
import { describe, expect, it } from 'vitest';
import { testGpu } from './device.js';
import { vaeLoss, type Likelihood } from '../../src/ops/vae-loss.js';
import { ShapeError } from '../../src/gpu/errors.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import { vaeLossReference } from '../reference/vae-loss.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';

interface Data {
  batch: number;
  d: number;
  l: number;
  recon: Float32Array;
  x: Float32Array;
  mu: Float32Array;
  logvar: Float32Array;
}

interface Options {
  beta: number;
  likelihood: Likelihood;
  gradScale?: number;
}

const SUMS = { atol: 0, rtol: 2e-5 };

function randomData(batch: number, d: number, l: number, likelihood: Likelihood, seed: number): Data {
  return {
    batch,
    d,
    l,
    // Logits in [-6, 6] or outputs in [-1, 2]; targets in [0, 1], not binary.
    recon: likelihood === 'bernoulli' ? uniform(batch * d, seed, -6, 6) : uniform(batch * d, seed, -1, 2),
    x: uniform(batch * d, seed + 1, 0, 1),
    mu: uniform(batch * l, seed + 2, -2, 2),
    logvar: uniform(batch * l, seed + 3, -4, 3),
  };
}

function gradientTolerance(ref: Float64Array) {
  return { atol: 1e-6 * Math.max(0, ...ref.map(Math.abs)), rtol: 2e-5 };
}

/** Runs the kernel and the reference on the same f32 inputs and compares every output. */
async function check(gpu: Gpu, data: Data, options: Options, label: string): Promise<void> {
  const { batch, d, l } = data;
  const recon = gpu.upload(data.recon, [batch, d], 'recon');
  const x = gpu.upload(data.x, [batch, d], 'x');
  const mu = gpu.upload(data.mu, [batch, l], 'mu');
  const logvar = gpu.upload(data.logvar, [batch, l], 'logvar');
  const out = vaeLoss(gpu, recon, x, mu, logvar, options);
  const ref = vaeLossReference(f64(data.recon), f64(data.x), f64(data.mu), f64(data.logvar), batch, options);

  const perSample = await gpu.read(out.perSample);
  const stats = await gpu.read(out.stats);
  const dRecon = await gpu.read(out.dRecon);
  const dMu = await gpu.read(out.dMu);
  const dLogvar = await gpu.read(out.dLogvar);
  expect([...perSample, ...stats, ...dRecon, ...dMu, ...dLogvar].every(Number.isFinite)).toBe(true);
  assertClose(perSample, ref.perSample, SUMS, `perSample ${label}`);
  assertClose(stats, ref.stats, SUMS, `stats ${label}`);
  assertClose(dRecon, ref.dRecon, gradientTolerance(ref.dRecon), `dRecon ${label}`);
  assertClose(dMu, ref.dMu, gradientTolerance(ref.dMu), `dMu ${label}`);
  assertClose(dLogvar, ref.dLogvar, gradientTolerance(ref.dLogvar), `dLogvar ${label}`);
  gpu.release(recon, x, mu, logvar, out.perSample, out.stats, out.dRecon, out.dMu, out.dLogvar);
}

/** `n` values cycling through `choices`, shifted by `offset` so tensors do not line up. */
function cycle(n: number, choices: readonly number[], offset = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => choices[(i + offset) % choices.length]);
}

describe('vae loss kernel', () => {
  it('matches the reference over batch, pixel and latent sizes, likelihoods and betas', async () => {
    const gpu = await testGpu();
    const batches = [1, 7, 33, 128];
    const pixels = [1, 7, 785];
    const latents = [1, 2, 20];
    const betas = [0, 1, 4];
    let seed = 1;
    for (const [li, likelihood] of (['bernoulli', 'gaussian'] as const).entries()) {
      for (const [bi, batch] of batches.entries()) {
        for (const [di, d] of pixels.entries()) {
          // Every size and beta meets every likelihood, without the full product.
          const l = latents[(bi + di) % latents.length];
          const beta = betas[(bi + di + li) % betas.length];
          const data = randomData(batch, d, l, likelihood, (seed += 10));
          await check(gpu, data, { beta, likelihood }, `${likelihood} B=${batch} D=${d} L=${l} beta=${beta}`);
        }
      }
    }
  });

  it('scales every gradient by gradScale and not the losses', async () => {
    const gpu = await testGpu();
    for (const likelihood of ['bernoulli', 'gaussian'] as const) {
      await check(gpu, randomData(7, 33, 20, likelihood, 500), { beta: 4, likelihood, gradScale: 0.125 }, `${likelihood} gradScale 0.125`);
      await check(gpu, randomData(7, 33, 20, likelihood, 600), { beta: 1, likelihood, gradScale: -1024 }, `${likelihood} gradScale -1024`);
    }
  });

  it('is finite and accurate at logits of +-80, logvar of +-30 and zeros', async () => {
    const gpu = await testGpu();
    const [batch, d, l] = [7, 33, 20];
    const extreme = (recon: readonly number[], x: readonly number[], mu: readonly number[], logvar: readonly number[]): Data => ({
      batch,
      d,
      l,
      recon: cycle(batch * d, recon),
      x: cycle(batch * d, x, 1),
      mu: cycle(batch * l, mu),
      logvar: cycle(batch * l, logvar, 2),
    });
    // Confident logits right (80 vs 1, -80 vs 0: loss ~e^-80), wrong, and against soft targets.
    const confident = extreme([80, -80, 80, 0, -80], [1, 0, 0.25], [0, 3, -10], [-30, 30, 0, 1e-3]);
    const zeros = extreme([0], [0], [0], [0]);
    // Posteriors at the prior's doorstep: KL terms ~v^2/4, where 1 + v - exp(v) cancels.
    const nearPrior = extreme([0.5, -0.5], [0.5], [0, 1e-3, -2e-3], [1e-3, -1e-2, 3e-3, -1e-4, -2e-3]);
    for (const likelihood of ['bernoulli', 'gaussian'] as const) {
      for (const beta of [0, 1, 4]) {
        await check(gpu, confident, { beta, likelihood }, `extremes ${likelihood} beta=${beta}`);
        await check(gpu, zeros, { beta, likelihood }, `zeros ${likelihood} beta=${beta}`);
        await check(gpu, nearPrior, { beta, likelihood }, `near the prior ${likelihood} beta=${beta}`);
      }
    }
    // Each pixel alone, so the e^-80-sized losses are judged at their own scale.
    const single: Data = { batch: 4, d: 1, l: 1, recon: Float32Array.of(80, -80, 80, -80), x: Float32Array.of(1, 0, 0, 1), mu: new Float32Array(4), logvar: new Float32Array(4) };
    await check(gpu, single, { beta: 1, likelihood: 'bernoulli' }, 'confident single pixels');
  });

  it('writes into given outputs and reuses them across calls', async () => {
    const gpu = await testGpu();
    const data = randomData(7, 7, 2, 'gaussian', 900);
    const recon = gpu.upload(data.recon, [7, 7], 'recon');
    const x = gpu.upload(data.x, [7, 7], 'x');
    const mu = gpu.upload(data.mu, [7, 2], 'mu');
    const logvar = gpu.upload(data.logvar, [7, 2], 'logvar');
    const stats = gpu.empty([3], 'stats');
    const first = vaeLoss(gpu, recon, x, mu, logvar, { beta: 1, likelihood: 'gaussian', out: { stats } });
    expect(first.stats).toBe(stats);
    const second = vaeLoss(gpu, recon, x, mu, logvar, { beta: 4, likelihood: 'gaussian', out: first });
    for (const key of Object.keys(first) as (keyof typeof first)[]) expect(second[key]).toBe(first[key]);
    const ref = vaeLossReference(f64(data.recon), f64(data.x), f64(data.mu), f64(data.logvar), 7, { beta: 4, likelihood: 'gaussian' });
    assertClose(await gpu.read(stats), ref.stats, SUMS, 'stats after reuse');
    gpu.release(recon, x, mu, logvar, first.perSample, first.stats, first.dRecon, first.dMu, first.dLogvar);
  });

  // More rows than one grid dimension holds (65535): workgroups loop over rows.
  // The slowest test here (~4 s on SwiftShader, whose barriers are software).
  it('loops over rows when the batch exceeds the grid', async () => {
    const gpu = await testGpu();
    const batch = gpu.device.limits.maxComputeWorkgroupsPerDimension + 6;
    await check(gpu, randomData(batch, 1, 1, 'gaussian', 1000), { beta: 1, likelihood: 'gaussian' }, `B=${batch}`);
  });

  it('rejects mismatched shapes and bad options, naming the fix', async () => {
    const gpu = await testGpu();
    const r = gpu.empty([4, 6], 'recon');
    const m = gpu.empty([4, 2], 'mu');
    const ok = { beta: 1, likelihood: 'bernoulli' as const };
    const flat = gpu.empty([24], 'flat');
    const other = gpu.empty([3, 6], 'other');
    const wide = gpu.empty([4, 3], 'wide');
    const rows = gpu.empty([5, 2], 'rows');
    expect(() => vaeLoss(gpu, flat, flat, m, m, ok)).toThrow(/recon has shape \[24\]; expected a 2-D/);
    expect(() => vaeLoss(gpu, r, other, m, m, ok)).toThrow(/x has shape \[3, 6\] but recon has \[4, 6\]/);
    expect(() => vaeLoss(gpu, r, r, m, wide, ok)).toThrow(/logvar has shape \[4, 3\] but mu has \[4, 2\]/);
    expect(() => vaeLoss(gpu, r, r, rows, rows, ok)).toThrow(/recon has 4 rows but mu has 5/);
    expect(() => vaeLoss(gpu, r, r, m, m, { ...ok, beta: -1 })).toThrow(/beta = -1/);
    expect(() => vaeLoss(gpu, r, r, m, m, { ...ok, gradScale: Infinity })).toThrow(/gradScale = Infinity/);
    expect(() => vaeLoss(gpu, r, r, m, m, { beta: 1, likelihood: 'laplace' as Likelihood })).toThrow(ShapeError);
    expect(() => vaeLoss(gpu, r, r, m, m, { ...ok, out: { dMu: wide } })).toThrow(/out.dMu has shape \[4, 3\], expected \[4, 2\]/);
    gpu.release(r, m, flat, other, wide, rows);
  });
});
