// The fused optimiser kernels (shaders/adam.wgsl) against the float64 references of
// test/reference/adam.ts: five consecutive steps with a new gradient each step,
// comparing params, moments and the GPU step counter after every step.
//
// Tolerances. The reference runs in float64 from the same f32 initial values,
// gradients and hyperparameters (rounded to f32 as the uniform carries them) and is
// never rounded back to f32, so the difference is exactly the kernel's f32 rounding as
// it accumulates over the steps. Rounding the reference's state to f32 after each
// step would test one step's rounding at a time; what a training run sees is the
// trajectory, so that is compared, with a tolerance that bounds the accumulation.
// Each step rounds p, m and v once (half an ulp) and computes the
// update with a few more roundings of a bounded quantity; m, v and the momentum buffer
// are contractions (factors < 1), so errors add over the five steps and are not
// amplified. The observed worst errors are 10 to 35 percent of the tolerances below on
// both adapters; a wrong formula (bias correction through pow, eps placement, decay
// after the update, dampening on the first SGD step) fails them.
import { describe, expect, it } from 'vitest';
import { testGpu } from './device.js';
import { assertClose, type Tolerance } from '../tolerance.js';
import { f64, uniform } from '../random.js';
import { adamInit, adamRef, sgdRef, type AdamHyper, type AdamRefState, type SgdHyper, type SgdRefState } from '../reference/adam.js';
import { adamStep, createAdamState, createSgdState, sgdStep } from '../../src/ops/optimizer-step.js';
import { ShapeError } from '../../src/gpu/errors.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import type { Tensor } from '../../src/tensor.js';

// Odd sizes run the scalar `adam` entry, multiples of 4 `adam4` (shaders/adam_vec4.wgsl).
const SIZES = [1, 4, 7, 785, 788, 100_003, 100_004];
const STEPS = 5;

// |p| <= ~3 (ulp 2.4e-7): five roundings of p plus a few ulp of each lr-sized step.
const P_TOL: Tolerance = { atol: 1e-6, rtol: 1e-6 };
// |m| <= max |g| = 2; its error is a few ulp of the terms summed, even where m cancels.
const M_TOL: Tolerance = { atol: 3e-7, rtol: 1e-6 };
// v >= 0 sums positive terms: relative error only (atol covers v ~ 0).
const V_TOL: Tolerance = { atol: 1e-9, rtol: 1e-6 };
// The SGD buffer sums up to 1 / (1 - 0.9) gradients, so its terms reach ~5 (ulp 4.8e-7).
const BUF_TOL: Tolerance = { atol: 1e-6, rtol: 1e-6 };

/** Hyperparameters as the f32 uniform delivers them to the kernel. */
function asF32<T extends object>(h: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(h)) out[k] = typeof x === 'number' ? Math.fround(x) : x;
  return out as T;
}

/** Gradient of step k: fresh values each step, with a different scale each step. */
function gradient(n: number, k: number, scale = 1): Float32Array {
  const g = uniform(n, 1000 + k, -1, 1);
  const factor = [1, 0.3, 2, 0.05, 1.5][k % 5] * scale;
  return g.map((x) => x * factor);
}

const EXTREMES = [0, 1e-30, -1e-30, 1e30, -1e30, 0.7, -0.3];

/** Step k's gradient for the extreme-value tests: element i always has the magnitude class of EXTREMES[i % 7]. */
function extremeGradient(n: number, k: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => EXTREMES[i % EXTREMES.length] * (k % 2 ? -1 : 1) * (1 + k / 4));
}

/** The step count: word 0 of the state tensor, a u32 (WGSL struct State). */
async function readCounter(gpu: Gpu, state: Tensor): Promise<number> {
  const f = await gpu.read(state);
  return new Uint32Array(f.buffer, f.byteOffset, 1)[0];
}

