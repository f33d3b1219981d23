// The fused VAE loss against the float64 reference: per-sample (loss, recon, kl),
// the GPU-side batch means and the three gradients, for awkward batch, pixel and
// latent sizes, both likelihoods (the Gaussian at sigma 0.1, 1/sqrt(2) and 1), beta
// 0, 1 and 4, a gradient scale, extreme inputs, more rows than one grid dimension
// holds, a Live beta changed between replays of a captured step, and the wrapper's
// validation; then the reconstruction-only loss (recon_only) the same way.
//
// Tolerances. Every pixel and latent term is non-negative and the shader evaluates it
// without cancellation (log1p and exp(v) - 1 - v by series, the BCE split on the sign
// of the logit), so each term is within a few f32 ulps relative, except that exp() is
// only promised to 3 + 2|x| ulps (~1e-5 at |x| = 80, 4e-6 at |x| = 30). A sum of
// non-negative terms keeps the relative error of its terms plus ~1e-6 for the
// roundings of the reduction over D <= 785. So sums use rtol 2e-5 and no atol.
// The Gaussian adds a per-row constant C = D (log sigma + log(2 pi)/2) after that sum
// (negative for sigma < 1/sqrt(2 pi)); it is good to a few ulps, so the sum S + C is
// good to rtol times |S| <= |S + C| + |C|: sums then take an atol of 2e-5 |C|.
// Gradients are single terms, but sigmoid(l) - x and o - x cancel when the two are
// close: rtol 2e-5 plus an atol of 1e-6 times the largest gradient of the same kind.
import { describe, expect, it } from 'vitest';
import { testGpu } from './device.js';
import { reconstructionLoss, vaeLoss, type Likelihood, type ReconstructionLossOutputs, type VaeLossOutputs } from '../../src/ops/vae-loss.js';
import { ShapeError } from '../../src/gpu/errors.js';
import { Live } from '../../src/gpu/program.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import { reconstructionLossReference, vaeLossReference, type VaeLossReference } from '../reference/vae-loss.js';
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
  sigma?: number;
  gradScale?: number;
}

const SUMS = { atol: 0, rtol: 2e-5 };
const SIGMAS = [0.1, Math.SQRT1_2, 1];

/** SUMS, plus the Gaussian's allowance for its per-row constant (see the header). */
function sumTolerance(likelihood: Likelihood, sigma: number | undefined, d: number) {
  if (likelihood === 'bernoulli') return SUMS;
  const constant = d * (Math.log(sigma!) + 0.5 * Math.log(2 * Math.PI));
  return { atol: SUMS.rtol * Math.abs(constant), rtol: SUMS.rtol };
}

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

function uploadData(gpu: Gpu, data: Data) {
  const { batch, d, l } = data;
  return {
    recon: gpu.upload(data.recon, [batch, d], 'recon'),
    x: gpu.upload(data.x, [batch, d], 'x'),
    mu: gpu.upload(data.mu, [batch, l], 'mu'),
    logvar: gpu.upload(data.logvar, [batch, l], 'logvar'),
  };
}

/** Reads the kernel's outputs and compares each one the reference has. */
async function compare(
  gpu: Gpu,
  out: ReconstructionLossOutputs & Partial<VaeLossOutputs>,
  ref: Omit<VaeLossReference, 'dMu' | 'dLogvar'> & Partial<VaeLossReference>,
  sums: { atol: number; rtol: number },
  label: string,
): Promise<void> {
  const perSample = await gpu.read(out.perSample);
  const stats = await gpu.read(out.stats);
  const dRecon = await gpu.read(out.dRecon);
  const latent = out.dMu && out.dLogvar ? [await gpu.read(out.dMu), await gpu.read(out.dLogvar)] : [];
  expect([perSample, stats, dRecon, ...latent].every((a) => a.every(Number.isFinite))).toBe(true);
  assertClose(perSample, ref.perSample, sums, `perSample ${label}`);
  assertClose(stats, ref.stats, sums, `stats ${label}`);
  assertClose(dRecon, ref.dRecon, gradientTolerance(ref.dRecon), `dRecon ${label}`);
  if (latent.length) {
    assertClose(latent[0], ref.dMu!, gradientTolerance(ref.dMu!), `dMu ${label}`);
    assertClose(latent[1], ref.dLogvar!, gradientTolerance(ref.dLogvar!), `dLogvar ${label}`);
  }
}

