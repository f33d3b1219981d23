// `webgpu-vae train`: trains a model of the family and writes the run directory:
//   model.safetensors, config.json   the checkpoint (rewritten after every epoch)
//   metrics.jsonl                    one JSON line per epoch
//   training-state.safetensors       what --resume continues from (src/cli/run-state.ts),
//                                    after every epoch, every --checkpoint-every steps
//                                    and on Ctrl-C
//   reconstructions.png, samples.png pictures of the final model
// Every file is written atomically: an interrupted run leaves the checkpoint and
// metrics of its last finished epoch, and a state that resumes to the same
// parameters, bit for bit, as a run never interrupted. The pictures follow the mode:
// a conditional model's samples are one row per class; a denoising or inpainting
// model's reconstructions show the clean, the corrupted and the reconstructed rows.
import { join } from 'node:path';
import { subset, withoutClass, type Split } from '../data/dataset.js';
import { ensureDir, removeStaleTemps, writeFileAtomic } from '../io/files.js';
import { imageGrid, stackedRows } from '../io/plots.js';
import type { LatentModel } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { denseConfig } from '../models/config.js';
import { OPTIMIZERS } from '../optim/optimizer.js';
import type { Corruptions } from '../train/batch.js';
import { Trainer, TrainingDivergedError, type TrainPosition } from '../train/trainer.js';
import { DeviceLostError } from '../gpu/errors.js';
import { saveCheckpoint } from '../vae/checkpoint-files.js';
import { corruptedInputs } from '../vae/corrupted.js';
import { decode, priorSamples, reconstruct, sample } from '../vae/generate.js';
import { adapterOption, tuneOption, type Command } from './command.js';
import { asUsage, choiceOption, close, dataOption, jsonOption, numberOption, openData, openGpu, report, stringOption, tuneChoice, tuneOptions, UsageError, writePng, type Values } from './common.js';
import { corruptionOptions, describeModes, modelConfigFrom, modelOptions, scheduleOptions, trainingModesFrom } from './model-options.js';
import { TrainingProgress } from './progress.js';
import { InterruptedError, RunStoppedError } from './exit.js';
import { faultHook } from './faults.js';
import { loadRunState, saveRunState, STATE_FILE, type RunState } from './run-state.js';