/** A state at step count t, bias corrections not yet computed (`advance` writes them). */
function setCounter(gpu: Gpu, state: Tensor, t: number): void {
  gpu.write(state, new Float32Array(Uint32Array.of(t, 0, 0).buffer));
}

const ADAM_CASES: { name: string; h: AdamHyper; gradScale?: number }[] = [
  { name: 'Adam', h: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false } },
  { name: 'Adam wd=0.01', h: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: false } },
  { name: 'AdamW wd=0', h: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: true } },
  { name: 'AdamW wd=0.01', h: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true } },
  // eps comparable to sqrt(v), betas below 0.5 (another branch of the bias correction).
  { name: 'Adam beta1=0 beta2=0.3 eps=1e-3', h: { lr: 0.05, beta1: 0, beta2: 0.3, eps: 1e-3, weightDecay: 0, decoupled: false }, gradScale: 1e-3 },
];

const SGD_CASES: { name: string; h: SgdHyper }[] = [
  { name: 'SGD', h: { lr: 0.05, momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false } },
  { name: 'SGD momentum=0.9', h: { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false } },
  { name: 'SGD momentum=0.9 dampening=0.1 wd=0.01', h: { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false } },
  { name: 'SGD nesterov', h: { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true } },
];

/** Runs `steps` Adam steps on the GPU and the reference, checking after each. */
async function runAdam(gpu: Gpu, n: number, h: AdamHyper, steps: number, gradScale = 1): Promise<void> {
  const p0 = uniform(n, n + 1, -1, 1);
  const params = gpu.upload(p0, [n], 'params');
  const grads = gpu.empty([n], 'grads');
  const { m, v, state } = createAdamState(gpu, n);
  const hf = asF32(h);
  let p = f64(p0);
  let s: AdamRefState = adamInit(n);
  for (let k = 0; k < steps; k++) {
    const g = gradient(n, k, gradScale);
    // A queue write: safe because the reads below submitted the previous step.
    gpu.write(grads, g);
    adamStep(gpu, { params, grads, m, v, state }, h);
    ({ p, state: s } = adamRef(p, f64(g), s, hf));
    const at = `n=${n} step ${k + 1}`;
    assertClose(await gpu.read(params), p, P_TOL, `params ${at}`);
    assertClose(await gpu.read(m), s.m, { ...M_TOL, atol: M_TOL.atol * gradScale }, `m ${at}`);
    assertClose(await gpu.read(v), s.v, { ...V_TOL, atol: V_TOL.atol * gradScale ** 2 }, `v ${at}`);
    expect(await readCounter(gpu, state)).toBe(k + 1);
  }
  gpu.release(params, grads, m, v, state);
}

async function runSgd(gpu: Gpu, n: number, h: SgdHyper, steps: number): Promise<void> {
  const p0 = uniform(n, n + 2, -1, 1);
  const params = gpu.upload(p0, [n], 'params');
  const grads = gpu.empty([n], 'grads');
  const { momentumBuffer, state } = createSgdState(gpu, n, h.momentum !== 0);
  const hf = asF32(h);
  let p = f64(p0);
  let s: SgdRefState = { buf: null, t: 0 };
  for (let k = 0; k < steps; k++) {
    const g = gradient(n, k);
    gpu.write(grads, g);
    sgdStep(gpu, { params, grads, momentumBuffer, state }, h);
    ({ p, state: s } = sgdRef(p, f64(g), s, hf));
    const at = `n=${n} step ${k + 1}`;
    assertClose(await gpu.read(params), p, P_TOL, `params ${at}`);
    if (momentumBuffer) assertClose(await gpu.read(momentumBuffer), s.buf!, BUF_TOL, `momentum ${at}`);
    expect(await readCounter(gpu, state)).toBe(k + 1);
  }
  gpu.release(params, grads, momentumBuffer, state);
}

