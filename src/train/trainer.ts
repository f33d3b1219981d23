// Training of any Model on a resident dataset.
//
// The dataset is uploaded once. Each epoch uploads one shuffled index list, and
// every step gathers its batch on the GPU from that list (src/train/batch.ts: labels,
// corruption and masks too). The step itself (gather, the model's forward and loss,
// backward, optimiser) is captured once and replayed, so after the first step a step
// creates no buffer and no bind group, and it is one submit. The learning rate and
// the KL weight are Live uniform fields set before every step from their schedules,
// so annealing needs no recapture. Losses come back asynchronously every `lossEvery`
// steps for progress; the epoch's training loss is summed on the GPU and read once.
// Batches are full: each epoch uses floor(n / batch) batches of a fresh permutation
// (the few samples left over are seen in other epochs' permutations).
import { gradRules } from '../autograd/rules.js';
import { Tape } from '../autograd/tape.js';
import type { ImageDataset, Split } from '../data/dataset.js';
import { InputError, WebGpuVaeError } from '../gpu/errors.js';
import { Live, type Program } from '../gpu/program.js';
import type { Gpu } from '../gpu/runtime.js';
import type { LatentModel, Model } from '../models/model.js';
import { axpy, fill } from '../ops/elementwise.js';
import { Optimizer, type OptimizerKind } from '../optim/optimizer.js';
import { permutation } from '../random.js';
import type { Tensor } from '../tensor.js';
import { evaluateLatents, evaluateLoss, type LossSummary } from '../vae/evaluate.js';
import type { Vae } from '../models/vae.js';
import { UnfusedStep } from '../vae/unfused-step.js';
import { createGuard, healthReport, recordGuard, type Guard } from '../ops/guard.js';
import { gatherBatch, releaseSplit, uploadSplit, type Corruptions, type Resident } from './batch.js';
import { betaAt, lrAt, type BetaSchedule, type LrSchedule } from './schedules.js';
import { tune, type TuneOptions, type TuneReport } from '../tune/tuner.js';

export interface TrainOptions extends Corruptions {
  batchSize: number;
  epochs: number;
  /** The base learning rate (the schedule's peak). */
  lr: number;
  seed: number;
  optimizer?: OptimizerKind;
  weightDecay?: number;
  /** Default constant. */
  lrSchedule?: LrSchedule;
  /** Linear warm-up steps before the schedule; default 0. */
  warmup?: number;
  /** KL annealing; default constant (the model's beta throughout). */
  betaSchedule?: BetaSchedule;
  /** Steps between asynchronous loss reads (progress only). */
  lossEvery?: number;
  /** Benchmarks only: capture the unfused step (src/vae/unfused-step.ts) instead of the fused one; Adam only. */
  unfused?: boolean;
  /**
   * Steps in a row with a non-finite loss or gradient (each skipped on the GPU,
   * changing nothing) after which training stops with TrainingDivergedError; default 20.
   */
  maxSkippedInRow?: number;
  /**
   * Kernel tuning before the first step (src/tune/tuner.ts): the step is probed for
   * its GEMM classes, each is timed unless the store has it, then the step is
   * captured with the choices. Default off (the defaults by adapter class).
   */
  tune?: TuneOptions;
}

export interface StepProgress {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /** Latest batch loss read back (per image, nats); NaN until the first read. */
  loss: number;
  samplesPerSecond: number;
}

/** The loss became NaN or infinite; the message says when and what to change. */
export class TrainingDivergedError extends WebGpuVaeError {
  override name = 'TrainingDivergedError';
}

export interface TrainHooks {
  onStep?: (p: StepProgress) => void;
  onEpoch?: (m: EpochMetrics) => void | Promise<void>;
  /** Stops training at the next step boundary when aborted. */
  signal?: AbortSignal;
  /** Number of the first epoch (its permutation and its metrics line); default 1, later to resume. */
  startEpoch?: number;
  /** Steps of the first epoch already taken (a resumed mid-epoch checkpoint); default 0. */
  startStep?: number;
  /** Number of the last epoch; default startEpoch + epochs - 1. A resumed run passes its total. */
  endEpoch?: number;
  /** Calls onCheckpoint after every this many steps (counted from the run's first step). */
  checkpointEvery?: number;
  onCheckpoint?: (at: TrainPosition) => Promise<void>;
}

