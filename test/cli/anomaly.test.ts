// `webgpu-vae anomaly` and `evaluate --iw K` end to end on a small run: the scores
// file has one row per test image, the extremes picture is a valid PNG, a class gives
// a ROC AUC (from --class or the run's training.holdout_class), the IWAE bound sits
// near the test loss, and bad input gets one clear line.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-anomaly-'));
const run = join(dir, 'run');
const ae = join(dir, 'ae');

beforeAll(() => {
  cliJson('train', '--out', run, '--epochs', '2', '--limit-train', '512', '--limit-test', '200', '--hidden', '32', '--latent', '4', '--batch-size', '64', ...adapter);
  cliJson('train', '--out', ae, '--model', 'ae', '--epochs', '1', '--limit-train', '128', '--limit-test', '50', '--hidden', '8', '--latent', '2', '--batch-size', '64', ...adapter);
}, 180_000);

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
}

describe('webgpu-vae anomaly', () => {
  it('writes scores.csv (one row per test image) and extremes.png under <run>/anomaly', () => {
    const r = cliJson('anomaly', '--checkpoint', run, '--limit-test', '200', ...adapter);
    const out = join(run, 'anomaly');
    expect(r.out).toBe(out);
    expect(Object.keys(r).sort()).toEqual(['mean_score', 'n', 'out']);
    expect(r.n).toBe(200);
    const rows = csvRows(join(out, 'scores.csv'));
    expect(rows[0]).toEqual(['index', 'label', 'score']);
    expect(rows.length).toBe(201);
    expect(rows.slice(1).map((row) => Number(row[0]))).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const scores = rows.slice(1).map((row) => Number(row[2]));
    for (const s of scores) expect(Number.isFinite(s) && s > 0).toBe(true);
    expect(r.mean_score).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / 200, 6);
    const png = decode(readFileSync(join(out, 'extremes.png')));
    expect(png.width).toBeGreaterThan(16 * 56);
    expect(png.height).toBeGreaterThan(2 * 56);
  });

  it('scores every test image by default: the per-image test loss (beta 1), whose mean is evaluate\'s', () => {
    const out = join(dir, 'full');
    const r = cliJson('anomaly', '--checkpoint', run, '--out', out, ...adapter);
    expect(r.n).toBe(1000);
    expect(csvRows(join(out, 'scores.csv')).length).toBe(1001);
    expect(r.mean_score).toBeCloseTo(cliJson('evaluate', '--checkpoint', run, ...adapter).test_loss, 3);
  });

  it('--class K gives the ROC AUC, with K samples too', () => {
    const out = join(dir, 'by-class');
    const r = cliJson('anomaly', '--checkpoint', join(run, 'model.safetensors'), '--class', '3', '--samples', '4', '--limit-test', '200', '--out', out, ...adapter);
    expect(r).toMatchObject({ out, n: 200, class: 3 });
    expect(r.auc).toBeGreaterThanOrEqual(0);
    expect(r.auc).toBeLessThanOrEqual(1);
    expect(csvRows(join(out, 'scores.csv')).length).toBe(201);
    expect(existsSync(join(out, 'extremes.png'))).toBe(true);
    console.log(`anomaly --class 3 --samples 4 on a 2-epoch 784-32-4 run: ROC AUC ${r.auc.toFixed(4)}, mean score ${r.mean_score.toFixed(2)} nats`);
  });

  it("defaults the class to the run's training.holdout_class", () => {
    const copy = join(dir, 'held');
    mkdirSync(copy);
    copyFileSync(join(run, 'model.safetensors'), join(copy, 'model.safetensors'));
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    writeFileSync(join(copy, 'config.json'), JSON.stringify({ ...config, training: { ...config.training, holdout_class: 7 } }));
    const r = cliJson('anomaly', '--checkpoint', copy, '--limit-test', '200', ...adapter);
    expect(r).toMatchObject({ out: join(copy, 'anomaly'), class: 7 });
    expect(r.auc).toBeGreaterThanOrEqual(0);
    expect(r.auc).toBeLessThanOrEqual(1);
    expect(cliJson('anomaly', '--checkpoint', copy, '--limit-test', '200', '--class', '2', ...adapter).class).toBe(2);
  });

  it('scores a plain autoencoder by its reconstruction NLL', () => {
    const r = cliJson('anomaly', '--checkpoint', ae, '--limit-test', '50', '--class', '1', ...adapter);
    expect(r.n).toBe(50);
    expect(r.auc).toBeGreaterThanOrEqual(0);
    expect(csvRows(join(ae, 'anomaly', 'scores.csv')).length).toBe(51);
  });
});

describe('webgpu-vae evaluate --iw', () => {
  it('adds the importance-weighted bound near the test loss', () => {
    const r = cliJson('evaluate', '--checkpoint', run, '--iw', '8', ...adapter);
    expect(Object.keys(r).sort()).toEqual(['iwae', 'kl', 'n', 'nll_iw', 'recon', 'test_loss']);
    expect(r.iwae).toBeLessThan(0);
    expect(r.nll_iw).toBe(-r.iwae);
    expect(Math.abs(Math.abs(r.iwae) / r.test_loss - 1)).toBeLessThan(0.2);
    console.log(`evaluate --iw 8: test loss ${r.test_loss.toFixed(3)}, iwae ${r.iwae.toFixed(3)} nats/image`);
    const text = cli('evaluate', '--checkpoint', run, '--iw', '2', ...adapter);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/test loss [\d.]+ nats\/image .*; iwae -[\d.]+ \(nll_iw [\d.]+ nats\/image, k = 2\)/);
  });
});

describe('bad input', () => {
  it('names the problem in one line, with no stack trace', () => {
    const cases: [string[], number, RegExp][] = [
      [['anomaly', '--checkpoint', run, '--samples', '0'], 2, /--samples must be an integer >= 1, got '0'/],
      [['anomaly', '--checkpoint', run, '--limit-test', 'all'], 2, /--limit-test must be an integer >= 1, got 'all'/],
      [['anomaly', '--checkpoint', run, '--class', '12'], 2, /--class must be an integer in 0\.\.9, got '12'/],
      [['anomaly'], 2, /--checkpoint is required/],
      [['anomaly', '--checkpoint', join(dir, 'missing')], 2, /does not exist; pass a run directory/],
      [['anomaly', '--checkpoint', ae, '--samples', '4'], 2, /need a VAE \(kind 'vae'\); this model is a plain autoencoder/],
      [['evaluate', '--checkpoint', run, '--iw', '0'], 2, /--iw must be an integer >= 1, got '0'/],
      [['evaluate', '--checkpoint', ae, '--iw', '4'], 2, /the IWAE bound needs a VAE \(kind 'vae'\); this model is a plain autoencoder/],
    ];
    for (const [args, code, message] of cases) {
      const r = cli(...args, ...adapter);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
      expect(r.stderr.trim().split('\n').filter((l) => !/adapter|^Warning/.test(l)).length, args.join(' ')).toBeLessThanOrEqual(1);
    }
  });
});
