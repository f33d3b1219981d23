// `webgpu-vae traverse` end to end: on a tiny trained run it writes one labelled row
// per latent dimension, ranked by KL; --dims keeps the top N; an autoencoder's rows
// are ranked by code variance; a conditional model's image keeps its label; bad
// input gets one line and exit 2.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.js';
import { denseConfig } from '../../src/models/config.js';
import { denseParameterSpecs, initialDenseParameters } from '../../src/models/dense.js';
import { mulberry32 } from '../../src/random.js';
import { encodeCheckpoint, encodeConfig } from '../../src/vae/checkpoint.js';
import { cli, cliJson } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-traverse-'));
const run = join(dir, 'run');

// The plot's geometry (src/cli/traverse.ts): 28x28 digits at scale 2, 2 pixels of padding.
const TILE = 28 * 2, PAD = 2;
const gridHeight = (rows: number) => rows * TILE + (rows + 1) * PAD;
const gridWidth = (steps: number) => steps * TILE + (steps + 1) * PAD;

function png(path: string) {
  const image = decode(readFileSync(path));
  return { width: image.width, height: image.height, channels: image.channels, data: image.data };
}

/** A run directory holding an untrained dense model of this config (no GPU needed to write one). */
function untrainedRun(name: string, config: Parameters<typeof denseConfig>[0]): string {
  const c = denseConfig(config);
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'model.safetensors'), encodeCheckpoint(denseParameterSpecs(c), initialDenseParameters(c, mulberry32(3))));
  writeFileSync(join(path, 'config.json'), encodeConfig(c));
  return path;
}

beforeAll(() => {
  cliJson('train', '--out', run, '--epochs', '2', '--limit-train', '512', '--limit-test', '100', '--hidden', '32', '--latent', '4', '--batch-size', '64', ...adapter);
}, 120_000);

describe('webgpu-vae traverse', () => {
  it('writes one row per latent dimension, ranked by KL, with a labelled margin', () => {
    const out = join(dir, 't.png');
    const r = cliJson('traverse', '--checkpoint', run, '--out', out, ...adapter);
    expect(r).toMatchObject({ out, index: 0, steps: 11, extent: 3, order_by: 'kl', relative: false });
    expect([...r.dims].sort()).toEqual([0, 1, 2, 3]);
    expect(r.kl_per_dim).toHaveLength(4);
    const kls = r.dims.map((d: number) => r.kl_per_dim[d]);
    expect(kls).toEqual([...kls].sort((a, b) => b - a));
    for (const k of r.kl_per_dim) expect(k).toBeGreaterThanOrEqual(0);
    expect(r.variance_per_dim).toHaveLength(4);
    expect(Number.isInteger(r.active_units) && r.active_units >= 0 && r.active_units <= 4).toBe(true);

    const image = png(out);
    expect(image.height).toBe(gridHeight(4));
    const margin = image.width - gridWidth(11);
    expect(margin).toBeGreaterThan(0);
    // The margin holds the labels: white text on the grey background.
    let ink = 0;
    for (let y = 0; y < image.height; y++) for (let x = 0; x < margin; x++) if (image.data[(y * image.width + x) * image.channels] === 255) ink++;
    expect(ink).toBeGreaterThan(50);
  });

  it('--dims keeps the N most informative dimensions, --steps sets the columns, --index the image', () => {
    const full = cliJson('traverse', '--checkpoint', run, '--out', join(dir, 'all.png'), ...adapter);
    const out = join(dir, 'top2.png');
    const r = cliJson('traverse', '--checkpoint', run, '--out', out, '--dims', '2', '--steps', '5', '--extent', '2', '--index', '7', ...adapter);
    expect(r).toMatchObject({ index: 7, steps: 5, extent: 2 });
    expect(r.dims).toEqual(full.dims.slice(0, 2));
    expect(r.kl_per_dim).toEqual(full.kl_per_dim);
    const image = png(out);
    expect(image.height).toBe(gridHeight(2));
    expect(image.width).toBeGreaterThan(gridWidth(5));
  });

  it('ranks an autoencoder by the variance of its codes, and keeps a conditional image\'s label', async () => {
    const ae = untrainedRun('ae', { kind: 'ae', hidden: 16, latent: 3 });
    const a = cliJson('traverse', '--checkpoint', ae, '--out', join(dir, 'ae.png'), '--steps', '3', ...adapter);
    expect(a.order_by).toBe('variance');
    expect(a.kl_per_dim).toBeNull();
    const vars = a.dims.map((d: number) => a.variance_per_dim[d]);
    expect(vars).toEqual([...vars].sort((x, y) => y - x));
    expect(png(join(dir, 'ae.png')).height).toBe(gridHeight(3));

    const cvae = untrainedRun('cvae', { kind: 'vae', hidden: 16, latent: 2, classes: 10 });
    const c = cliJson('traverse', '--checkpoint', cvae, '--out', join(dir, 'cvae.png'), '--steps', '3', '--index', '4', ...adapter);
    expect(c.order_by).toBe('kl');
    expect(c.label).toBe((await loadDataset('mnist')).test.labels[4]);
    expect(c.dims).toHaveLength(2);
  });

  it('rejects a bad index, dims count or output with one line (before any adapter opens) and exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['--index', '1000'], /--index must be an integer in 0\.\.999, got '1000'/],
      [['--index=-1'], /--index must be an integer in 0\.\.999/],
      [['--dims', '5'], /--dims must be an integer in 1\.\.4, got '5'/],
      [['--steps', '1'], /--steps must be an integer in 2\.\.101/],
      [['--extent', '0'], /--extent must be a number/],
      [['--out', join(dir, 't.jpg')], /must name a \.png file/],
    ];
    for (const [args, message] of cases) {
      const r = cli('traverse', '--checkpoint', run, ...args, ...adapter);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