/** Runs the kernel and the reference on the same f32 inputs and compares every output. */
async function check(gpu: Gpu, data: Data, options: Options, label: string): Promise<void> {
  const t = uploadData(gpu, data);
  const out = vaeLoss(gpu, t.recon, t.x, t.mu, t.logvar, options);
  const ref = vaeLossReference(f64(data.recon), f64(data.x), f64(data.mu), f64(data.logvar), data.batch, options);
  await compare(gpu, out, ref, sumTolerance(options.likelihood, options.sigma, data.d), label);
  gpu.release(t.recon, t.x, t.mu, t.logvar, out.perSample, out.stats, out.dRecon, out.dMu, out.dLogvar);
}

/** The same for the reconstruction-only loss; also checks the (recon_b, recon_b, 0) layout exactly. */
async function checkRecon(gpu: Gpu, data: Data, options: Omit<Options, 'beta'>, label: string): Promise<void> {
  const { batch, d } = data;
  const recon = gpu.upload(data.recon, [batch, d], 'recon');
  const x = gpu.upload(data.x, [batch, d], 'x');
  const out = reconstructionLoss(gpu, recon, x, options);
  const ref = reconstructionLossReference(f64(data.recon), f64(data.x), batch, options);
  await compare(gpu, out, ref, sumTolerance(options.likelihood, options.sigma, d), label);
  const perSample = await gpu.read(out.perSample);
  for (let b = 0; b < batch; b++) {
    if (perSample[3 * b] !== perSample[3 * b + 1] || perSample[3 * b + 2] !== 0) {
      throw new Error(`${label}: row ${b} is (${perSample.subarray(3 * b, 3 * b + 3).join(', ')}), expected (recon_b, recon_b, 0)`);
    }
  }
  const stats = await gpu.read(out.stats);
  expect([stats[0] === stats[1], stats[2]]).toEqual([true, 0]);
  gpu.release(recon, x, out.perSample, out.stats, out.dRecon);
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
          // The Bernoulli is given a sigma too, which it must ignore (as the reference does).
          const sigma = SIGMAS[(bi + 2 * di) % SIGMAS.length];
          const data = randomData(batch, d, l, likelihood, (seed += 10));
          await check(gpu, data, { beta, likelihood, sigma }, `${likelihood} sigma=${sigma} B=${batch} D=${d} L=${l} beta=${beta}`);
        }
      }
    }
  });

  it('scales every gradient by gradScale and not the losses', async () => {
    const gpu = await testGpu();
    for (const likelihood of ['bernoulli', 'gaussian'] as const) {
      const [sigma1, sigma2] = likelihood === 'gaussian' ? [0.1, 1] : [undefined, undefined];
      await check(gpu, randomData(7, 33, 20, likelihood, 500), { beta: 4, likelihood, sigma: sigma1, gradScale: 0.125 }, `${likelihood} gradScale 0.125`);
      await check(gpu, randomData(7, 33, 20, likelihood, 600), { beta: 1, likelihood, sigma: sigma2, gradScale: -1024 }, `${likelihood} gradScale -1024`);
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
      for (const [i, beta] of [0, 1, 4].entries()) {
        const sigma = likelihood === 'gaussian' ? SIGMAS[i] : undefined;
        const what = `${likelihood} sigma=${sigma} beta=${beta}`;
        await check(gpu, confident, { beta, likelihood, sigma }, `extremes ${what}`);
        await check(gpu, zeros, { beta, likelihood, sigma }, `zeros ${what}`);
        await check(gpu, nearPrior, { beta, likelihood, sigma }, `near the prior ${what}`);
        await checkRecon(gpu, confident, { likelihood, sigma }, `recon only, extremes ${what}`);
        await checkRecon(gpu, zeros, { likelihood, sigma }, `recon only, zeros ${what}`);
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
    const first = vaeLoss(gpu, recon, x, mu, logvar, { beta: 1, likelihood: 'gaussian', sigma: 1, out: { stats } });
    expect(first.stats).toBe(stats);
    const second = vaeLoss(gpu, recon, x, mu, logvar, { beta: 4, likelihood: 'gaussian', sigma: 1, out: first });
    for (const key of Object.keys(first) as (keyof typeof first)[]) expect(second[key]).toBe(first[key]);
    const ref = vaeLossReference(f64(data.recon), f64(data.x), f64(data.mu), f64(data.logvar), 7, { beta: 4, likelihood: 'gaussian', sigma: 1 });
    assertClose(await gpu.read(stats), ref.stats, SUMS, 'stats after reuse');
    gpu.release(recon, x, mu, logvar, first.perSample, first.stats, first.dRecon, first.dMu, first.dLogvar);
  });

  // More rows than one grid dimension holds (65535): workgroups loop over rows.
  // The slowest test here (~4 s on SwiftShader, whose barriers are software).
  it('loops over rows when the batch exceeds the grid', async () => {
    const gpu = await testGpu();
    const batch = gpu.device.limits.maxComputeWorkgroupsPerDimension + 6;
    await check(gpu, randomData(batch, 1, 1, 'gaussian', 1000), { beta: 1, likelihood: 'gaussian', sigma: Math.SQRT1_2 }, `B=${batch}`);
  });

  it('re-reads a Live beta, and the kl_scale derived from it, on every replay of a captured step', async () => {
    const gpu = await testGpu();
    const [batch, d, l] = [7, 33, 20];
    for (const likelihood of ['bernoulli', 'gaussian'] as const) {
      const sigma = likelihood === 'gaussian' ? 0.1 : undefined;
      const data = randomData(batch, d, l, likelihood, likelihood === 'gaussian' ? 1200 : 1100);
      const t = uploadData(gpu, data);
      const out: VaeLossOutputs = {
        perSample: gpu.empty([batch, 3], 'perSample'),
        stats: gpu.empty([3], 'stats'),
        dRecon: gpu.empty([batch, d], 'dRecon'),
        dMu: gpu.empty([batch, l], 'dMu'),
        dLogvar: gpu.empty([batch, l], 'dLogvar'),
      };
      const beta = new Live(1);
      const gradScale = 0.5;
      const program = gpu.capture('vae loss step', () => {
        vaeLoss(gpu, t.recon, t.x, t.mu, t.logvar, { beta, likelihood, sigma, gradScale, out });
      });
      const sums = sumTolerance(likelihood, sigma, d);
      const reference = (b: number) => vaeLossReference(f64(data.recon), f64(data.x), f64(data.mu), f64(data.logvar), batch, { beta: b, likelihood, sigma, gradScale });
      await compare(gpu, out, reference(1), sums, `${likelihood} captured at beta 1`);
      const groups = gpu.bindGroupsCreated;
      const buffers = gpu.pool.stats.buffersCreated;
      for (const b of [4, 0, 0.25]) {
        beta.value = b;
        gpu.replay(program);
        await compare(gpu, out, reference(b), sums, `${likelihood} replayed at beta ${b}`);
      }
      expect(gpu.bindGroupsCreated).toBe(groups);
      expect(gpu.pool.stats.buffersCreated).toBe(buffers);
      // A bad beta is caught when the replay reads it, and the next good one still works.
      for (const bad of [-1, NaN, Infinity]) {
        beta.value = bad;
        expect(() => gpu.replay(program)).toThrow(new RegExp(`vaeLoss: beta = ${bad}`));
      }
      beta.value = 2;
      gpu.replay(program);
      await compare(gpu, out, reference(2), sums, `${likelihood} replayed at beta 2 after a refused replay`);
      gpu.disposeProgram(program);
      gpu.release(t.recon, t.x, t.mu, t.logvar, ...Object.values(out));
    }
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
    expect(() => vaeLoss(gpu, r, r, m, m, { ...ok, beta: new Live(NaN) })).toThrow(/beta = NaN/);
    const gaussian = { beta: 1, likelihood: 'gaussian' as const };
    expect(() => vaeLoss(gpu, r, r, m, m, gaussian)).toThrow(/sigma = undefined; likelihood 'gaussian' needs/);
    for (const sigma of [0, -1, NaN, Infinity]) expect(() => vaeLoss(gpu, r, r, m, m, { ...gaussian, sigma }), `sigma ${sigma}`).toThrow(new RegExp(`sigma = ${sigma}; likelihood 'gaussian' needs`));
    expect(() => vaeLoss(gpu, r, r, m, m, { ...gaussian, sigma: 1e-30 })).toThrow(/does not fit in float32/);

    expect(() => vaeLoss(gpu, r, r, m, m, { ...ok, gradScale: Infinity })).toThrow(/gradScale = Infinity/);
    expect(() => vaeLoss(gpu, r, r, m, m, { beta: 1, likelihood: 'laplace' as Likelihood })).toThrow(ShapeError);
    expect(() => vaeLoss(gpu, r, r, m, m, { ...ok, out: { dMu: wide } })).toThrow(/out.dMu has shape \[4, 3\], expected \[4, 2\]/);
    gpu.release(r, m, flat, other, wide, rows);
  });
});

