// The unfused training step (src/vae/unfused-step.ts), the baseline of `bench
// --compare-unfused`: its plain kernels (shaders/unfused.wgsl) against float64
// references, and two whole steps, captured and replayed, against the fused step on
// the same weights, batch and noise.
//
// Tolerances.
// - Kernels: each output is one or two f32 roundings of a formula evaluated without
//   cancellation (log1p and exp(v) - 1 - v by series), plus exp()'s 3 + 2|x| ulp (WGSL):
//   rtol 1e-5 (~80 ulp at |x| <= 30) and an atol of 1e-7 of the output's scale, for
//   results that cancel to ~0 (sigmoid(l) - x, o - x). Adam's passes round p, m and v
//   once per step and the direction a few times: the fused kernel's tolerances
//   (test/gpu/adam.test.ts).
// - Fused vs unfused: the gradients and the Adam update are the same f32 operations in
//   the same order (matmul accumulation, bias add then activation, the reparameterisation,
//   the loss gradients, Adam's arithmetic). Both CPU adapters give bit-identical
//   gradients and parameters; another compiler may contract a multiply-add differently
//   in one kernel and not the other, so gradients get rtol 1e-5 (plus 1e-6 of the largest)
//   and parameters 1e-6 absolute (~16 ulp of |p| <= 1; Adam moves each by ~lr = 1e-3,
//   so a wrong update fails it). The losses differ in summation order only: the fused
//   kernel reduces each row over 32 lanes and divides the batch total by B, the unfused
//   one sums each row sequentially and multiplies by f32(1/B). Either order is within
//   (D + B) ulp = 42 x 6e-8 of the exact sums of non-negative terms, so they differ by
//   at most ~5e-6 relative; rtol 1e-5 (observed: 2e-7).
import { describe, expect, it } from 'vitest';
import { gradRules } from '../../src/autograd/rules.js';
import { Tape } from '../../src/autograd/tape.js';
import { ShapeError } from '../../src/gpu/errors.js';
import { Live } from '../../src/gpu/program.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import { adamCalls, createAdamState } from '../../src/ops/optimizer-step.js';
import { add, adamDirection, adamMoment1, adamMoment2, adamUpdate, biasAdd, combineLoss, expScale, klLogvarGrad, klTerms, mul, reconGrad, reconTerms, scale } from '../../src/ops/unfused.js';
import type { Likelihood } from '../../src/ops/vae-loss.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import type { Tensor } from '../../src/tensor.js';
import { vaeConfig, type VaeConfig } from '../../src/models/config.js';
import { initialVaeParameters, Vae } from '../../src/models/vae.js';
import { UnfusedStep } from '../../src/vae/unfused-step.js';
import { adamInit, adamRef, type AdamRefState } from '../reference/adam.js';
import { combineRef, klLogvarGradRef, klTermRef, reconGradRef, reconTermRef } from '../reference/unfused.js';
import { assertClose, type Tolerance } from '../tolerance.js';
import { f64, uniform } from '../random.js';
import { testGpu } from './device.js';

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

const kernelTol = (ref: ArrayLike<number>): Tolerance => ({ atol: 1e-7 * maxAbs(ref), rtol: 1e-5 });

/** Elementwise reference over f32 inputs. */
function map2(a: Float32Array, b: Float32Array, f: (x: number, y: number) => number): Float64Array {
  return Float64Array.from(a, (x, i) => f(x, b[i]));
}

/** `n` values cycling through `choices`, shifted by `offset`. */
function cycle(n: number, choices: readonly number[], offset = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => choices[(i + offset) % choices.length]);
}