describe('adam kernel', () => {
  for (const { name, h, gradScale } of ADAM_CASES) {
    it(`${name}: ${STEPS} steps match the float64 reference`, async () => {
      const gpu = await testGpu();
      for (const n of SIZES) await runAdam(gpu, n, h, STEPS, gradScale);
    });
  }

  it('the first Adam step moves every parameter by lr against the gradient sign', async () => {
    // An independent closed form: at t = 1, m / (1 - beta1) = g and sqrt(v / (1 - beta2)) = |g|.
    const gpu = await testGpu();
    const n = 785;
    const g = uniform(n, 5, 0.1, 1).map((x, i) => (i % 3 ? x : -x));
    const params = gpu.upload(new Float32Array(n), [n], 'params');
    const grads = gpu.upload(g, [n], 'grads');
    const { m, v, state } = createAdamState(gpu, n);
    adamStep(gpu, { params, grads, m, v, state }, { lr: 0.01 });
    const expected = Array.from(g, (x) => -Math.fround(0.01) * Math.sign(x));
    assertClose(await gpu.read(params), expected, { atol: 0, rtol: 1e-6 }, 'first step');
    gpu.release(params, grads, m, v, state);
  });

  it('bias corrections are exact for any step count (counter preset on the GPU)', async () => {
    // p = 0 and no decay make the new p the step itself, so its relative error is the
    // step's; t spans both sides of every branch of the kernel's 1 - beta^t. The stored
    // corrections must be within 5 ulp (1 - pow(beta, t) is 1.2e-4 off at t = 1 on llvmpipe).
    const gpu = await testGpu();
    const n = 33;
    const betas: [number, number][] = [[0.9, 0.999], [0.5, 0.99], [0, 0.3]];
    for (const [beta1, beta2] of betas) {
      const h: AdamHyper = { lr: 0.01, beta1, beta2, eps: 1e-8, weightDecay: 0, decoupled: false };
      for (const t0 of [0, 1, 4, 60, 498, 500, 1000, 1_000_000]) {
        const m0 = uniform(n, 7, -0.5, 0.5);
        const v0 = uniform(n, 8, 0, 0.3);
        const g = uniform(n, 9, -1, 1);
        const params = gpu.upload(new Float32Array(n), [n], 'params');
        const grads = gpu.upload(g, [n], 'grads');
        const m = gpu.upload(m0, [n], 'm');
        const v = gpu.upload(v0, [n], 'v');
        const state = gpu.empty([3], 'state');
        setCounter(gpu, state, t0);
        adamStep(gpu, { params, grads, m, v, state }, h);
        const ref = adamRef(new Float64Array(n), f64(g), { m: f64(m0), v: f64(v0), t: t0 }, asF32(h));
        const at = `t=${t0 + 1}, betas ${beta1}, ${beta2}`;
        assertClose(await gpu.read(params), ref.p, { atol: 0, rtol: 2e-6 }, `step at ${at}`);
        const [b1, b2] = [Math.fround(beta1), Math.fround(beta2)];
        const corrections = [1 - b1 ** (t0 + 1), Math.sqrt(1 - b2 ** (t0 + 1))];
        assertClose((await gpu.read(state)).subarray(1), corrections, { atol: 0, rtol: 3e-7 }, `bias corrections at ${at}`);
        expect(await readCounter(gpu, state)).toBe(t0 + 1);
        gpu.release(params, grads, m, v, state);
      }
    }
  });

  it('extreme gradients (0, 1e-30, 1e30) give no NaN', async () => {
    const gpu = await testGpu();
    const n = 5 * EXTREMES.length;
    const huge = (i: number) => Math.abs(EXTREMES[i % EXTREMES.length]) === 1e30;
    for (const decoupled of [false, true]) {
      const h: AdamHyper = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: decoupled ? 0.01 : 0, decoupled };
      const p0 = uniform(n, 11, -1, 1);
      const params = gpu.upload(p0, [n], 'params');
      const { m, v, state } = createAdamState(gpu, n);
      let p = f64(p0);
      let s = adamInit(n);
      let decayed = f64(p0);
      // Nothing is read between these steps, so each gets its own gradient tensor: a
      // queue write to one shared tensor would land before the unsubmitted steps.
      const grads: Tensor[] = [];
      for (let k = 0; k < STEPS; k++) {
        const g = extremeGradient(n, k);
        grads.push(gpu.upload(g, [n], 'grads'));
        adamStep(gpu, { params, grads: grads[k], m, v, state }, h);
        ({ p, state: s } = adamRef(p, f64(g), s, asF32(h)));
        decayed = decayed.map((x) => x * (1 - Math.fround(h.lr) * Math.fround(h.weightDecay)));
      }
      const [gp, gm, gv] = [await gpu.read(params), await gpu.read(m), await gpu.read(v)];
      for (const [name, a] of [['params', gp], ['m', gm], ['v', gv]] as const) {
        expect(a.some(Number.isNaN), `${name} has NaN (decoupled=${decoupled})`).toBe(false);
      }
      // |g| = 1e30 overflows v to +inf in f32; that element's steps are then 0 (p only decays).
      const expectedP = p.map((x, i) => (huge(i) ? decayed[i] : x));
      const expectedV = s.v.map((x) => (Math.fround(x) === Infinity ? Infinity : x));
      assertClose(gp, expectedP, P_TOL, `params (decoupled=${decoupled})`);
      assertClose(gm, s.m, { atol: 1e-7, rtol: 1e-6 }, `m (decoupled=${decoupled})`);
      assertClose(gv, expectedV, { atol: 1e-9, rtol: 1e-6 }, `v (decoupled=${decoupled})`);
      expect(gv.filter((x) => x === Infinity).length).toBe(2 * 5);
      gpu.release(params, m, v, state, ...grads);
    }
  });

  it('adam4 gives the scalar entry\'s results bit for bit', async () => {
    // The same values in the first 4k elements of a 4k-long (adam4) and a
    // (4k + 1)-long (adam) buffer, three steps of each Adam case.
    const gpu = await testGpu();
    const k4 = 788;
    for (const { name, h, gradScale } of ADAM_CASES) {
      const runs: Float32Array[][] = [];
      for (const n of [k4, k4 + 1]) {
        const params = gpu.upload(uniform(k4 + 1, 5, -1, 1).subarray(0, n), [n], 'params');
        const { m, v, state } = createAdamState(gpu, n);
        const grads: Tensor[] = [];
        for (let k = 0; k < 3; k++) {
          grads.push(gpu.upload(gradient(k4 + 1, k, gradScale).subarray(0, n), [n], 'grads'));
          adamStep(gpu, { params, grads: grads[k], m, v, state }, h);
        }
        runs.push([await gpu.read(params), await gpu.read(m), await gpu.read(v)].map((a) => a.slice(0, k4)));
        gpu.release(params, m, v, state, ...grads);
      }
      for (let i = 0; i < 3; i++) expect(runs[0][i], `${name} ${['params', 'm', 'v'][i]}`).toEqual(runs[1][i]);
    }
  });

  it('loops over more elements than the grid has invocations', async () => {
    const gpu = await testGpu();
    await runAdam(gpu, 300_007, ADAM_CASES[1].h, 2);
    // adam4 takes four per invocation: past 4 x 1024 x 256.
    await runAdam(gpu, 1_048_580, ADAM_CASES[1].h, 2);
    await runSgd(gpu, 300_007, SGD_CASES[3].h, 2);
  });

  it('rejects bad sizes and hyperparameters with ShapeError', async () => {
    const gpu = await testGpu();
    const n = 7;
    const params = gpu.upload(new Float32Array(n), [n], 'params');
    const grads = gpu.upload(new Float32Array(n), [n], 'grads');
    const short = gpu.empty([n - 1], 'short');
    const { m, v, state } = createAdamState(gpu, n);
    const t = { params, grads, m, v, state };
    const bad: [string, () => void, RegExp][] = [
      ['grads size', () => adamStep(gpu, { ...t, grads: short }, { lr: 1e-3 }), /grads has 6 elements but params has 7/],
      ['v size', () => adamStep(gpu, { ...t, v: short }, { lr: 1e-3 }), /v has 6 elements/],
      ['state size', () => adamStep(gpu, { ...t, state: m }, { lr: 1e-3 }), /state has 7 elements/],
      ['lr 0', () => adamStep(gpu, t, { lr: 0 }), /lr = 0 must be a finite number > 0/],
      ['lr NaN', () => adamStep(gpu, t, { lr: NaN }), /lr = NaN/],
      ['beta1 1', () => adamStep(gpu, t, { lr: 1e-3, beta1: 1 }), /beta1 = 1 must be in \[0, 1\)/],
      ['beta2 rounds to 1', () => adamStep(gpu, t, { lr: 1e-3, beta2: 0.99999999 }), /beta2 = 0.99999999 \(1 in f32/],
      ['eps 0', () => adamStep(gpu, t, { lr: 1e-3, eps: 0 }), /eps = 0/],
      ['eps underflows', () => adamStep(gpu, t, { lr: 1e-3, eps: 1e-50 }), /eps = 1e-50 \(0 in f32/],
      ['weight decay < 0', () => adamStep(gpu, t, { lr: 1e-3, weightDecay: -1 }), /weightDecay = -1/],
      ['sgd without buffer', () => sgdStep(gpu, { params, grads, momentumBuffer: null, state }, { lr: 0.1, momentum: 0.9 }), /needs a momentumBuffer/],
      ['sgd nesterov dampening', () => sgdStep(gpu, { params, grads, momentumBuffer: m, state }, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), /nesterov needs momentum > 0 and dampening 0/],
      ['sgd buffer size', () => sgdStep(gpu, { params, grads, momentumBuffer: short, state }, { lr: 0.1, momentum: 0.9 }), /momentumBuffer has 6 elements/],
      ['n = 0', () => createAdamState(gpu, 0), /n = 0 must be an integer/],
    ];
    for (const [what, call, message] of bad) {
      expect(call, what).toThrow(ShapeError);
      expect(call, what).toThrow(message);
    }
    expect(await readCounter(gpu, state)).toBe(0);
    gpu.release(params, grads, short, m, v, state);
  });
});

describe('sgd kernel', () => {
  for (const { name, h } of SGD_CASES) {
    it(`${name}: ${STEPS} steps match the float64 reference`, async () => {
      const gpu = await testGpu();
      for (const n of SIZES) await runSgd(gpu, n, h, STEPS);
    });
  }

  it('extreme gradients (0, 1e-30, 1e30) give no NaN', async () => {
    const gpu = await testGpu();
    const n = 5 * EXTREMES.length;
    const h = SGD_CASES[3].h;
    const p0 = uniform(n, 12, -1, 1);
    const params = gpu.upload(p0, [n], 'params');
    const { momentumBuffer, state } = createSgdState(gpu, n);
    let p = f64(p0);
    let s: SgdRefState = { buf: null, t: 0 };
    const grads: Tensor[] = [];
    for (let k = 0; k < STEPS; k++) {
      const g = extremeGradient(n, k);
      grads.push(gpu.upload(g, [n], 'grads'));
      sgdStep(gpu, { params, grads: grads[k], momentumBuffer, state }, h);
      ({ p, state: s } = sgdRef(p, f64(g), s, asF32(h)));
    }
    const gp = await gpu.read(params);
    const gb = await gpu.read(momentumBuffer!);
    expect(gp.some(Number.isNaN) || gb.some(Number.isNaN)).toBe(false);
    assertClose(gp, p, P_TOL, 'params');
    assertClose(gb, s.buf!, BUF_TOL, 'momentum');
    gpu.release(params, momentumBuffer, state, ...grads);
  });
});