describe('reconstruction-only loss', () => {
  it('matches the reference over batch and pixel sizes, likelihoods, sigmas and gradient scales', async () => {
    const gpu = await testGpu();
    const gradScales = [1, 0.125, -1024];
    let seed = 2000;
    for (const likelihood of ['bernoulli', 'gaussian'] as const) {
      for (const [bi, batch] of [1, 7, 33, 128].entries()) {
        for (const [di, d] of [1, 7, 785].entries()) {
          const sigma = likelihood === 'gaussian' ? SIGMAS[(bi + di) % SIGMAS.length] : undefined;
          const gradScale = gradScales[(bi + 2 * di) % gradScales.length];
          const data = randomData(batch, d, 1, likelihood, (seed += 10));
          await checkRecon(gpu, data, { likelihood, sigma, gradScale }, `${likelihood} sigma=${sigma} B=${batch} D=${d} gradScale=${gradScale}`);
        }
      }
    }
  });

  it('writes into given outputs, and loops over rows when the batch exceeds the grid', async () => {
    const gpu = await testGpu();
    const data = randomData(7, 7, 1, 'bernoulli', 2900);
    const recon = gpu.upload(data.recon, [7, 7], 'recon');
    const x = gpu.upload(data.x, [7, 7], 'x');
    const stats = gpu.empty([3], 'stats');
    const first = reconstructionLoss(gpu, recon, x, { likelihood: 'bernoulli', out: { stats } });
    expect(first.stats).toBe(stats);
    const second = reconstructionLoss(gpu, recon, x, { likelihood: 'bernoulli', gradScale: 2, out: first });
    for (const key of Object.keys(first) as (keyof typeof first)[]) expect(second[key]).toBe(first[key]);
    await compare(gpu, second, reconstructionLossReference(f64(data.recon), f64(data.x), 7, { likelihood: 'bernoulli', gradScale: 2 }), SUMS, 'after reuse');
    gpu.release(recon, x, first.perSample, first.stats, first.dRecon);
    const batch = gpu.device.limits.maxComputeWorkgroupsPerDimension + 6;
    await checkRecon(gpu, randomData(batch, 1, 1, 'gaussian', 3000), { likelihood: 'gaussian', sigma: 0.1 }, `B=${batch}`);
  });

  it('rejects mismatched shapes and bad options, naming the fix', async () => {
    const gpu = await testGpu();
    const r = gpu.empty([4, 6], 'recon');
    const flat = gpu.empty([24], 'flat');
    const other = gpu.empty([3, 6], 'other');
    expect(() => reconstructionLoss(gpu, flat, flat, { likelihood: 'bernoulli' })).toThrow(/reconstructionLoss: recon has shape \[24\]; expected a 2-D/);
    expect(() => reconstructionLoss(gpu, r, other, { likelihood: 'bernoulli' })).toThrow(/x has shape \[3, 6\] but recon has \[4, 6\]/);
    expect(() => reconstructionLoss(gpu, r, r, { likelihood: 'gaussian' })).toThrow(/sigma = undefined; likelihood 'gaussian' needs/);
    expect(() => reconstructionLoss(gpu, r, r, { likelihood: 'gaussian', sigma: -2 })).toThrow(/sigma = -2/);
    expect(() => reconstructionLoss(gpu, r, r, { likelihood: 'bernoulli', gradScale: NaN })).toThrow(/gradScale = NaN/);
    expect(() => reconstructionLoss(gpu, r, r, { likelihood: 'laplace' as Likelihood })).toThrow(ShapeError);
    expect(() => reconstructionLoss(gpu, r, r, { likelihood: 'bernoulli', out: { perSample: other } })).toThrow(/out.perSample has shape \[3, 6\], expected \[4, 3\]/);
    gpu.release(r, flat, other);
  });
});
