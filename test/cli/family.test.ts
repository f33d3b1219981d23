// The family's modes from the command line, each a short run on the embedded digits:
// a conditional model draws one row per class and a chosen class, and morphs one
// class into another at fixed z; a plain autoencoder has no log-variance head and no
// KL; denoising and inpainting runs show clean, corrupted and reconstructed rows;
// `reconstruct` corrupts or masks on any model; bad mode flags get one line, exit 2.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { cli, cliJson } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-family-'));
const small = ['--epochs', '2', '--limit-train', '512', '--limit-test', '64', '--hidden', '32', '--latent', '4', '--batch-size', '64', ...adapter];
const runs = { cvae: join(dir, 'cvae'), ae: join(dir, 'ae'), denoise: join(dir, 'denoise'), inpaint: join(dir, 'inpaint') };
const trained: Record<string, Record<string, any>> = {};

/** A PNG's size and pixels (grey or RGB, first channel). */
function png(path: string): { width: number; height: number; gray: (x: number, y: number) => number } {
  const image = decode(readFileSync(path));
  const channels = image.channels;
  return { width: image.width, height: image.height, gray: (x, y) => image.data[(y * image.width + x) * channels] };
}

/** Height of `blocks` blocks of `groups` rows of 28x28 digits at scale 2 with pad 2 and a 3-pad gap (src/io/plots.ts). */
const stackedHeight = (groups: number, blocks: number) => 2 * 2 + blocks * (groups * 56 + (groups - 1) * 2) + (blocks - 1) * 6;
/** Height of a grid of `rows` rows of 28x28 digits at scale 2, pad 2. */
const gridHeight = (rows: number) => rows * 56 + (rows + 1) * 2;

const shapes = (run: string) => Object.fromEntries(Object.entries(decodeSafetensors(readFileSync(join(run, 'model.safetensors'))).tensors).map(([k, t]) => [k, t.shape]));
const config = (run: string) => JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));

beforeAll(() => {
  trained.cvae = cliJson('train', '--out', runs.cvae, '--conditional', ...small);
  trained.ae = cliJson('train', '--out', runs.ae, '--model', 'ae', ...small);
  trained.denoise = cliJson('train', '--out', runs.denoise, '--denoise', 'saltpepper:0.2', ...small);
  trained.inpaint = cliJson('train', '--out', runs.inpaint, '--inpaint', 'half:left', '--beta-schedule', 'linear:8', '--lr-schedule', 'cosine', '--warmup', '2', ...small);
}, 180_000);

describe('conditional VAE', () => {
  it("joins the label's one-hot to both inputs; samples.png is one row per class", () => {
    expect(config(runs.cvae).model).toMatchObject({ kind: 'vae', classes: 10 });
    expect(shapes(runs.cvae)['fc1.weight']).toEqual([32, 784 + 10]);
    expect(shapes(runs.cvae)['fc3.weight']).toEqual([32, 4 + 10]);
    expect(png(join(runs.cvae, 'samples.png')).height).toBe(gridHeight(10));
  });

  it('sample --class draws that class; interpolate morphs one class into another', () => {
    const out = join(dir, 'seven.png');
    expect(cliJson('sample', '--checkpoint', runs.cvae, '--out', out, '--n', '8', '--class', '7', ...adapter)).toMatchObject({ class: 7, n: 8 });
    const other = join(dir, 'one.png');
    cliJson('sample', '--checkpoint', runs.cvae, '--out', other, '--n', '8', '--class', '1', ...adapter);
    // Same prior draws, different label: the pictures differ.
    expect(readFileSync(out).equals(readFileSync(other))).toBe(false);
    const strip = join(dir, 'morph.png');
    expect(cliJson('interpolate', '--checkpoint', runs.cvae, '--out', strip, '--from-class', '1', '--to-class', '7', '--steps', '6', ...adapter)).toMatchObject({ from: 'class 1', to: 'class 7' });
    expect(png(strip).width).toBe(6 * 56 + 7 * 2);
  });
});

describe('plain autoencoder', () => {
  it('has no log-variance head and no KL', () => {
    expect(config(runs.ae).model).toMatchObject({ kind: 'ae', beta: 0 });
    expect(Object.keys(shapes(runs.ae)).sort()).toEqual(['fc1.bias', 'fc1.weight', 'fc21.bias', 'fc21.weight', 'fc3.bias', 'fc3.weight', 'fc4.bias', 'fc4.weight']);
    expect(trained.ae.kl).toBe(0);
    expect(trained.ae.test_loss).toBe(trained.ae.recon);
    const latent = join(dir, 'ae-latent.png');
    expect(cliJson('latent', '--checkpoint', runs.ae, '--out', latent, ...adapter).projection).toBe('pca');
  });
});

describe('denoising and inpainting', () => {
  it('reconstructions.png shows clean, corrupted and reconstructed rows', () => {
    for (const run of [runs.denoise, runs.inpaint]) expect(png(join(run, 'reconstructions.png')).height).toBe(stackedHeight(3, 2));
    expect(config(runs.denoise).training).toMatchObject({ denoise: 'saltpepper:0.2' });
    expect(config(runs.inpaint).training).toMatchObject({ inpaint: 'half:left', beta_schedule: 'linear:8', lr_schedule: 'cosine', warmup: 2 });
    // The inpainting input hides the left half: those pixels of the middle row are black.
    const p = png(join(runs.inpaint, 'reconstructions.png'));
    const top = 2 + 56 + 2;
    for (let y = top; y < top + 56; y += 5) for (let x = 2; x < 2 + 28; x += 3) expect(p.gray(x, y)).toBe(0);
  });

  it('reconstruct corrupts or masks the input of any model', () => {
    const out = join(dir, 'masked.png');
    expect(cliJson('reconstruct', '--checkpoint', runs.cvae, '--out', out, '--n', '16', '--mask', '8,8,12,12', ...adapter).rows).toEqual(['clean', 'input', 'reconstruction']);
    expect(png(out).height).toBe(stackedHeight(3, 1));
    const noisy = join(dir, 'noisy.png');
    expect(cliJson('reconstruct', '--checkpoint', runs.ae, '--out', noisy, '--n', '16', '--denoise', 'gaussian:0.5', ...adapter).rows).toHaveLength(3);
    // A denoising run corrupts by default, as it was trained.
    expect(cliJson('reconstruct', '--checkpoint', runs.denoise, '--out', noisy, '--n', '16', ...adapter).rows).toHaveLength(3);
  });
});

describe('mode flags', () => {
  it('name the problem and the fix, exit 2, no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['train', '--denoise', 'fog:1'], /--denoise must be gaussian:S/],
      [['train', '--inpaint', 'box:40'], /does not fit inside 28x28/],
      [['train', '--hidden', '400,0'], /--hidden must be one or more positive integers/],
      [['train', '--model', 'gan'], /--model must be one of vae, ae/],
      [['train', '--lr-schedule', 'wavy'], /--lr-schedule must be constant, cosine or step/],
      [['train', '--beta-schedule', 'linear:0'], /beta-schedule/],
      [['train', '--holdout-class', '12'], /--holdout-class must be an integer in 0..9/],
      [['train', '--sigma', '0'], /--sigma must be a number/],
      [['sample', '--checkpoint', runs.ae, '--out', join(dir, 'x.png'), '--class', '3'], /--class needs a conditional model/],
      [['reconstruct', '--checkpoint', runs.ae, '--out', join(dir, 'x.png'), '--mask', '20,20,12,12'], /--mask 20,20,12,12 must be a rectangle inside the 28x28 image/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args, ...adapter);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});
