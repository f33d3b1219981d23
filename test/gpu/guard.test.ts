// The non-finite guard (shaders/guard.wgsl, src/ops/guard.ts): its verdict against the
// host's Number.isFinite on every element, with the bad value anywhere in awkward
// sizes; its counts and epoch sums over a sequence of steps against a float64
// reference; and the guarded optimizers: a flagged step leaves parameters, moments
// and the step counter exactly as they were, a clean one updates as without a guard.
import { describe, expect, it } from 'vitest';
import { testGpu } from './device.js';
import { uniform } from '../random.js';
import { createGuard, healthReport, recordGuard } from '../../src/ops/guard.js';
import { adamStep, createAdamState, createSgdState, sgdStep } from '../../src/ops/optimizer-step.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import type { Tensor } from '../../src/tensor.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));

/** One guarded "step": uploads grads and stats, runs scan + decide, returns the health read. */
async function guardStep(gpu: Gpu, guard: ReturnType<typeof createGuard>, grads: Float32Array, stats: number[], epochSum: Tensor) {
  const g = gpu.upload(grads, [grads.length], 'test.grads');
  const s = gpu.upload(stats, [3], 'test.stats');
  recordGuard(gpu, guard, g, s, epochSum);
  const health = healthReport(await gpu.read(guard.health));
  gpu.release(g, s);
  return health;
}

describe('non-finite guard', () => {
  it('flags a NaN or infinity wherever it is, and nothing finite', async () => {
    const gpu = await testGpu();
    const guard = createGuard(gpu);
    const sum = gpu.upload(new Float32Array(4), [4], 'test.sum');
    const finiteExtremes = [3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, -0, 0];
    let expectedTotal = 0;
    // Odd sizes run `scan`, multiples of 4 `scan4` (shaders/guard_vec4.wgsl), the
    // last past 4 x 1024 x 256 so its invocations loop; the positions reach every lane.
    for (const n of [1, 4, 257, 260, 100_003, 100_004, 1_048_580]) {
      for (const at of new Set([0, Math.min(1, n - 1), Math.floor(n / 2), n - 1])) {
        for (const bad of [NaN, Infinity, -Infinity, ...finiteExtremes]) {
          const grads = uniform(n, n + at);
          grads[at] = bad;
          const h = await guardStep(gpu, guard, grads, [1, 2, 3], sum);
          const want = !grads.every(Number.isFinite);
          expectedTotal += want ? 1 : 0;
          expect(h.skipped, `n=${n} at=${at} value=${bad}`).toBe(want);
          expect(h.skippedTotal).toBe(expectedTotal);
        }
      }
    }
    // A bad loss, recon or kl with finite gradients is a bad step too.
    for (const k of [0, 1, 2]) {
      const stats = [1, 2, 3];
      stats[k] = NaN;
      expect((await guardStep(gpu, guard, uniform(9, 1), stats, sum)).skipped, `stats[${k}]`).toBe(true);
    }
    gpu.release(sum, guard.found, guard.health);
  });

  it('counts skipped steps in all and in a row, and sums only finite steps', async () => {
    const gpu = await testGpu();
    const guard = createGuard(gpu);
    const sum = gpu.upload(new Float32Array(4), [4], 'test.sum');
    const pattern = [false, true, true, false, true, false, false];
    const ref = [0, 0, 0, 0];
    let inRow = 0;
    let total = 0;
    for (const [k, isBad] of pattern.entries()) {
      const grads = uniform(1000, 50 + k);
      if (isBad) grads[123 + k] = NaN;
      const stats = [100 + k * 1.25, 90 + k * 0.5, 10 + k * 0.75];
      const h = await guardStep(gpu, guard, grads, stats, sum);
      inRow = isBad ? inRow + 1 : 0;
      total += isBad ? 1 : 0;
      if (!isBad) for (let j = 0; j < 3; j++) ref[j] += Math.fround(stats[j]);
      if (!isBad) ref[3] += 1;
      expect(h, `step ${k}`).toEqual({ loss: Math.fround(stats[0]), recon: Math.fround(stats[1]), kl: Math.fround(stats[2]), skipped: isBad, skippedTotal: total, skippedInRow: inRow });
    }
    const got = await gpu.read(sum);
    // Four sums of at most four terms near 100: f32 rounding of a few ulp.
    for (let j = 0; j < 4; j++) expect(Math.abs(got[j] - ref[j]), `sum ${j}`).toBeLessThanOrEqual(4 * 2 ** -23 * ref[j]);
    expect(got[3]).toBe(4);
    gpu.release(sum, guard.found, guard.health);
  });
});

describe('guarded optimizers', () => {
  const n = 1027;

  /** Sets the guard's verdict as decide would leave it after a clean (false) or bad (true) step. */
  async function verdict(gpu: Gpu, guard: ReturnType<typeof createGuard>, bad: boolean): Promise<void> {
    const sum = gpu.upload(new Float32Array(4), [4], 'test.sum');
    const grads = uniform(4, 3);
    if (bad) grads[2] = Infinity;
    await guardStep(gpu, guard, grads, [1, 1, 1], sum);
    gpu.release(sum);
  }

  for (const kind of ['adam', 'adamw', 'sgd-momentum'] as const) {
    it(`${kind}: a flagged step changes nothing, a clean one is the unguarded step`, async () => {
      const gpu = await testGpu();
      const make = () => {
        const params = gpu.upload(uniform(n, 7), [n], 'test.params');
        const grads = gpu.upload(uniform(n, 8), [n], 'test.grads');
        const state = kind === 'sgd-momentum' ? createSgdState(gpu, n) : createAdamState(gpu, n);
        return { params, grads, ...state };
      };
      const step = (t: ReturnType<typeof make>, guard: Tensor | null) => {
        const tensors = { ...t, guard } as Record<string, Tensor | null>;
        if (kind === 'sgd-momentum') sgdStep(gpu, tensors as unknown as Parameters<typeof sgdStep>[1], { lr: 0.1, momentum: 0.9 });
        else adamStep(gpu, tensors as unknown as Parameters<typeof adamStep>[1], { lr: 0.01, decoupled: kind === 'adamw' });
      };
      const snapshot = async (t: ReturnType<typeof make>) => {
        const out: Record<string, number[]> = {};
        for (const [name, tensor] of Object.entries(t)) if (tensor && name !== 'grads') out[name] = bits(await gpu.read(tensor as Tensor));
        return out;
      };
      const guard = createGuard(gpu);
      const guarded = make();
      const plain = make();
      // Two clean steps so the moments and counter are not at their zero start.
      for (let k = 0; k < 2; k++) {
        await verdict(gpu, guard, false);
        step(guarded, guard.health);
        step(plain, null);
      }
      expect(await snapshot(guarded)).toEqual(await snapshot(plain));
      const before = await snapshot(guarded);
      await verdict(gpu, guard, true);
      step(guarded, guard.health);
      expect(await snapshot(guarded)).toEqual(before);
      await verdict(gpu, guard, false);
      step(guarded, guard.health);
      step(plain, null);
      expect(await snapshot(guarded)).toEqual(await snapshot(plain));
      for (const t of [guarded, plain]) gpu.release(...(Object.values(t) as (Tensor | null)[]));
      gpu.release(guard.found, guard.health);
    });
  }
});