export const trainCommand: Command = {
  summary: 'train a model of the VAE family and write its checkpoint, metrics and pictures to a run directory',
  options: {
    data: dataOption,
    out: { type: 'string', default: 'runs/vae', valueName: 'DIR', help: 'run directory to write' },
    epochs: { type: 'string', default: '10', valueName: 'N', help: 'passes over the training set' },
    'batch-size': { type: 'string', default: '128', valueName: 'N', help: 'images per step' },
    lr: { type: 'string', default: '0.001', valueName: 'X', help: 'learning rate (the peak of a schedule)' },
    optimizer: { type: 'string', default: 'adam', valueName: OPTIMIZERS.join('|'), help: 'optimizer (torch.optim defaults)' },
    ...modelOptions,
    ...corruptionOptions,
    ...scheduleOptions,
    seed: { type: 'string', default: '1', valueName: 'N', help: 'seed for weights, shuffling and noise' },
    'limit-train': { type: 'string', valueName: 'N', help: 'use only the first N training images' },
    'limit-test': { type: 'string', valueName: 'N', help: 'use only the first N test images' },
    'loss-every': { type: 'string', default: '10', valueName: 'N', help: 'steps between asynchronous loss reads for the progress bar' },
    'max-skipped': { type: 'string', default: '20', valueName: 'N', help: 'stop after N steps in a row with a non-finite loss or gradient (each is skipped, changing nothing)' },
    'checkpoint-every': { type: 'string', valueName: 'N', help: `also save ${STATE_FILE} every N steps (it is always saved after each epoch and on Ctrl-C)` },
    resume: { type: 'string', valueName: 'RUN', help: 'continue the run in RUN until it has --epochs epochs in all, with its own settings' },
    adapter: adapterOption,
    tune: tuneOption,
    json: jsonOption,
  },
  async run(parsed, given) {
    const resumed = parsed.resume === undefined ? null : await resumeRun(parsed, given);
    const values = resumed?.values ?? parsed;
    const settings = {
      epochs: numberOption(values, 'epochs', { integer: true, min: 1 }),
      batchSize: numberOption(values, 'batch-size', { integer: true, min: 1 }),
      lr: numberOption(values, 'lr', { min: Number.MIN_VALUE }),
      seed: numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }),
      optimizer: choiceOption(values, 'optimizer', OPTIMIZERS),
      lossEvery: numberOption(values, 'loss-every', { integer: true, min: 1 }),
      maxSkippedInRow: numberOption(values, 'max-skipped', { integer: true, min: 1 }),
    };
    const tune = tuneChoice(values);
    const checkpointEvery = values['checkpoint-every'] === undefined ? 0 : numberOption(values, 'checkpoint-every', { integer: true, min: 1 });
    const out = resumed?.dir ?? stringOption(values, 'out');
    const all = limit(await openData(values), values);
    const modes = trainingModesFrom(values, all);
    const data = modes.holdoutClass === null ? all : { ...all, train: withoutClass(all.train, modes.holdoutClass) };
    const config = asUsage(() => denseConfig(modelConfigFrom(values, data)));
    if (settings.batchSize > data.train.n) throw new UsageError(`--batch-size ${settings.batchSize} is larger than the training set (${data.train.n} images); use ${data.train.n} or less`);
    const stepsPerEpoch = Math.floor(data.train.n / settings.batchSize);
    if (modes.warmup >= settings.epochs * stepsPerEpoch) throw new UsageError(`--warmup ${modes.warmup} is not shorter than the run (${settings.epochs * stepsPerEpoch} steps)`);
    const done = resumed ? finishedEpochs(resumed.state.trainer, stepsPerEpoch) : 0;
    if (done > settings.epochs) throw new UsageError(`--epochs ${settings.epochs}: the run in ${out} already has ${done} epochs; ask for ${done} or more`);
    // The output directory before the GPU: a file in the way costs nothing.
    await ensureDir(out);
    await removeStaleTemps(out);
    const gpu = await openGpu(values);
    const model = createModel(gpu, config, { seed: settings.seed });
    const trainer = new Trainer(gpu, model, data, { ...settings, ...modes, tune: tuneOptions(tune, gpu) });
    if (resumed) trainer.restoreState(resumed.state.trainer);
    const training = { ...settings, ...describeModes(modes), data: String(values.data), train_images: data.train.n, test_images: data.test.n, adapter: gpu.adapter };
    const flags = storedFlags(values);
    const lines: string[] = resumed ? [...resumed.state.metrics] : [];
    // The state's lines are the truth: a kill between its write and metrics.jsonl's left one line behind.
    if (resumed) await writeFileAtomic(join(out, 'metrics.jsonl'), lines.map((l) => l + '\n').join(''));
    const progress = new TrainingProgress(settings.epochs);
    // Where the last state was saved, for the message of a run that stops (resumed runs start from theirs).
    let saved: TrainPosition | null = resumed ? resumed.state.trainer : null;
    const saveState = async () => {
      const state = await trainer.saveState();
      await saveRunState(out, { trainer: state, flags, metrics: lines });
      saved = { epoch: state.epoch, step: state.step };
    };
    const fault = faultHook(gpu, () => trainer.globalStep);
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort();
    process.once('SIGINT', onSigint);
    try {
      await trainer.fit({
        ...(resumed ? trainer.resumePoint(resumed.state.trainer) : {}),
        endEpoch: settings.epochs,
        signal: interrupt.signal,
        checkpointEvery,
        onCheckpoint: saveState,
        onStep: (p) => {
          progress.step(p);
          fault?.();
        },
        onEpoch: async (m) => {
          progress.epoch(m);
          lines.push(JSON.stringify(m));
          // The state first: it alone decides where a resume starts, and it holds the metrics lines.
          await saveState();
          await saveCheckpoint(out, model, { ...training, epochs_done: m.epoch });
          await writeFileAtomic(join(out, 'metrics.jsonl'), lines.join('\n') + '\n');
        },
      });
      if (interrupt.signal.aborted) {
        const at = trainer.position;
        if (at.step > 0 && at.step < stepsPerEpoch) await saveState();
        throw new InterruptedError(`interrupted at epoch ${at.epoch}, step ${at.step} of ${stepsPerEpoch}; ${out}/${STATE_FILE} holds it: continue with 'webgpu-vae train --resume ${out} --epochs ${settings.epochs}'`);
      }
    } catch (e) {
      if (e instanceof DeviceLostError || e instanceof TrainingDivergedError) {
        // A diverged run would diverge again from its state with the same settings: name the state, not a resume.
        const next = e instanceof DeviceLostError ? `: continue with 'webgpu-vae train --resume ${out}'` : '';
        const last = saved ? `the last checkpoint is ${out}/${STATE_FILE} (epoch ${saved.epoch}, step ${saved.step})${next}` : 'no checkpoint was saved yet (the first is written after epoch 1, or use --checkpoint-every N)';
        throw new RunStoppedError(`${e.message}; ${last}`, { cause: e });
      }
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
    await writePictures(model, data, out, settings.seed, modes);
    const last = lines.length ? (JSON.parse(lines[lines.length - 1]) as Record<string, unknown>) : {};
    report(values, { out, ...last, adapter: gpu.adapter.name }, `wrote ${out}/{model.safetensors, config.json, metrics.jsonl, ${STATE_FILE}, reconstructions.png, samples.png}`);
    trainer.dispose();
    model.dispose();
    close(gpu);
    return 0;
  },
};

