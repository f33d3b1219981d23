// The reparameterisation kernels against the float64 reference: the GPU's Philox
// noise element by element (which proves the counter scheme: eps depends only on
// seed, step, stream and index), z, both gradients with and without ACCUMULATE,
// extreme log-variances, and the wrapper's validation.
//
// Tolerances. eps: the shader's ln, sqrt and sin/cos are each within a few f32 ulps,
// so |eps_gpu - eps| <= |eps| * (relative error of the radius) + radius * (absolute
// error of sin/cos) <= 5.8 * ~3e-7; we allow 1e-6 + 1e-6 |eps| (about 3x the worst seen
// over 1e5 draws). z and dlogvar scale that error by std = exp(0.5 logvar) (plus
// exp's few ulps), so their atol is 2e-6 * max(std * (1 + |eps|)) of the case:
// the error bound of the largest term, not of the result, which can cancel to ~0.
import { describe, expect, it } from 'vitest';
import { testGpu } from './device.js';
import { randn, reparameterize, reparameterizeBackward } from '../../src/ops/reparameterize.js';
import { ShapeError } from '../../src/gpu/errors.js';
import { Live } from '../../src/gpu/program.js';
import { randnReference, reparameterizeBackwardReference, reparameterizeReference } from '../reference/reparameterize.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';

const EPS_TOL = { atol: 1e-6, rtol: 1e-6 };
const SIZES = [1, 7, 33, 785, 100_003];

/** The tolerance of a result whose largest term is scale * std * (1 + |eps|). */
function scaledTolerance(logvar: Float64Array, eps: Float64Array, scale: ArrayLike<number> | null = null) {
  let largest = 0;
  for (let i = 0; i < logvar.length; i++) {
    largest = Math.max(largest, Math.abs(scale?.[i] ?? 1) * Math.exp(0.5 * logvar[i]) * (1 + Math.abs(eps[i])));
  }
  return { atol: 2e-6 * largest, rtol: 2e-6 };
}

