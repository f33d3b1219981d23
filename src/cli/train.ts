// `webgpu-vae train`: trains the classic VAE and writes the run directory:
//   model.safetensors, config.json   the checkpoint (rewritten after every epoch)
//   metrics.jsonl                    one JSON line per epoch
//   reconstructions.png, samples.png pictures of the final model
// Every file is written atomically after each epoch: an interrupted run leaves the
// checkpoint and metrics of its last finished epoch.
import { join } from 'node:path';
import { subset, type Split } from '../data/dataset.js';
import { ensureDir, writeFileAtomic } from '../io/files.js';
import { pairedRows, imageGrid } from '../io/plots.js';
import { ACTIVATIONS } from '../ops/activation.js';
import { OPTIMIZERS } from '../optim/optimizer.js';
import { saveCheckpoint } from '../vae/checkpoint-files.js';
import { reconstruct, sample } from '../vae/generate.js';
import { Vae } from '../models/vae.js';
import { Trainer } from '../train/trainer.js';
import { adapterOption, type Command } from './command.js';
import { choiceOption, close, dataOption, jsonOption, numberOption, openData, openGpu, report, stringOption, writePng, type Values } from './common.js';
import { TrainingProgress } from './progress.js';

export const trainCommand: Command = {
  summary: 'train a VAE and write its checkpoint, metrics and pictures to a run directory',
  options: {
    data: dataOption,
    out: { type: 'string', default: 'runs/vae', valueName: 'DIR', help: 'run directory to write' },
    epochs: { type: 'string', default: '10', valueName: 'N', help: 'passes over the training set' },
    'batch-size': { type: 'string', default: '128', valueName: 'N', help: 'images per step' },
    lr: { type: 'string', default: '0.001', valueName: 'X', help: 'learning rate' },
    optimizer: { type: 'string', default: 'adam', valueName: OPTIMIZERS.join('|'), help: 'optimizer (torch.optim defaults)' },
    hidden: { type: 'string', default: '400', valueName: 'N', help: 'hidden layer width' },
    latent: { type: 'string', default: '20', valueName: 'N', help: 'latent dimensions' },
    beta: { type: 'string', default: '1', valueName: 'X', help: 'weight of the KL term (beta-VAE when > 1)' },
    likelihood: { type: 'string', default: 'bernoulli', valueName: 'bernoulli|gaussian', help: 'reconstruction loss: BCE from logits, or squared error' },
    activation: { type: 'string', default: 'relu', valueName: 'NAME', help: `hidden activation (${ACTIVATIONS.join(', ')})` },
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
    const modelOptions = {
      hidden: numberOption(values, 'hidden', { integer: true, min: 1 }),
      latent: numberOption(values, 'latent', { integer: true, min: 1 }),
      beta: numberOption(values, 'beta', { min: 0 }),
      likelihood: choiceOption(values, 'likelihood', ['bernoulli', 'gaussian'] as const),
      activation: choiceOption(values, 'activation', ACTIVATIONS),
    };
    const out = stringOption(values, 'out');
    const data = limit(await openData(values), values);
    const gpu = await openGpu(values);
    const model = new Vae(gpu, { ...modelOptions, inputSize: data.train.rows * data.train.cols, imageRows: data.train.rows, imageCols: data.train.cols }, { seed: settings.seed });
    const trainer = new Trainer(gpu, model, data, settings);
    await ensureDir(out);
    const training = { ...settings, data: String(values.data), train_images: data.train.n, test_images: data.test.n, adapter: gpu.adapter };
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
    await writePictures(model, data, out, settings.seed);
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

async function writePictures(model: Vae, data: Split, out: string, seed: number): Promise<void> {
  const { imageRows: rows, imageCols: cols } = model.config;
  const n = Math.min(32, data.test.n);
  const originals = data.test.images.subarray(0, n * rows * cols);
  await writePng(join(out, 'reconstructions.png'), pairedRows(originals, await reconstruct(model, originals, n), n, rows, cols, 16, { scale: 2 }));
  await writePng(join(out, 'samples.png'), imageGrid(await sample(model, 64, seed), 64, rows, cols, 8, { scale: 2 }));
}