async function checkArithmetic(gpu: Gpu): Promise<void> {
  // 7 x 53 = 371 elements: two workgroups, the second partly idle.
  const [rows, cols] = [7, 53];
  const av = uniform(rows * cols, 1, -3, 3);
  const bv = uniform(rows * cols, 2, -3, 3);
  const biasv = uniform(cols, 3, -1, 1);
  const a = gpu.upload(av, [rows, cols], 'a');
  const b = gpu.upload(bv, [rows, cols], 'b');
  const bias = gpu.upload(biasv, [cols], 'bias');
  const outs = {
    biasAdd: [biasAdd(gpu, a, bias), Float64Array.from(av, (x, i) => x + biasv[i % cols])],
    add: [add(gpu, a, b), map2(av, bv, (x, y) => x + y)],
    mul: [mul(gpu, a, b), map2(av, bv, (x, y) => x * y)],
    expScale: [expScale(gpu, a, 0.5), Float64Array.from(av, (x) => Math.exp(0.5 * x))],
    scale: [scale(gpu, a, -0.25), Float64Array.from(av, (x) => -0.25 * x)],
  } as const;
  for (const [name, [t, ref]] of Object.entries(outs)) {
    assertClose(await gpu.read(t), ref, kernelTol(ref), name);
    gpu.release(t);
  }
  gpu.release(a, b, bias);
}

async function checkLoss(gpu: Gpu, likelihood: Likelihood): Promise<void> {
  const [batch, d, l] = [7, 35, 5];
  // Random logits or outputs, and at every 5th place the extremes where naive forms
  // overflow or cancel: confident logits (right and wrong), 0, tiny.
  const predv = likelihood === 'bernoulli' ? uniform(batch * d, 11, -6, 6) : uniform(batch * d, 11, -1, 2);
  const extremes = cycle(batch * d, [80, -80, 30, 0, 1e-3, -30]);
  const xv = uniform(batch * d, 12, 0, 1);
  for (let i = 0; i < batch * d; i += 5) predv[i] = extremes[i];
  // Binary targets at every 10th place: a confident logit there is right or wrong.
  for (let i = 0; i < batch * d; i += 10) xv[i] = i % 20 === 0 ? 1 : 0;
  // logvar in [-4, 3], with values near 0, where exp(v) - 1 - v cancels, at odd places.
  const muv = uniform(batch * l, 13, -2, 2);
  const lvv = uniform(batch * l, 14, -4, 3).map((v, i) => (i % 2 ? v * 1e-3 : v));
  const pred = gpu.upload(predv, [batch, d], 'pred');
  const x = gpu.upload(xv, [batch, d], 'x');
  const mu = gpu.upload(muv, [batch, l], 'mu');
  const logvar = gpu.upload(lvv, [batch, l], 'logvar');

  const terms = reconTerms(gpu, pred, x, likelihood);
  const grad = reconGrad(gpu, pred, x, likelihood, 0.125);
  const kl = klTerms(gpu, mu, logvar);
  const dLogvar = klLogvarGrad(gpu, logvar, -3);
  const termsRef = map2(predv, xv, (p, t) => reconTermRef(p, t, likelihood));
  const gradRef = map2(predv, xv, (p, t) => 0.125 * reconGradRef(p, t, likelihood));
  const klRef = map2(muv, lvv, klTermRef);
  const dLogvarRef = Float64Array.from(lvv, (v) => -3 * klLogvarGradRef(v));
  // Terms are non-negative and kept without cancellation: relative error only, also
  // for the e^-80-sized BCE of a confident correct logit.
  assertClose(await gpu.read(terms), termsRef, { atol: 0, rtol: 1e-5 }, `reconTerms ${likelihood}`);
  assertClose(await gpu.read(grad), gradRef, kernelTol(gradRef), `reconGrad ${likelihood}`);
  assertClose(await gpu.read(kl), klRef, { atol: 0, rtol: 1e-5 }, 'klTerms');
  assertClose(await gpu.read(dLogvar), dLogvarRef, { atol: 0, rtol: 1e-5 }, 'klLogvarGrad');

  const reconSums = uniform(batch, 15, 0, 100);
  const klSums = uniform(batch, 16, 0, 10);
  const r = gpu.upload(reconSums, [batch], 'recon');
  const k = gpu.upload(klSums, [batch], 'kl');
  const perSample = combineLoss(gpu, r, k, 2.5);
  expect(perSample.shape).toEqual([batch, 3]);
  const combined = combineRef(reconSums, klSums, Math.fround(2.5));
  assertClose(await gpu.read(perSample), combined, kernelTol(combined), 'combineLoss');
  gpu.release(pred, x, mu, logvar, terms, grad, kl, dLogvar, r, k, perSample);
}

