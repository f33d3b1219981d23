// The soak: a small VAE trained for many steps (epochs with their evaluations, as a
// user's run), sampling every `every` steps what would grow if something leaked: the
// pool's bytes and live buffers, buffers and bind groups created, readback staging
// buffers, and the Node heap (after a full GC when node runs with --expose-gc). The
// test suite runs 1,000 steps of it (test/gpu/soak.test.ts); bench/soak/main.ts runs
// 10,000 or more and prints the table and JSON for bench/RESULTS.md.
import { subset, type Split } from '../../src/data/dataset.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import { denseConfig } from '../../src/models/config.js';
import { Vae } from '../../src/models/vae.js';
import { Trainer } from '../../src/train/trainer.js';

export interface SoakSample {
  step: number;
  bytesAllocated: number;
  liveBuffers: number;
  buffersCreated: number;
  bindGroupsCreated: number;
  stagingBuffers: number;
  heapBytes: number;
}

export interface SoakOptions {
  steps: number;
  /** Steps between samples. */
  every: number;
  batchSize?: number;
}

/** Trains until at least `steps` steps are done and returns the samples (one at every multiple of `every`). */
export async function runSoak(gpu: Gpu, data: Split, options: SoakOptions): Promise<SoakSample[]> {
  const batchSize = options.batchSize ?? 32;
  // 64 steps per epoch: an evaluation every 64 steps, as a run over a real split has them.
  const train = subset(data.train, 0, Math.min(data.train.n, 64 * batchSize));
  const test = subset(data.test, 0, Math.min(data.test.n, 64));
  const config = denseConfig({ kind: 'vae', inputSize: train.rows * train.cols, imageRows: train.rows, imageCols: train.cols, hidden: [16], latent: 2 });
  const model = new Vae(gpu, config, { seed: 1 });
  const stepsPerEpoch = Math.floor(train.n / batchSize);
  const trainer = new Trainer(gpu, model, { train, test }, { batchSize, epochs: Math.ceil(options.steps / stepsPerEpoch), lr: 1e-3, seed: 1, lossEvery: 10 });
  const samples: SoakSample[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  await trainer.fit({
    onStep: () => {
      if (trainer.globalStep % options.every !== 0) return;
      gc?.();
      const p = gpu.pool.stats;
      samples.push({
        step: trainer.globalStep,
        bytesAllocated: p.bytesAllocated,
        liveBuffers: p.liveBuffers,
        buffersCreated: p.buffersCreated,
        bindGroupsCreated: gpu.bindGroupsCreated,
        stagingBuffers: gpu.readback.created,
        heapBytes: process.memoryUsage().heapUsed,
      });
    },
  });
  trainer.dispose();
  model.dispose();
  return samples;
}
