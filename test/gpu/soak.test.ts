// The short soak (1,000 steps of a small VAE, its per-epoch evaluations included):
// from step 100 on, the GPU memory the runtime holds does not move, no buffer or
// staging buffer is created, and the Node heap stays within a few MB. (Bind groups:
// a captured step creates none, test/gpu/trainer.test.ts; each epoch's evaluation
// prepares its few dispatches afresh, garbage the GC collects.) The runtime's
// bookkeeping is the same on every adapter, so this runs on llvmpipe only.
// bench/soak/main.ts runs the long one (10,000+ steps) for bench/RESULTS.md.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { runSoak } from '../../bench/soak/run.js';
import { testGpu } from './device.js';

const adapter = process.env.WEBGPU_VAE_TEST_ADAPTER;

describe.skipIf(adapter !== 'llvmpipe')('soak (llvmpipe only: the bookkeeping does not depend on the adapter)', () => {
  it('1,000 steps: flat GPU memory and object counts from step 100, a bounded heap', async () => {
    const gpu = await testGpu();
    const samples = await runSoak(gpu, await loadDataset('mnist'), { steps: 1000, every: 100, batchSize: 16 });
    expect(samples.map((s) => s.step)).toEqual(Array.from({ length: 10 }, (_, i) => 100 * (i + 1)));
    const first = samples[0];
    for (const s of samples) {
      const { step: _s, heapBytes: _h, bindGroupsCreated: _b, ...held } = s;
      const { step: _s0, heapBytes: _h0, bindGroupsCreated: _b0, ...start } = first;
      expect(held, `step ${s.step}`).toEqual(start);
    }
    // Without --expose-gc the heap is sampled between collections: allow its sawtooth, not a trend of a leak per step.
    const growth = samples[samples.length - 1].heapBytes - first.heapBytes;
    expect(growth, `heap grew ${(growth / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(16 * 2 ** 20);
  });
});