async function checkAdamPasses(gpu: Gpu): Promise<void> {
  // Adam's four passes after adam.wgsl's `advance`, three steps with fresh gradients.
  const n = 1000;
  const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };
  const hf = { ...h, lr: Math.fround(h.lr), beta1: Math.fround(h.beta1), beta2: Math.fround(h.beta2), eps: Math.fround(h.eps) };
  const p0 = uniform(n, 21, -1, 1);
  const params = gpu.upload(p0, [n], 'params');
  const grads = gpu.empty([n], 'grads');
  const { m, v, state } = createAdamState(gpu, n);
  let p = f64(p0);
  let s: AdamRefState = adamInit(n);
  for (let k = 0; k < 3; k++) {
    const g = uniform(n, 30 + k, -1, 1).map((x) => x * [1, 0.1, 3][k]);
    gpu.write(grads, g);
    gpu.run(adamCalls({ params, grads, m, v, state }, h).find((c) => c.entry === 'advance')!);
    adamMoment1(gpu, grads, m, h.beta1);
    adamMoment2(gpu, grads, v, h.beta2);
    const direction = adamDirection(gpu, m, v, state, h.eps);
    adamUpdate(gpu, direction, params, state, h.lr);
    ({ p, state: s } = adamRef(p, f64(g), s, hf));
    assertClose(await gpu.read(params), p, { atol: 1e-6, rtol: 1e-6 }, `adam params step ${k + 1}`);
    assertClose(await gpu.read(m), s.m, { atol: 3e-7, rtol: 1e-6 }, `adam m step ${k + 1}`);
    assertClose(await gpu.read(v), s.v, { atol: 1e-9, rtol: 1e-6 }, `adam v step ${k + 1}`);
    gpu.release(direction);
  }
  gpu.release(params, grads, m, v, state);
}

interface StepResult {
  stats: Float32Array;
  grads: Record<string, Float32Array>;
  params: Record<string, Float32Array>;
}

const STEPS = 2;

/** The fused step as the trainer runs it: tape, fused kernels, Optimizer (Adam). */
async function fusedSteps(gpu: Gpu, c: VaeConfig, init: Record<string, Float32Array>, x: Tensor, seed: number, lr: number): Promise<StepResult[]> {
  const model = new Vae(gpu, c, { values: init });
  const optimizer = new Optimizer(gpu, model.parameters, { kind: 'adam', lr });
  const out: StepResult[] = [];
  for (let step = 0; step < STEPS; step++) {
    const tape = new Tape(gpu);
    const r = model.loss(tape, { input: x, target: x, labels: null, noise: { seed, step, stream: 0 } });
    tape.keep(r.stats);
    tape.backward(r.loss, gradRules);
    optimizer.step();
    tape.dispose();
    out.push({ stats: await gpu.read(r.stats), grads: await model.parameters.read('grads'), params: await model.parameters.read('params') });
    gpu.release(r.stats);
  }
  optimizer.dispose();
  model.dispose();
  return out;
}

/** The unfused step, captured at step 0 and replayed with the next RNG step. */
async function unfusedSteps(gpu: Gpu, c: VaeConfig, init: Record<string, Float32Array>, x: Tensor, seed: number, lr: number): Promise<StepResult[]> {
  const model = new Vae(gpu, c, { values: init });
  const unfused = new UnfusedStep(gpu, model, { lr });
  const step = new Live(0);
  let stats: Tensor | null = null;
  const program = gpu.capture('unfused-step', () => {
    stats = unfused.record(x, { seed, step, stream: 0 });
  });
  const out: StepResult[] = [];
  for (let k = 0; k < STEPS; k++) {
    if (k > 0) {
      step.value = k;
      const created = gpu.bindGroupsCreated;
      gpu.replay(program);
      expect(gpu.bindGroupsCreated, 'a replay creates no bind group').toBe(created);
    }
    out.push({ stats: await gpu.read(stats!), grads: await model.parameters.read('grads'), params: await model.parameters.read('params') });
  }
  gpu.disposeProgram(program);
  gpu.release(stats);
  unfused.dispose();
  model.dispose();
  return out;
}