/** Where training stands: `step` steps of epoch `epoch` are done (stepsPerEpoch when it is finished). */
export interface TrainPosition {
  epoch: number;
  step: number;
}

/** What continues a run exactly: the position and every GPU value a step reads besides the data. */
export interface TrainerState extends TrainPosition {
  globalStep: number;
  /** The model's flat parameter buffer, bit for bit. */
  params: Float32Array;
  /** The optimizer's moments and step counter (Optimizer.readState). */
  optimizer: Record<string, Float32Array>;
  /** The epoch's running (loss, recon, kl, finite steps) sums, so a resumed epoch's mean is the uninterrupted one. */
  epochSum: Float32Array;
  /** The guard's counts of skipped steps (src/ops/guard.ts). */
  health: Float32Array;
}

export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  test_loss: number;
  recon: number;
  kl: number;
  samples_per_s: number;
  seconds: number;
  /** Learning rate and KL weight of the epoch's last step. */
  lr: number;
  beta: number;
  /** Steps of the epoch whose update was skipped for a non-finite loss or gradient. */
  skipped_steps: number;
  /** A VAE's mean KL per latent dimension over the test set, and how many dimensions are active (Burda et al. 2015). */
  kl_per_dim?: number[];
  active_units?: number;
}

export class Trainer {
  /** The fused step's optimizer; the unfused benchmark step keeps its own Adam state. */
  private readonly optimizer: Optimizer | null;
  private readonly train: Resident;
  private readonly test: Resident;
  /** The test split on the host, for the per-dimension KL (encode reads host images). */
  private readonly testImages: ImageDataset;
  private readonly order: Tensor;
  /** (loss, recon, kl, finite steps) summed over the epoch's steps that were not skipped. */
  private readonly epochSum: Tensor;
  /** Null for the unfused benchmark step, which keeps its own Adam. */
  private readonly guard: Guard | null;
  private readonly offset = new Live(0);
  private readonly rngStep = new Live(0);
  readonly lr: Live;
  readonly beta: Live;
  private readonly unfused: UnfusedStep | null;
  private program: Program | null = null;
  private stats: Tensor | null = null;
  /** Steps taken so far; also the RNG step of the next one. */
  globalStep = 0;
  /** Steps of the last finished epoch whose update the guard skipped. */
  private epochSkipped = 0;
  /** Updated after every step; where a checkpoint taken now would resume. */
  readonly position: TrainPosition = { epoch: 0, step: 0 };

