// The model the page trains and explores, and its training loop. The panels never
// touch the Trainer: they call start/pause/reset/load here and hear back through
// SessionEvents.
//
// Training runs through Trainer.fit with the pause button's AbortSignal, starting at
// the page's next epoch, so a resumed run continues with a fresh permutation instead
// of starting over at epoch 1. Losses arrive through onStep from the trainer's
// asynchronous reads; nothing is read back per step.
import { createModel, evaluateImages, Trainer } from '../src/index.js';
import type { DenseConfig, EpochMetrics, Gpu, LatentModel, Split, StepProgress } from '../src/index.js';
import { configFor, type ModelSettings } from './family.js';

export interface OptimSettings {
  lr: number;
  batchSize: number;
}

export interface SessionEvents {
  /** A fresh or loaded model, with its test loss before any training here (epoch 0). */
  model(initial: EpochMetrics): Promise<void>;
  step(p: StepProgress): void;
  /** Awaited before the next epoch starts, so pictures drawn here match the epoch. */
  epoch(m: EpochMetrics): Promise<void>;
  running(on: boolean): void;
  error(e: Error): void;
}

export const SEED = 1;
const LOSS_EVERY = 10;
/**
 * The page trains until paused, but fit takes a finite epoch count (the learning-rate
 * schedule needs the run's length, even a constant one): far more than anyone trains.
 */
const EPOCHS = 1_000_000;

export class Session {
  model: LatentModel;
  /** Epochs finished on the current model in this page. */
  epoch = 0;
  /** Epochs a loaded checkpoint had been trained before (its config's epochs_done). */
  private priorEpochs = 0;
  private trainer: Trainer | null = null;
  private optim: OptimSettings | null = null;
  private steps = 0;
  private run: { abort: AbortController; done: Promise<void> } | null = null;

  constructor(
    readonly gpu: Gpu,
    readonly data: Split,
    private readonly events: SessionEvents,
    settings: ModelSettings,
  ) {
    this.model = this.createModel(settings);
  }

  get running(): boolean {
    return this.run !== null;
  }

  /** Announces the current model: evaluates it on the test digits and emits `model`. */
  async introduce(): Promise<void> {
    const { test } = this.data;
    const s = await evaluateImages(this.model, test, SEED);
    await this.events.model({ epoch: 0, train_loss: NaN, test_loss: s.loss, recon: s.recon, kl: s.kl, samples_per_s: NaN, seconds: 0, lr: NaN, beta: this.model.config.beta, skipped_steps: 0 });
  }

  start(optim: OptimSettings): void {
    if (this.run) return;
    const trainer = this.trainerFor(optim);
    const abort = new AbortController();
    const done = this.loop(trainer, abort.signal)
      .catch((e: Error) => this.events.error(e))
      .finally(() => {
        this.steps = trainer.globalStep;
        this.run = null;
        this.events.running(false);
      });
    this.run = { abort, done };
    this.events.running(true);
  }

  /** Stops at the next step boundary; the interrupted epoch is not reported and starts over on resume. */
  async pause(): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.abort.abort();
    await run.done;
  }

  async reset(settings: ModelSettings): Promise<void> {
    await this.pause();
    this.replace(this.createModel(settings));
    await this.introduce();
  }

  /** Replaces the model with a checkpoint's (config and parameters already decoded and checked). */
  async load(config: DenseConfig, values: Record<string, Float32Array>, priorEpochs: number): Promise<void> {
    const { rows, cols } = this.data.train;
    if (config.imageRows !== rows || config.imageCols !== cols) {
      throw new Error(`this checkpoint is for ${config.imageRows}x${config.imageCols} images, but the demo's digits are ${rows}x${cols}; load a checkpoint trained on MNIST-sized images`);
    }
    await this.pause();
    this.replace(createModel(this.gpu, config, { values }));
    this.priorEpochs = priorEpochs;
    await this.introduce();
  }

  /** How the current model was trained here, for config.json's "training" record. */
  trainingRecord(): Record<string, unknown> {
    return {
      ...this.optim,
      optimizer: 'adam',
      seed: SEED,
      lossEvery: LOSS_EVERY,
      data: this.data.train.name.replace(/\/train.*$/, ''),
      train_images: this.data.train.n,
      test_images: this.data.test.n,
      adapter: this.gpu.adapter,
      epochs_done: this.priorEpochs + this.epoch,
      trained_in: 'browser demo',
    };
  }

  private createModel(s: ModelSettings): LatentModel {
    const { rows, cols } = this.data.train;
    return createModel(this.gpu, configFor(s, rows, cols), { seed: SEED });
  }

  private replace(model: LatentModel): void {
    this.trainer?.dispose();
    this.trainer = null;
    this.optim = null;
    this.model.dispose();
    this.model = model;
    this.epoch = 0;
    this.priorEpochs = 0;
    this.steps = 0;
  }

  /** The trainer for these settings; a new one (fresh Adam state) when they changed. */
  private trainerFor(optim: OptimSettings): Trainer {
    if (this.trainer && this.optim?.lr === optim.lr && this.optim.batchSize === optim.batchSize) return this.trainer;
    const n = this.data.train.n;
    if (optim.batchSize > n) throw new Error(`batch size ${optim.batchSize} is larger than the ${n} training digits; choose a smaller batch size`);
    this.trainer?.dispose();
    this.trainer = new Trainer(this.gpu, this.model, this.data, { ...optim, epochs: EPOCHS, seed: SEED, lossEvery: LOSS_EVERY });
    // Continue the noise sequence rather than replaying the first steps' draws.
    this.trainer.globalStep = this.steps;
    this.optim = optim;
    return this.trainer;
  }

  /** Trains epoch after epoch, resuming the numbering, until paused. */
  private async loop(trainer: Trainer, signal: AbortSignal): Promise<void> {
    await trainer.fit({
      signal,
      startEpoch: this.epoch + 1,
      onStep: (p: StepProgress) => this.events.step(p),
      onEpoch: async (m) => {
        this.epoch = m.epoch;
        await this.events.epoch(m);
      },
    });
  }
}