const cases: Partial<VaeConfig>[] = [
  { activation: 'relu', likelihood: 'bernoulli', beta: 1 },
  // gelu's backward reads the pre-activation (the other branch of the layers), beta-VAE.
  // (The unfused baseline has the Bernoulli likelihood only: the benchmark's.)
  { activation: 'gelu', likelihood: 'bernoulli', beta: 2.5 },
];

describe('unfused kernels', () => {
  it('bias add, add, mul, exp and scale match float64', async () => {
    await checkArithmetic(await testGpu());
  });

  it('loss terms, their gradients and the per-sample table match float64, at extremes too', async () => {
    const gpu = await testGpu();
    for (const likelihood of ['bernoulli', 'gaussian'] as const) await checkLoss(gpu, likelihood);
  });

  it("Adam's four passes match the float64 Adam over three steps", async () => {
    await checkAdamPasses(await testGpu());
  });

  it('reject mismatched shapes and a wrong step state', async () => {
    const gpu = await testGpu();
    const a = gpu.empty([4, 3], 'a');
    const b = gpu.empty([3, 4], 'b');
    const bad = gpu.empty([2], 'bad');
    expect(() => biasAdd(gpu, a, bad)).toThrow(ShapeError);
    expect(() => add(gpu, a, b)).toThrow(/same shape/);
    expect(() => reconTerms(gpu, a, b, 'bernoulli')).toThrow(ShapeError);
    expect(() => adamDirection(gpu, a, a, bad, 1e-8)).toThrow(/createAdamState/);
    expect(() => adamMoment1(gpu, a, a.view([12]), 1)).toThrow(ShapeError);
    expect(() => scale(gpu, a, NaN)).toThrow(/finite/);
    gpu.release(a, b, bad);
  });
});

describe('unfused training step', () => {
  for (const partial of cases) {
    it(`${STEPS} captured steps equal the fused step (${partial.activation}, ${partial.likelihood}, beta ${partial.beta})`, async () => {
      const gpu = await testGpu();
      const c = vaeConfig({ inputSize: 35, imageRows: 5, imageCols: 7, hidden: 17, latent: 3, ...partial });
      const [B, seed, lr] = [7, 5, 1e-3];
      const init = initialVaeParameters(c, 11);
      const x = gpu.upload(uniform(B * c.inputSize, 3, 0, 1), [B, c.inputSize], 'x');
      const fused = await fusedSteps(gpu, c, init, x, seed, lr);
      const unfused = await unfusedSteps(gpu, c, init, x, seed, lr);
      for (let k = 0; k < STEPS; k++) {
        const [f, u] = [fused[k], unfused[k]];
        assertClose(u.stats, f.stats, { atol: 0, rtol: 1e-5 }, `step ${k} stats`);
        for (const name of Object.keys(f.grads)) {
          assertClose(u.grads[name], f.grads[name], { atol: 1e-6 * maxAbs(f.grads[name]), rtol: 1e-5 }, `step ${k} grad ${name}`);
          assertClose(u.params[name], f.params[name], { atol: 1e-6, rtol: 0 }, `step ${k} params ${name}`);
        }
      }
      gpu.release(x);
    });
  }

  it('rejects optimisers it has no unfused form of', async () => {
    const gpu = await testGpu();
    const model = new Vae(gpu, vaeConfig({ inputSize: 35, imageRows: 5, imageCols: 7, hidden: 17, latent: 3 }));
    expect(() => new UnfusedStep(gpu, model, { lr: 1e-3, optimizer: 'sgd' })).toThrow(/Adam without weight decay/);
    expect(() => new UnfusedStep(gpu, model, { lr: 1e-3, weightDecay: 0.01 })).toThrow(/Adam without weight decay/);
    model.dispose();
  });
});
