// The `webgpu-vae` command end to end on small settings: train writes every output,
// each image command writes a valid PNG of the right size, evaluate prints its JSON,
// and bad input gets one clear line and a non-zero exit instead of a stack trace.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { cli, cliJson } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-cli-'));
const run = join(dir, 'run');

function png(path: string): { width: number; height: number } {
  const image = decode(readFileSync(path));
  return { width: image.width, height: image.height };
}

beforeAll(() => {
  cliJson('train', '--out', run, '--epochs', '2', '--limit-train', '512', '--limit-test', '100', '--hidden', '32', '--latent', '2', '--batch-size', '64', ...adapter);
}, 120_000);

describe('webgpu-vae train', () => {
  it('writes a checkpoint PyTorch can load, its config, per-epoch metrics and pictures', () => {
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
    expect(metadata.format).toBe('pt');
    const shapes = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]));
    expect(shapes).toEqual({
      'fc1.weight': [32, 784], 'fc1.bias': [32],
      'fc21.weight': [2, 32], 'fc21.bias': [2],
      'fc22.weight': [2, 32], 'fc22.bias': [2],
      'fc3.weight': [32, 2], 'fc3.bias': [32],
      'fc4.weight': [784, 32], 'fc4.bias': [784],
    });
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(config.model).toMatchObject({ inputSize: 784, kind: 'vae', hidden: [32], latent: 2, likelihood: 'bernoulli' });
    const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2]);
    for (const m of metrics) {
      for (const key of ['train_loss', 'test_loss', 'recon', 'kl', 'samples_per_s', 'seconds']) expect(Number.isFinite(m[key]), key).toBe(true);
    }
    expect(metrics[1].test_loss).toBeLessThan(metrics[0].test_loss);
    // 64 samples as an 8 x 8 grid of 28x28 digits at scale 2, 2 pixels of padding.
    expect(png(join(run, 'samples.png'))).toEqual({ width: 8 * 56 + 9 * 2, height: 8 * 56 + 9 * 2 });
    // 32 test digits above their reconstructions, 16 a row: two blocks of two rows.
    expect(png(join(run, 'reconstructions.png'))).toEqual({ width: 16 * 56 + 17 * 2, height: 4 + 2 * (2 * 56 + 2) + 6 });
  });
});

describe('image commands', () => {
  it('sample writes an n-image grid', () => {
    const out = join(dir, 's.png');
    expect(cliJson('sample', '--checkpoint', run, '--out', out, '--n', '6', '--cols', '3', ...adapter)).toMatchObject({ n: 6 });
    const { width, height } = png(out);
    expect(width / height).toBeCloseTo(3 / 2, 1);
  });

  it('reconstruct, interpolate (by index and by class) and latent write PNGs', () => {
    const rec = join(dir, 'r.png');
    cliJson('reconstruct', '--checkpoint', join(run, 'model.safetensors'), '--out', rec, '--n', '4', ...adapter);
    expect(existsSync(rec)).toBe(true);
    const strip = join(dir, 'i.png');
    expect(cliJson('interpolate', '--checkpoint', run, '--out', strip, '--from', '3', '--to', '7', '--steps', '5', ...adapter)).toMatchObject({ from: 'test image 3', to: 'test image 7' });
    expect(png(strip).width).toBeGreaterThan(4 * png(strip).height);
    expect(cliJson('interpolate', '--checkpoint', run, '--out', strip, '--from-class', '1', '--to-class', '7', ...adapter)).toMatchObject({ from: 'class 1', to: 'class 7' });
    const latent = join(dir, 'latent.png');
    const r = cliJson('latent', '--checkpoint', run, '--out', latent, '--grid-size', '5', ...adapter);
    expect(r.out).toEqual([latent, join(dir, 'latent_grid.png')]);
    expect(png(join(dir, 'latent_grid.png'))).toEqual({ width: 5 * 28, height: 5 * 28 });
  });

  it('evaluate prints a reproducible test loss, also on an IDX directory', () => {
    const a = cliJson('evaluate', '--checkpoint', run, ...adapter);
    expect(Object.keys(a).sort()).toEqual(['kl', 'n', 'recon', 'test_loss']);
    expect(a.n).toBe(1000);
    expect(a.test_loss).toBeCloseTo(a.recon + a.kl, 3);
    expect(cliJson('evaluate', '--checkpoint', run, ...adapter)).toEqual(a);
    const fashion = cliJson('evaluate', '--checkpoint', run, '--data', '/usr/share/datasets/fashion-mnist', ...adapter);
    expect(fashion.n).toBe(10000);
  });
});

describe('bad input', () => {
  it('without a command prints the usage on stderr and exits 2; with --help on stdout and exits 0', () => {
    const none = cli();
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^usage: webgpu-vae <command> \[options\]/);
    const help = cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(none.stderr);
  });

  it('prints its version, the one in package.json', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`webgpu-vae ${version}\n`);
  });

  it('lists every option with its default under --help', () => {
    const r = cli('train', '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--epochs', '--batch-size', '--lr', '--hidden', '--latent', '--beta', '--seed', '--data', '--out', '--adapter']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('(default: 128)');
  });

  it('names the problem and the fix, with no stack trace', () => {
    const cases: [string[], number, RegExp][] = [
      [['train', '--epochs', '0'], 2, /--epochs must be an integer >= 1, got '0'/],
      [['train', '--batch-size', 'many'], 2, /--batch-size must be an integer/],
      [['sample', '--out', join(dir, 'x.png')], 2, /--checkpoint is required/],
      [['sample', '--checkpoint', join(dir, 'missing'), '--out', join(dir, 'x.png')], 2, /does not exist; pass a run directory/],
      [['sample', '--checkpoint', run, '--out', join(dir, 'x.jpg')], 2, /must name a \.png file/],
      [['evaluate', '--checkpoint', run, '--data', join(dir, 'nowhere')], 2, /nowhere/],
      [['train', '--bogus'], 2, /Unknown option '--bogus'/],
      [['frobnicate'], 2, /unknown command 'frobnicate'/],
    ];
    for (const [args, code, message] of cases) {
      const r = cli(...args, ...adapter);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});
