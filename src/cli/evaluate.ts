// `webgpu-vae evaluate`: a checkpoint's loss per test image (nats), with the same
// fixed evaluation noise the trainer uses, so the number is reproducible. A run
// trained with --denoise, --inpaint or --binarize is evaluated the way it trained
// (the flags here override). With --iw K also the K-sample importance-weighted bound
// (src/vae/iwae.ts): `iwae`, an estimate of log p(x) per image (negative), and
// `nll_iw` = -iwae, on the binarised test digits for a --binarize run. An inpainting
// model also reports the squared error per hidden pixel beside the mean-image
// baseline's (`masked_mse`, `baseline_mse`).
import type { ImageDataset } from '../data/dataset.js';
import type { Gpu } from '../gpu/runtime.js';
import type { LatentModel } from '../models/model.js';
import type { Corruptions } from '../train/batch.js';
import { corruptedInputs, maskedError, meanImage, type MaskedError } from '../vae/corrupted.js';
import { evaluateImages } from '../vae/evaluate.js';
import { reconstruct } from '../vae/generate.js';
import { importanceWeightedBound } from '../vae/iwae.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, dataOption, jsonOption, modelOf, numberOption, openCheckpoint, openData, openGpu, report, UsageError, type Values } from './common.js';
import { corruptionOptions, corruptionsFrom, corruptionsOfRun } from './model-options.js';

export const evaluateCommand: Command = {
  summary: "a checkpoint's test loss per image (reconstruction + beta*KL, in nats), the IWAE bound, the inpainting error",
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    seed: { type: 'string', valueName: 'N', help: "evaluation noise seed (default: the checkpoint's training seed)" },
    iw: { type: 'string', valueName: 'K', help: 'also the K-sample importance-weighted bound (Burda et al. 2015) of log p(x), as iwae and nll_iw = -iwae (VAE only)' },
    ...corruptionOptions,
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const { iw, data, ckpt, seed, corruptions } = await parseEvaluate(values);
    const test = data.test;
    const gpu = await openGpu(values);
    const model = modelOf(gpu, ckpt);
    const r = await evaluateImages(model, test, seed, corruptions);
    const result: Record<string, unknown> = { test_loss: r.loss, recon: r.recon, kl: r.kl, n: r.n };
    let line = `test loss ${r.loss.toFixed(3)} nats/image (recon ${r.recon.toFixed(3)}, kl ${r.kl.toFixed(3)}) over ${r.n} images`;
    if (iw !== null) {
      // The bound is of the images the model learned: binarised ones for a --binarize run.
      const images = corruptions.binarize ? await binarised(gpu, test, model.config.classes, seed) : test;
      const b = await importanceWeightedBound(model, images, iw, seed);
      Object.assign(result, { iwae: b.bound, nll_iw: -b.bound });
      line += `; iwae ${b.bound.toFixed(3)} (nll_iw ${(-b.bound).toFixed(3)} nats/image, k = ${iw})`;
    }
    if (corruptions.mask) {
      const e = await inpaintingError(model, test, data.train, corruptions, seed);
      Object.assign(result, e);
      line += `; inpainting: ${e.masked_mse.toFixed(4)} squared error per hidden pixel (mean image: ${e.baseline_mse.toFixed(4)})`;
    }
    report(values, result, line);
    close(gpu);
    return 0;
  },
};

/**
 * Every flag, checked against the data and the checkpoint (both read without a GPU)
 * before the adapter opens, so a usage error is the only line printed. The seed and
 * the corruptions default to the run's own; --denoise and --inpaint override them.
 */
async function parseEvaluate(values: Values) {
  const iw = values.iw !== undefined ? numberOption(values, 'iw', { integer: true, min: 1 }) : null;
  const data = await openData(values);
  const ckpt = await openCheckpoint(values, data);
  const { kind, imageRows: rows, imageCols: cols } = ckpt.config.model;
  const training = ckpt.config.training;
  if (iw !== null && kind !== 'vae') throw new UsageError(`--iw ${iw}: the IWAE bound needs a VAE (kind 'vae'); this model is a plain autoencoder`);
  const seed = values.seed !== undefined ? numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) : Number(training?.seed ?? 1);
  const given = corruptionsFrom(values, { rows, cols });
  const run = corruptionsOfRun(training, { rows, cols });
  const corruptions: Corruptions = { ...run, ...(given.corruption ? { corruption: given.corruption } : {}), ...(given.mask ? { mask: given.mask } : {}) };
  return { iw, data, ckpt, seed, corruptions };
}

/** The test digits binarised with the evaluation draws (the targets a --binarize run's test loss used). */
async function binarised(gpu: Gpu, test: ImageDataset, classes: number, seed: number): Promise<ImageDataset> {
  const { input } = await corruptedInputs(gpu, test, classes, { binarize: true }, seed);
  return { ...test, images: input, name: `${test.name} (binarised)` };
}

async function inpaintingError(model: LatentModel, test: ImageDataset, train: ImageDataset, c: Corruptions, seed: number): Promise<MaskedError> {
  const { input, mask } = await corruptedInputs(model.gpu, test, model.config.classes, c, seed);
  const recon = await reconstruct(model, input, test.n, model.config.classes ? test.labels : null);
  return maskedError(recon, test.images, mask!, meanImage(train));
}
