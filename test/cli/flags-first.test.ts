// Every command checks every flag it takes before it opens an adapter: numbers,
// choices, paths, and the ranges that depend on the data or the checkpoint (which load
// without a GPU). A bad value is then the only line printed, with exit 2, and costs no
// adapter start: stderr holds no 'webgpu-vae: adapter ...' line and no stack trace.
// One tiny trained run, plus untrained conditional and autoencoder checkpoints and a
// copy of the run with an impossible training.holdout_class (written without a GPU).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { denseConfig } from '../../src/models/config.js';
import { denseParameterSpecs, initialDenseParameters } from '../../src/models/dense.js';
import { mulberry32 } from '../../src/random.js';
import { encodeCheckpoint, encodeConfig } from '../../src/vae/checkpoint.js';
import { cli } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-flags-'));
const run = join(dir, 'run'); // trained: dense VAE 784-16-2, not conditional
const cvae = join(dir, 'cvae'); // untrained conditional VAE, 10 classes, latent 2
const ae = join(dir, 'ae'); // untrained plain autoencoder
const held = join(dir, 'held'); // the run, with training.holdout_class 12
const png = join(dir, 'x.png');

// The embedded digits' test labels pick rows that depend on the data.
const labels = (await loadDataset('mnist')).test.labels;
const otherLabel = labels.findIndex((l) => l !== labels[0]);
const absent = (labels[0] + 1) % 10;

/** A run directory holding an untrained dense model of this config (no GPU needed to write one). */
function untrainedRun(path: string, config: Parameters<typeof denseConfig>[0]): void {
  const c = denseConfig(config);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'model.safetensors'), encodeCheckpoint(denseParameterSpecs(c), initialDenseParameters(c, mulberry32(3))));
  writeFileSync(join(path, 'config.json'), encodeConfig(c));
}

beforeAll(() => {
  const r = cli('train', '--out', run, '--epochs', '1', '--limit-train', '256', '--limit-test', '64', '--hidden', '16', '--latent', '2', '--batch-size', '64', ...adapter);
  if (r.code !== 0) throw new Error(`train exited ${r.code}:\n${r.stderr}`);
  untrainedRun(cvae, { kind: 'vae', hidden: 8, latent: 2, classes: 10 });
  untrainedRun(ae, { kind: 'ae', hidden: 8, latent: 2 });
  mkdirSync(held);
  copyFileSync(join(run, 'model.safetensors'), join(held, 'model.safetensors'));
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
  writeFileSync(join(held, 'config.json'), JSON.stringify({ ...config, training: { ...config.training, holdout_class: 12 } }));
}, 180_000);

/** The command and its flags (given after --adapter, so a row may override it), and the one line expected after 'webgpu-vae: '. */
const cases: [string, string[], string][] = [
  ['sample', ['--checkpoint', cvae, '--out', png, '--class', '10'], "--class must be an integer in 0..9, got '10'"],
  ['sample', ['--checkpoint', run, '--out', png, '--class', '0'], '--class needs a conditional model (trained with --conditional); this one is not'],
  ['reconstruct', ['--checkpoint', run, '--out', png, '--mask', '20,20,12,12'], '--mask 20,20,12,12 must be a rectangle inside the 28x28 image: x + w <= 28, y + h <= 28, w and h >= 1'],
  ['reconstruct', ['--checkpoint', run, '--out', png, '--denoise', 'blur:2'], "--denoise must be gaussian:S with S > 0, saltpepper:P or dropout:P with 0 < P < 1, got 'blur:2'"],
  ['interpolate', ['--checkpoint', run, '--out', png, '--from', '0', '--to', '999999'], "--to must be an integer in 0..999, got '999999'"],
  ['interpolate', ['--checkpoint', run, '--out', png, '--from-class', '12', '--to-class', '1'], "--from-class must be an integer in 0..9, got '12'"],
  ['interpolate', ['--checkpoint', cvae, '--out', png, '--from-class', '0', '--to-class', '10'], "--to-class must be an integer in 0..9, got '10'"],
  ['interpolate', ['--checkpoint', cvae, '--out', png, '--from', '0', '--to', String(otherLabel)], 'a conditional model interpolates between two images of the same class, or between classes with --from-class and --to-class'],
  ['latent', ['--checkpoint', cvae, '--out', png, '--class', '10'], "--class must be an integer in 0..9, got '10'"],
  ['traverse', ['--checkpoint', run, '--out', png, '--dims', '3'], "--dims must be an integer in 1..2, got '3'"],
  ['traverse', ['--checkpoint', run, '--out', png, '--index', '1000'], "--index must be an integer in 0..999, got '1000'"],
  ['evaluate', ['--checkpoint', run, '--seed=x'], "--seed must be an integer in 0..4294967295, got 'x'"],
  ['evaluate', ['--checkpoint', ae, '--iw', '4'], "--iw 4: the IWAE bound needs a VAE (kind 'vae'); this model is a plain autoencoder"],
  ['evaluate', ['--checkpoint', run, '--inpaint', 'box:40'], "--inpaint box:40: a 40x40 box does not fit inside 28x28 images (rows x cols): K must be at most 28, got 'box:40'"],
  ['anomaly', ['--checkpoint', run, '--out', join(dir, 'a'), '--seed=x'], "--seed must be an integer in 0..4294967295, got 'x'"],
  ['anomaly', ['--checkpoint', ae, '--out', join(dir, 'a'), '--samples', '4'], "--samples 4: anomaly scores from 4 importance samples need a VAE (kind 'vae'); this model is a plain autoencoder, score it with 1 sample (its reconstruction NLL)"],
  ['anomaly', ['--checkpoint', run, '--out', join(dir, 'a'), '--limit-test', '1', '--class', String(absent)], `--class ${absent}: 0 of the 1 test images have that label; the ROC AUC needs images of the class and of others`],
  ['anomaly', ['--checkpoint', held, '--out', join(dir, 'a')], "the checkpoint's training.holdout_class is 12, not a class of this data (0..9); pass --class K"],
  ['bench', ['--batch', '20000'], '--batch 20000 is larger than the 9000 training images; use 9000 or less'],
  ['bench', ['--tune', 'fast'], "--tune must be one of auto, off, quick, full, got 'fast'"],
  ['train', ['--out', join(dir, 't'), '--tune', 'fast'], "--tune must be one of auto, off, quick, full, got 'fast'"],
  ['info', ['--adapter', 'bogus'], "--adapter must be one of auto, gpu, llvmpipe, swiftshader, got 'bogus'"],
];

describe('every flag is checked before the adapter opens', () => {
  for (const [command, args, message] of cases) {
    it(`${command} ${args.filter((a) => !a.startsWith(dir)).join(' ')}`, () => {
      const r = cli(command, ...adapter, ...args);
      expect(r.stderr).not.toMatch(/^webgpu-vae: adapter /m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).toBe(`webgpu-vae: ${message}\n`);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
    });
  }
});