describe('reparameterize kernels', () => {
  it('randn reproduces the reference Philox normals for any length and key', async () => {
    const gpu = await testGpu();
    const keys = [
      { seed: 0, step: 0, stream: 0 },
      { seed: 3, step: 0xffffffff, stream: 0 },
      { seed: 0xffffffff, step: 17, stream: 1 },
      { seed: 123456789, step: 2, stream: 0xffffffff },
    ];
    for (const [i, n] of SIZES.entries()) {
      const key = keys[i % keys.length];
      const eps = randn(gpu, [n], key);
      assertClose(await gpu.read(eps), randnReference(n, key), EPS_TOL, `randn n=${n} ${JSON.stringify(key)}`);
      gpu.release(eps);
    }
    // A 2-D shape is the same flat sequence: the shape never enters the counter.
    const matrix = randn(gpu, [33, 20], { seed: 8, step: 9 });
    assertClose(await gpu.read(matrix), randnReference(660, { seed: 8, step: 9 }), EPS_TOL, 'randn [33, 20]');
    gpu.release(matrix);
  });

  it('forward computes z = mu + exp(0.5 logvar) eps', async () => {
    const gpu = await testGpu();
    for (const n of SIZES) {
      const key = { seed: 1000 + n, step: n % 5, stream: 0 };
      const muData = uniform(n, n, -2, 2);
      const logvarData = uniform(n, n + 1, -4, 4);
      const mu = gpu.upload(muData, [n], 'mu');
      const logvar = gpu.upload(logvarData, [n], 'logvar');
      const z = reparameterize(gpu, mu, logvar, key);
      const tol = scaledTolerance(f64(logvarData), randnReference(n, key));
      assertClose(await gpu.read(z), reparameterizeReference(f64(muData), f64(logvarData), key), tol, `z n=${n}`);
      gpu.release(mu, logvar, z);
    }
  });

  it('backward regenerates eps for dmu and dlogvar, overwriting or accumulating', async () => {
    const gpu = await testGpu();
    for (const n of SIZES) {
      for (const accumulate of [false, true]) {
        const key = { seed: 77, step: 2 * n, stream: 0 };
        const dzData = uniform(n, 3 * n, -1, 1);
        const logvarData = uniform(n, 3 * n + 1, -4, 4);
        const priorMu = uniform(n, 3 * n + 2, -1, 1);
        const priorLogvar = uniform(n, 3 * n + 3, -1, 1);
        const dz = gpu.upload(dzData, [n], 'dz');
        const logvar = gpu.upload(logvarData, [n], 'logvar');
        const given = accumulate ? { dmu: gpu.upload(priorMu, [n], 'dmu'), dlogvar: gpu.upload(priorLogvar, [n], 'dlogvar') } : {};
        const { dmu, dlogvar } = reparameterizeBackward(gpu, dz, logvar, { ...key, ...given, accumulate });
        const ref = reparameterizeBackwardReference(f64(dzData), f64(logvarData), key, accumulate ? { accumulate: { dmu: f64(priorMu), dlogvar: f64(priorLogvar) } } : {});
        const label = `n=${n} accumulate=${accumulate}`;
        // dmu is dz, or one f32 addition: within half an ulp of the result.
        assertClose(await gpu.read(dmu), ref.dmu, { atol: 0, rtol: 6e-8 }, `dmu ${label}`);
        const halfDz = dzData.map((g) => 0.5 * g);
        const tol = scaledTolerance(f64(logvarData), randnReference(n, key), halfDz);
        assertClose(await gpu.read(dlogvar), ref.dlogvar, { atol: tol.atol + (accumulate ? 1e-7 : 0), rtol: tol.rtol }, `dlogvar ${label}`);
        gpu.release(dz, logvar, dmu, dlogvar);
      }
    }
  });

  it('stays finite and accurate at logvar = -30, 0 and +30', async () => {
    const gpu = await testGpu();
    const n = 785;
    const key = { seed: 5, step: 6 };
    const logvarData = Float32Array.from({ length: n }, (_, i) => [-30, 0, 30][i % 3]);
    const muData = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : i % 5) - 2);
    const dzData = uniform(n, 99, -1, 1);
    const mu = gpu.upload(muData, [n], 'mu');
    const logvar = gpu.upload(logvarData, [n], 'logvar');
    const dz = gpu.upload(dzData, [n], 'dz');
    const z = reparameterize(gpu, mu, logvar, key);
    const { dmu, dlogvar } = reparameterizeBackward(gpu, dz, logvar, key);
    const eps = randnReference(n, key);
    const zGot = await gpu.read(z);
    const dlogvarGot = await gpu.read(dlogvar);
    expect([...zGot, ...dlogvarGot].every(Number.isFinite)).toBe(true);
    // Compared per logvar class, so the tiny values are not judged at the scale of the huge ones.
    for (const v of [-30, 0, 30]) {
      const pick = <T extends ArrayLike<number>>(a: T) => Array.from(a).filter((_, i) => logvarData[i] === v);
      const lv = f64(pick(logvarData));
      const e = Float64Array.from(pick(eps));
      const zRef = reparameterizeReference(f64(muData), f64(logvarData), key);
      const ref = reparameterizeBackwardReference(f64(dzData), f64(logvarData), key);
      assertClose(pick(zGot), pick(zRef), scaledTolerance(lv, e), `z at logvar ${v}`);
      assertClose(pick(dlogvarGot), pick(ref.dlogvar), scaledTolerance(lv, e, pick(dzData).map((g) => 0.5 * g)), `dlogvar at logvar ${v}`);
    }
    assertClose(await gpu.read(dmu), dzData, { atol: 0, rtol: 0 }, 'dmu');
    gpu.release(mu, logvar, dz, z, dmu, dlogvar);
  });

  it('re-reads a Live step each time a captured program replays', async () => {
    const gpu = await testGpu();
    const n = 33;
    const step = new Live(5);
    const noise = gpu.empty([n], 'noise');
    const program = gpu.capture('randn-step', () => {
      randn(gpu, [n], { seed: 4, step, out: noise });
    });
    assertClose(await gpu.read(noise), randnReference(n, { seed: 4, step: 5 }), EPS_TOL, 'captured at step 5');
    step.value = 6;
    gpu.replay(program);
    assertClose(await gpu.read(noise), randnReference(n, { seed: 4, step: 6 }), EPS_TOL, 'replayed at step 6');
    gpu.disposeProgram(program);
    gpu.release(noise);
  });

  it('rejects keys that are not u32 and mismatched shapes, naming the fix', async () => {
    const gpu = await testGpu();
    const a = gpu.empty([4, 2], 'a');
    const b = gpu.empty([2, 4], 'b');
    for (const bad of [-1, 2 ** 32, 1.5, NaN]) {
      expect(() => randn(gpu, [8], { seed: bad, step: 0 })).toThrow(/seed = .* is not a u32/);
      expect(() => reparameterize(gpu, a, a, { seed: 0, step: bad })).toThrow(/step = .* is not a u32/);
      expect(() => randn(gpu, [8], { seed: 0, step: 0, stream: bad })).toThrow(/stream = .* is not a u32/);
      expect(() => randn(gpu, [8], { seed: 0, step: new Live(bad) })).toThrow(/step = .* is not a u32/);
    }
    expect(() => reparameterize(gpu, a, b, { seed: 0, step: 0 })).toThrow(ShapeError);
    expect(() => reparameterize(gpu, a, a, { seed: 0, step: 0, out: b })).toThrow(/out has shape \[2, 4\], expected \[4, 2\]/);
    expect(() => reparameterizeBackward(gpu, b, a, { seed: 0, step: 0 })).toThrow(/dz has shape/);
    expect(() => reparameterizeBackward(gpu, a, a, { seed: 0, step: 0, accumulate: true, dmu: a })).toThrow(/pass both dmu and dlogvar/);
    gpu.release(a, b);
  });
});
