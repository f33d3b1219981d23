// Training throughput of the captured VAE step, measured the way the bench command
// and the peer comparison report it: after warm-up, rounds of `stepsPerRound` steps
// (each one submit) are timed from the first record to the GPU finishing the last,
// and the per-step time of each round is kept. Medians and spreads come from those.
import type { Gpu } from '../gpu/runtime.js';
import type { Split } from '../data/dataset.js';
import type { VaeConfig } from './config.js';
import { Vae } from './model.js';
import { Trainer } from './trainer.js';

export interface ThroughputOptions {
  batchSize: number;
  rounds?: number;
  stepsPerRound?: number;
  warmup?: number;
  config?: Partial<VaeConfig>;
  seed?: number;
}

export interface Throughput {
  batch: number;
  /** Milliseconds per step, one entry per round. */
  msPerStep: number[];
}

export async function measureTrainingThroughput(gpu: Gpu, data: Split, o: ThroughputOptions): Promise<Throughput> {
  const model = new Vae(gpu, { ...o.config, inputSize: data.train.rows * data.train.cols, imageRows: data.train.rows, imageCols: data.train.cols }, { seed: o.seed ?? 1 });
  const trainer = new Trainer(gpu, model, data, { batchSize: o.batchSize, epochs: 1, lr: 1e-3, seed: o.seed ?? 1 });
  const perEpoch = trainer.stepsPerEpoch;
  let s = 0;
  let epoch = 1;
  const next = () => {
    if (s === 0) trainer.beginEpoch(epoch);
    trainer.step(s);
    gpu.flush();
    s += 1;
    if (s === perEpoch) {
      s = 0;
      epoch += 1;
    }
  };
  try {
    for (let i = 0; i < (o.warmup ?? 5); i++) next();
    await gpu.finish();
    const msPerStep: number[] = [];
    const stepsPerRound = o.stepsPerRound ?? 10;
    for (let r = 0; r < (o.rounds ?? 7); r++) {
      const start = performance.now();
      for (let i = 0; i < stepsPerRound; i++) next();
      await gpu.finish();
      msPerStep.push((performance.now() - start) / stepsPerRound);
    }
    return { batch: o.batchSize, msPerStep };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