/** Flags a resume may change: how long, where and how it runs, not what it trains. */
const RESUME_MAY_CHANGE = new Set(['epochs', 'adapter', 'tune', 'json', 'loss-every', 'checkpoint-every', 'max-skipped', 'resume']);

/** The flags as the run keeps them: everything that decides what is trained. */
function storedFlags(values: Values): Values {
  return Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== undefined && k !== 'resume' && k !== 'json'));
}

/** The run to resume and the flags to use: the run's own, with the few a resume may change. */
async function resumeRun(values: Values, given: ReadonlySet<string>): Promise<{ dir: string; state: RunState; values: Values }> {
  const dir = stringOption(values, 'resume');
  if (given.has('out')) throw new UsageError(`--out cannot be combined with --resume: the run continues in ${dir}; drop --out`);
  const state = await loadRunState(dir);
  for (const key of given) {
    if (RESUME_MAY_CHANGE.has(key)) continue;
    const was = state.flags[key];
    if (String(values[key]) !== String(was)) {
      throw new UsageError(`--${key} ${String(values[key])} differs from the run's ${was === undefined ? 'setting (unset)' : `--${key} ${String(was)}`}; a resume continues ${dir} with its own settings: drop --${key}, or start a new run with --out`);
    }
  }
  const merged: Values = { ...values, ...state.flags };
  for (const key of given) if (RESUME_MAY_CHANGE.has(key)) merged[key] = values[key];
  return { dir, state, values: merged };
}

/** Epochs a saved position has finished. */
function finishedEpochs(at: TrainPosition, stepsPerEpoch: number): number {
  return at.step >= stepsPerEpoch ? at.epoch : at.epoch - 1;
}

function limit(data: Split, values: Values): Split {
  const cut = (ds: Split['train'], name: string) => (values[name] === undefined ? ds : subset(ds, 0, Math.min(ds.n, numberOption(values, name, { integer: true, min: 1 }))));
  return { train: cut(data.train, 'limit-train'), test: cut(data.test, 'limit-test') };
}

async function writePictures(model: LatentModel, data: Split, out: string, seed: number, corruptions: Corruptions): Promise<void> {
  const { imageRows: rows, imageCols: cols, classes } = model.config;
  const n = Math.min(32, data.test.n);
  const test = subset(data.test, 0, n);
  const labels = classes ? test.labels : null;
  const { input } = await corruptedInputs(model.gpu, test, classes, corruptions, seed);
  const recon = await reconstruct(model, input, n, labels);
  const corrupted = Boolean(corruptions.corruption || corruptions.mask || corruptions.binarize);
  await writePng(join(out, 'reconstructions.png'), stackedRows(corrupted ? [test.images, input, recon] : [test.images, recon], n, rows, cols, 16, { scale: 2 }));
  await writePng(join(out, 'samples.png'), classes ? await classRows(model, seed) : imageGrid(await sample(model, 64, seed), 64, rows, cols, 8, { scale: 2 }));
}

/** A conditional model's samples: one row per class, the same 8 prior draws in every row. */
async function classRows(model: LatentModel, seed: number): Promise<ReturnType<typeof imageGrid>> {
  const { imageRows: rows, imageCols: cols, classes, latent } = model.config;
  const perRow = 8;
  const draws = await priorSamples(model, perRow, seed);
  const z = new Float32Array(classes * perRow * latent);
  for (let c = 0; c < classes; c++) z.set(draws, c * perRow * latent);
  const labels = Array.from({ length: classes * perRow }, (_, i) => Math.floor(i / perRow));
  return imageGrid(await decode(model, z, classes * perRow, labels), classes * perRow, rows, cols, perRow, { scale: 2 });
}
