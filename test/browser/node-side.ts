// What the browser test does with the library in Node: train a tiny checkpoint the
// way `webgpu-vae train` writes one (model.safetensors + config.json), for the page to
// load, and evaluate any checkpoint's test loss, to compare with the page's number.
// Latent size 3, so the page's map has to use principal components.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createNodeGpu, decodeDatasetBinary, evaluateImages, loadCheckpoint, saveCheckpoint, subset, Trainer, Vae } from '../../src/node.js';
import type { Gpu, Split } from '../../src/node.js';
import { DATASET_FILE } from '../../demo/build.js';
import { DEMO_BUNDLE } from '../../demo/paths.js';

export const NODE_MODEL = { hidden: 48, latent: 3 };
const EPOCHS = 3;

export function openNodeGpu(): Promise<Gpu> {
  return createNodeGpu({ adapter: 'llvmpipe', log: null });
}

export async function closeNodeGpu(gpu: Gpu): Promise<void> {
  await gpu.finish();
  gpu.destroy();
  gpu.device.destroy();
}

/** The digits exactly as the page has them (pixels stored as bytes in digits.bin). */
export async function pageDigits(): Promise<Split> {
  return decodeDatasetBinary(new Uint8Array(await readFile(join(DEMO_BUNDLE, DATASET_FILE))));
}

/** Trains three epochs on 2,000 digits (a few seconds on llvmpipe) and saves the checkpoint in `dir`. */
export async function trainNodeCheckpoint(gpu: Gpu, digits: Split, dir: string, seed: number): Promise<void> {
  const data = { train: subset(digits.train, 0, 2000), test: subset(digits.test, 0, 100) };
  const model = new Vae(gpu, { ...NODE_MODEL, inputSize: 784, imageRows: 28, imageCols: 28 }, { seed });
  const trainer = new Trainer(gpu, model, data, { batchSize: 32, epochs: EPOCHS, lr: 3e-3, seed });
  await trainer.fit();
  await saveCheckpoint(dir, model, { epochs_done: EPOCHS, adapter: gpu.adapter });
  trainer.dispose();
  model.dispose();
}

/** The test loss of the checkpoint in `dir` over the first n test digits, with evaluation seed `seed`. */
export async function nodeTestLoss(gpu: Gpu, digits: Split, dir: string, n: number, seed: number): Promise<number> {
  const { config, values } = await loadCheckpoint(dir);
  const model = new Vae(gpu, config.model, { values });
  try {
    return (await evaluateImages(model, subset(digits.test, 0, n), seed)).loss;
  } finally {
    model.dispose();
  }
}