  constructor(
    readonly gpu: Gpu,
    readonly model: Model,
    data: Split,
    readonly options: TrainOptions,
  ) {
    const { inputSize, classes } = model.config;
    for (const ds of [data.train, data.test]) {
      if (ds.rows * ds.cols !== inputSize) throw new InputError(`dataset '${ds.name}' has ${ds.rows}x${ds.cols} images; the model expects ${inputSize} values per image`);
      if (classes > 0 && ds.classes > classes) throw new InputError(`dataset '${ds.name}' has ${ds.classes} classes but the model is conditioned on ${classes}`);
    }
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new InputError(`batch size must be a positive integer, got ${options.batchSize}`);
    if (options.batchSize > data.train.n) throw new InputError(`batch size ${options.batchSize} is larger than the training set (${data.train.n} images); use --batch-size ${data.train.n} or less`);
    this.lr = new Live(options.lr);
    this.beta = new Live(modelBeta(model));
    this.guard = options.unfused ? null : createGuard(gpu);
    this.optimizer = this.guard ? new Optimizer(gpu, model.parameters, { kind: options.optimizer ?? 'adam', lr: this.lr, weightDecay: options.weightDecay, guard: this.guard.health }) : null;
    this.train = uploadSplit(gpu, data.train, classes);
    this.test = uploadSplit(gpu, data.test, classes);
    this.testImages = data.test;
    this.order = gpu.empty([data.train.n], 'train.order', 'u32');
    this.epochSum = gpu.empty([4], 'train.epoch-sum');
    this.unfused = options.unfused ? new UnfusedStep(gpu, model as Vae, options) : null;
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.train.n / this.options.batchSize);
  }

  /**
   * Trains `epochs` epochs (or startEpoch..endEpoch), evaluating on the test split
   * after each. An aborted `signal` stops at the next step boundary (the page's pause
   * button, Ctrl-C); an epoch left unfinished is then not reported.
   */
  async fit(hooks: TrainHooks = {}): Promise<EpochMetrics[]> {
    const metrics: EpochMetrics[] = [];
    const first = hooks.startEpoch ?? 1;
    const last = hooks.endEpoch ?? first + this.options.epochs - 1;
    for (let epoch = first; epoch <= last && !hooks.signal?.aborted; epoch++) {
      const start = performance.now();
      const trainLoss = await this.trainEpoch(epoch, hooks, epoch === first ? (hooks.startStep ?? 0) : 0);
      // An abort after the epoch's last step still reports it (its checkpoint is due).
      if (this.position.step < this.stepsPerEpoch) break;
      const trainSeconds = (performance.now() - start) / 1000;
      const test = await this.evaluate();
      const latents = isVae(this.model) ? await evaluateLatents(this.model, this.testImages) : null;
      const m: EpochMetrics = {
        epoch,
        train_loss: trainLoss,
        test_loss: test.loss,
        recon: test.recon,
        kl: test.kl,
        samples_per_s: (this.stepsPerEpoch * this.options.batchSize) / trainSeconds,
        seconds: (performance.now() - start) / 1000,
        lr: this.lr.value,
        beta: this.beta.value,
        skipped_steps: this.epochSkipped,
        ...(latents ? { kl_per_dim: latents.klPerDim, active_units: latents.activeUnits } : {}),
      };
      metrics.push(m);
      await hooks.onEpoch?.(m);
    }
    return metrics;
  }

  /**
   * One epoch over a fresh permutation, from step `from` (a resumed epoch; its loss
   * sums were restored by restoreState); resolves with its mean training loss over
   * the steps taken.
   */
  async trainEpoch(epoch: number, hooks: TrainHooks = {}, from = 0): Promise<number> {
    const { gpu } = this;
    const B = this.options.batchSize;
    const steps = this.stepsPerEpoch;
    const lossEvery = Math.max(1, this.options.lossEvery ?? 10);
    if (from === 0) this.beginEpoch(epoch);
    else this.gpu.write(this.order, this.epochOrder(epoch));
    if (!this.program && this.options.tune && this.options.tune.mode !== 'off') await this.tuneStep(this.options.tune);
    const start = performance.now();
    const pending: Promise<void>[] = [];
    let loss = NaN;
    let rate = 0;
    let taken = from;
    let diverged = '';
    for (let s = from; s < steps && !hooks.signal?.aborted; s++) {
      this.step(s);
      taken += 1;
      // Updated in place: no allocation per step.
      this.position.epoch = epoch;
      this.position.step = s + 1;
      if (hooks.onCheckpoint && hooks.checkpointEvery && this.globalStep % hooks.checkpointEvery === 0 && s + 1 < steps) {
        // Mid-epoch only: the epoch's end is checkpointed by onEpoch, after its evaluation.
        await Promise.all(pending.splice(0));
        if (diverged) break;
        await hooks.onCheckpoint(this.position);
      }
      if (s % lossEvery === lossEvery - 1 || s === steps - 1) {
        // At most two reads in flight: bounds how far the CPU runs ahead of the GPU,
        // and gives a page's event loop a turn while the GPU works.
        if (pending.length >= 2) await pending.shift();
        const done = (s + 1 - from) * B;
        const step = s + 1;
        const maxInRow = this.options.maxSkippedInRow ?? 20;
        pending.push(
          gpu.read(this.guard ? this.guard.health : this.stats!).then((v) => {
            loss = v[0];
            rate = done / ((performance.now() - start) / 1000);
            // Noted here, thrown by the loop: a throw in this callback would be an unhandled rejection.
            if (diverged) return;
            if (!this.guard) {
              if (!Number.isFinite(loss)) diverged = `the loss is ${loss} at epoch ${epoch}, step ${step}`;
              return;
            }
            const h = healthReport(v);
            if (h.skippedInRow >= maxInRow) {
              diverged = `${h.skippedInRow} steps in a row up to epoch ${epoch}, step ${step} had a non-finite loss or gradient (${h.skippedTotal} in all); their updates were skipped, so the parameters are those of the last finite step`;
            }
          }),
        );
      } else gpu.flush();
      if (diverged) break;
      hooks.onStep?.({ epoch, step: s + 1, stepsPerEpoch: steps, loss, samplesPerSecond: rate });
    }
    await Promise.all(pending);
    const sum = await gpu.read(this.epochSum);
    // Guarded steps count themselves (sum[3]): skipped ones add nothing.
    const counted = this.guard ? sum[3] : taken;
    this.epochSkipped = taken - counted;
    const mean = sum[0] / Math.max(1, counted);
    if (diverged || !Number.isFinite(mean)) {
      throw new TrainingDivergedError(`training diverged: ${diverged || `the epoch's mean loss is ${mean} at epoch ${epoch}`}; lower the learning rate (now ${this.options.lr}) or check the data for values outside [0, 1]`);
    }
    return mean;
  }

  /** Writes the epoch's permutation and zeroes its loss sum (before its first step). */
  beginEpoch(epoch: number): void {
    this.gpu.write(this.order, this.epochOrder(epoch));
    fill(this.gpu, this.epochSum, 0);
  }

  /** One permutation per (seed, epoch): the same on every adapter, in the reference trainer and after a resume. */
  private epochOrder(epoch: number): Uint32Array {
    return permutation(this.train.n, epochSeed(this.options.seed, epoch));
  }

  /** Everything needed to continue exactly from `position` (read from the GPU after the work recorded so far). */
  async saveState(): Promise<TrainerState> {
    if (!this.optimizer) throw new WebGpuVaeError('the unfused benchmark step keeps its own optimizer state and cannot be checkpointed');
    return {
      ...this.position,
      globalStep: this.globalStep,
      params: await this.model.parameters.readFlat(),
      optimizer: await this.optimizer.readState(),
      epochSum: await this.gpu.read(this.epochSum),
      health: this.guard ? await this.gpu.read(this.guard.health) : new Float32Array(0),
    };
  }

  /** Continues from a saved state: fit({ startEpoch, startStep }) from resumePoint(state) then replays the same steps. */
  restoreState(state: TrainerState): void {
    if (!this.optimizer) throw new WebGpuVaeError('the unfused benchmark step cannot resume a checkpoint');
    this.model.parameters.writeFlat(state.params);
    this.optimizer.writeState(state.optimizer);
    this.gpu.write(this.epochSum, state.epochSum);
    if (this.guard) this.gpu.write(this.guard.health, state.health);
    this.globalStep = state.globalStep;
    this.position.epoch = state.epoch;
    this.position.step = state.step;
  }

  /** The fit() hooks that continue after `at`: the next epoch when it was finished, else the rest of it. */
  resumePoint(at: TrainPosition): { startEpoch: number; startStep: number } {
    return at.step >= this.stepsPerEpoch ? { startEpoch: at.epoch + 1, startStep: 0 } : { startEpoch: at.epoch, startStep: at.step };
  }

  /**
   * Records training step `s` of the current epoch (batch s of its permutation) into
   * the current command encoder; the caller submits (gpu.flush) or reads. The first
   * call captures the step, later calls replay it.
   */
  step(s: number): void {
    if (!Number.isInteger(s) || s < 0 || s >= this.stepsPerEpoch) throw new RangeError(`step ${s} is outside 0..${this.stepsPerEpoch - 1}`);
    const o = this.options;
    this.offset.value = s * o.batchSize;
    this.rngStep.value = this.globalStep % 2 ** 32;
    const totalSteps = this.stepsPerEpoch * o.epochs;
    this.lr.value = lrAt(this.globalStep, { base: o.lr, schedule: o.lrSchedule ?? { kind: 'constant' }, warmup: o.warmup ?? 0, totalSteps });
    this.beta.value = betaAt(this.globalStep, modelBeta(this.model), o.betaSchedule ?? { kind: 'constant' });
    if (!this.program) this.capture();
    else this.gpu.replay(this.program);
    this.globalStep += 1;
  }

  /** The captured training step (null before the first step), for profiling. */
  get stepProgram(): Program | null {
    return this.program;
  }

  /** The latest batch's (loss, recon, kl) on the GPU; null before the first step. */
  get batchStats(): Tensor | null {
    return this.stats;
  }

  /** Mean loss per image over a split, with fixed evaluation noise (deterministic). */
  evaluate(which: 'test' | 'train' = 'test'): Promise<LossSummary> {
    return evaluateLoss(this.model, which === 'test' ? this.test : this.train, this.options, this.options.seed);
  }

  /**
   * Tunes the step's kernels before it is captured: a probe records the step without
   * submitting it, which notes its GEMM classes in gpu.tuning, and the tuner times
   * those it has no choice for. Resolves with what was timed.
   */
  async tuneStep(options: TuneOptions): Promise<TuneReport[]> {
    if (this.program) throw new WebGpuVaeError('tuneStep: the step is already captured; tune before the first step');
    this.gpu.probe('train-step probe', () => this.recordStep());
    this.gpu.release(this.stats);
    this.stats = null;
    return tune(this.gpu, options);
  }

  private capture(): void {
    this.program = this.gpu.capture('train-step', () => this.recordStep());
  }

  /** Records one training step: gather, forward and loss, backward, guard, optimizer. */
  private recordStep(): void {
    const { gpu, model } = this;
    const { rows, cols } = { rows: model.config.imageRows, cols: model.config.imageCols };
    const key = { seed: this.options.seed, step: this.rngStep, phase: 'train' } as const;
    const tape = new Tape(gpu);
    const { batch, made } = gatherBatch(gpu, this.train, this.order, this.options.batchSize, this.offset, { rows, cols }, this.options, key);
    made.forEach((t) => tape.own(t));
    if (this.unfused) {
      this.stats = this.unfused.record(batch.input, batch.noise);
      axpy(gpu, 1, this.stats, this.epochSum.view([3]));
      tape.dispose();
      return;
    }
    const r = model.loss(tape, batch, { beta: this.beta });
    this.stats = tape.keep(r.stats);
    tape.backward(r.loss, gradRules);
    // A parameter the loss does not reach keeps a zero gradient, never last step's.
    for (const p of tape.unreached(model.parameters.all())) fill(gpu, p.gradView, 0);
    // The guard decides whether the step counts; the optimizer skips one that does not.
    recordGuard(gpu, this.guard!, model.parameters.grads, r.stats, this.epochSum);
    this.optimizer!.step();
    tape.dispose();
  }

  dispose(): void {
    if (this.program) this.gpu.disposeProgram(this.program);
    this.optimizer?.dispose();
    this.unfused?.dispose();
    releaseSplit(this.gpu, this.train);
    releaseSplit(this.gpu, this.test);
    this.gpu.release(this.order, this.epochSum, this.stats, this.guard?.found, this.guard?.health);
  }
}

/** The permutation seed of an epoch, derived so (seed, epoch) pairs do not collide. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + epoch) >>> 0;
}

/** A model's configured KL weight (0 for models without one). */
function modelBeta(model: Model): number {
  const beta = (model.config as { beta?: unknown }).beta;
  return typeof beta === 'number' ? beta : 0;
}

function isVae(model: Model): model is LatentModel {
  return model.config.kind === 'vae' && typeof (model as Partial<LatentModel>).encode === 'function';
}
