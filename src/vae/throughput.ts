// Training throughput of the captured VAE step, measured the way the bench command
// and the peer comparison report it: after warm-up, rounds of `stepsPerRound` steps
// (each one submit) are timed from the first record to the GPU finishing the last,
// and the per-step time of each round is kept. Medians and spreads come from those.
// compareUnfused times the fused and the unfused step (src/vae/unfused-step.ts) that
// way in alternating rounds.
import type { Gpu } from '../gpu/runtime.js';
import type { Split } from '../data/dataset.js';
import type { VaeConfig } from '../models/config.js';
import { Vae } from '../models/vae.js';
import { Trainer } from '../train/trainer.js';
import type { TuneOptions } from '../tune/tuner.js';

export interface ThroughputOptions {
  batchSize: number;
  rounds?: number;
  stepsPerRound?: number;
  warmup?: number;
  config?: Partial<VaeConfig>;
  seed?: number;
  /** Time the unfused step (src/vae/unfused-step.ts) instead, on the same data and batches. */
  unfused?: boolean;
  /** Tune the step's kernels before the warm-up (src/tune/tuner.ts). */
  tune?: TuneOptions;
}

export interface Throughput {
  batch: number;
  /** Milliseconds per step, one entry per round. */
  msPerStep: number[];
}

export async function measureTrainingThroughput(gpu: Gpu, data: Split, o: ThroughputOptions): Promise<Throughput> {
  const run = await openRun(gpu, data, o);
  try {
    const msPerStep: number[] = [];
    for (let r = 0; r < (o.rounds ?? 7); r++) msPerStep.push(await run.round());
    return { batch: o.batchSize, msPerStep };
  } finally {
    run.dispose();
  }
}

/**
 * The fused and the unfused step (options.unfused is ignored), both warmed up first
 * and then timed in alternating rounds, so that the two see the same machine. On a
 * shared CPU the load changes by the minute: timed one after the other, SwiftShader
 * at batch 128 gave a fused/unfused ratio of 0.65 where the kernels' own timestamps
 * said 1.1.
 */
export async function compareUnfused(gpu: Gpu, data: Split, o: ThroughputOptions): Promise<{ fused: Throughput; unfused: Throughput }> {
  const runs: Run[] = [];
  try {
    for (const unfused of [false, true]) runs.push(await openRun(gpu, data, { ...o, unfused }));
    const ms: number[][] = [[], []];
    for (let r = 0; r < (o.rounds ?? 7); r++) {
      for (const [i, run] of runs.entries()) ms[i].push(await run.round());
    }
    return { fused: { batch: o.batchSize, msPerStep: ms[0] }, unfused: { batch: o.batchSize, msPerStep: ms[1] } };
  } finally {
    for (const run of runs) run.dispose();
  }
}

interface Run {
  /** Times `stepsPerRound` steps; resolves with milliseconds per step. */
  round: () => Promise<number>;
  dispose: () => void;
}

/** A trainer of its own, warmed up. */
async function openRun(gpu: Gpu, data: Split, o: ThroughputOptions): Promise<Run> {
  const model = new Vae(gpu, { ...o.config, inputSize: data.train.rows * data.train.cols, imageRows: data.train.rows, imageCols: data.train.cols }, { seed: o.seed ?? 1 });
  const trainer = new Trainer(gpu, model, data, { batchSize: o.batchSize, epochs: 1, lr: 1e-3, seed: o.seed ?? 1, unfused: o.unfused });
  const dispose = () => {
    trainer.dispose();
    model.dispose();
  };
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
    if (o.tune && !o.unfused) await trainer.tuneStep(o.tune);
    for (let i = 0; i < (o.warmup ?? 5); i++) next();
    await gpu.finish();
  } catch (e) {
    dispose();
    throw e;
  }
  const stepsPerRound = o.stepsPerRound ?? 10;
  const round = async () => {
    const start = performance.now();
    for (let i = 0; i < stepsPerRound; i++) next();
    await gpu.finish();
    return (performance.now() - start) / stepsPerRound;
  };
  return { round, dispose };
}
