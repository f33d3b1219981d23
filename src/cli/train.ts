// `webgpu-vae train`: trains a model of the family and writes the run directory:
//   model.safetensors, config.json   the checkpoint (rewritten after every epoch)
//   metrics.jsonl                    one JSON line per epoch
//   reconstructions.png, samples.png pictures of the final model
// Every file is written atomically after each epoch: an interrupted run leaves the
// checkpoint and metrics of its last finished epoch. The pictures follow the mode:
// a conditional model's samples are one row per class; a denoising or inpainting
// model's reconstructions show the clean, the corrupted and the reconstructed rows.
import { join } from 'node:path';
import { subset, withoutClass, type Split } from '../data/dataset.js';
import { ensureDir, writeFileAtomic } from '../io/files.js';
import { imageGrid, stackedRows } from '../io/plots.js';
import type { LatentModel } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { denseConfig } from '../models/config.js';
import { OPTIMIZERS } from '../optim/optimizer.js';
import type { Corruptions } from '../train/batch.js';
import { Trainer } from '../train/trainer.js';
import { saveCheckpoint } from '../vae/checkpoint-files.js';
import { corruptedInputs } from '../vae/corrupted.js';
import { decode, priorSamples, reconstruct, sample } from '../vae/generate.js';
import { adapterOption, type Command } from './command.js';
import { asUsage, choiceOption, close, dataOption, jsonOption, numberOption, openData, openGpu, report, stringOption, UsageError, writePng, type Values } from './common.js';
import { corruptionOptions, describeModes, modelConfigFrom, modelOptions, scheduleOptions, trainingModesFrom } from './model-options.js';
import { TrainingProgress } from './progress.js';

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
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const settings = {
      epochs: numberOption(values, 'epochs', { integer: true, min: 1 }),
      batchSize: numberOption(values, 'batch-size', { integer: true, min: 1 }),
      lr: numberOption(values, 'lr', { min: Number.MIN_VALUE }),
      seed: numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }),
      optimizer: choiceOption(values, 'optimizer', OPTIMIZERS),
      lossEvery: numberOption(values, 'loss-every', { integer: true, min: 1 }),
    };
    const out = stringOption(values, 'out');
    const all = limit(await openData(values), values);
    const modes = trainingModesFrom(values, all);
    const data = modes.holdoutClass === null ? all : { ...all, train: withoutClass(all.train, modes.holdoutClass) };
    const config = asUsage(() => denseConfig(modelConfigFrom(values, data)));
    if (settings.batchSize > data.train.n) throw new UsageError(`--batch-size ${settings.batchSize} is larger than the training set (${data.train.n} images); use ${data.train.n} or less`);
    if (modes.warmup >= settings.epochs * Math.floor(data.train.n / settings.batchSize)) throw new UsageError(`--warmup ${modes.warmup} is not shorter than the run (${settings.epochs * Math.floor(data.train.n / settings.batchSize)} steps)`);
    const gpu = await openGpu(values);
    const model = createModel(gpu, config, { seed: settings.seed });
    const trainer = new Trainer(gpu, model, data, { ...settings, ...modes });
    await ensureDir(out);
    const training = { ...settings, ...describeModes(modes), data: String(values.data), train_images: data.train.n, test_images: data.test.n, adapter: gpu.adapter };
    const progress = new TrainingProgress(settings.epochs);
    const lines: string[] = [];
    const metrics = await trainer.fit({
      onStep: (p) => progress.step(p),
      onEpoch: async (m) => {
        progress.epoch(m);
        lines.push(JSON.stringify(m));
        await saveCheckpoint(out, model, { ...training, epochs_done: m.epoch });
        await writeFileAtomic(join(out, 'metrics.jsonl'), lines.join('\n') + '\n');
      },
    });
    await writePictures(model, data, out, settings.seed, modes);
    const last = metrics[metrics.length - 1];
    report(values, { out, ...last, adapter: gpu.adapter.name }, `wrote ${out}/{model.safetensors, config.json, metrics.jsonl, reconstructions.png, samples.png}`);
    trainer.dispose();
    model.dispose();
    close(gpu);
    return 0;
  },
};

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
