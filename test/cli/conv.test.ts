// The conv network from the command line: `--model conv` trains with the loss
// falling and writes PyTorch's Conv2d / ConvTranspose2d layouts; it composes with
// the family's modes (a conditional denoising conv VAE samples a class, inpaints,
// traverses, scores anomalies; a conv autoencoder has no log-variance head), and
// bad network flags get one line and exit 2. The twin test (torch-twin.test.ts)
// loads these checkpoints in PyTorch.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { cli, cliJson } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-conv-'));
const small = ['--limit-train', '512', '--limit-test', '64', '--batch-size', '64', '--channels', '4,8', '--latent', '4', ...adapter];
const runs = { conv: join(dir, 'conv'), modes: join(dir, 'modes'), ae: join(dir, 'ae') };

const shapes = (run: string) => Object.fromEntries(Object.entries(decodeSafetensors(readFileSync(join(run, 'model.safetensors'))).tensors).map(([k, t]) => [k, t.shape]));
const metrics = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

beforeAll(() => {
  cliJson('train', '--out', runs.conv, '--model', 'conv', '--epochs', '3', ...small);
  cliJson('train', '--out', runs.modes, '--model', 'conv', '--conditional', '--denoise', 'gaussian:0.3', '--epochs', '1', ...small);
  cliJson('train', '--out', runs.ae, '--model', 'ae', '--network', 'conv', '--epochs', '1', ...small);
}, 180_000);

describe('--model conv', () => {
  it("trains with the loss falling and stores PyTorch's conv layouts under the twin's names", () => {
    const m = metrics(runs.conv);
    expect(m.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(m[2].train_loss).toBeLessThan(m[0].train_loss);
    expect(m[2].test_loss).toBeLessThan(m[0].test_loss);
    expect(JSON.parse(readFileSync(join(runs.conv, 'config.json'), 'utf8')).model).toMatchObject({ kind: 'vae', network: 'conv', channels: [4, 8], latent: 4 });
    expect(shapes(runs.conv)).toEqual({
      'encoder.0.weight': [4, 1, 3, 3], 'encoder.0.bias': [4],
      'encoder.2.weight': [8, 4, 3, 3], 'encoder.2.bias': [8],
      'fc_mu.weight': [4, 8 * 7 * 7], 'fc_mu.bias': [4],
      'fc_logvar.weight': [4, 8 * 7 * 7], 'fc_logvar.bias': [4],
      'fc_decode.weight': [8 * 7 * 7, 4], 'fc_decode.bias': [8 * 7 * 7],
      // ConvTranspose2d: [in, out, kh, kw].
      'decoder.0.weight': [8, 4, 3, 3], 'decoder.0.bias': [4],
      'decoder.2.weight': [4, 1, 3, 3], 'decoder.2.bias': [1],
    });
  });

  it('composes with the modes: a conditional denoising conv VAE samples, inpaints, traverses and scores anomalies', () => {
    expect(shapes(runs.modes)['fc_mu.weight']).toEqual([4, 8 * 7 * 7 + 10]);
    expect(shapes(runs.modes)['fc_decode.weight']).toEqual([8 * 7 * 7, 4 + 10]);
    expect(cliJson('sample', '--checkpoint', runs.modes, '--out', join(dir, 's.png'), '--n', '4', '--class', '5', ...adapter)).toMatchObject({ class: 5, n: 4 });
    expect(cliJson('reconstruct', '--checkpoint', runs.modes, '--out', join(dir, 'r.png'), '--n', '4', '--inpaint', 'box:10', ...adapter).rows).toEqual(['clean', 'input', 'reconstruction']);
    expect(cliJson('traverse', '--checkpoint', runs.modes, '--out', join(dir, 't.png'), '--steps', '5', ...adapter)).toMatchObject({ steps: 5 });
    const a = cliJson('anomaly', '--checkpoint', runs.modes, '--limit-test', '64', '--class', '3', ...adapter);
    expect(a.auc).toBeGreaterThanOrEqual(0);
    expect(a.auc).toBeLessThanOrEqual(1);
    // The importance-weighted bound is tighter than the ELBO's loss.
    const e = cliJson('evaluate', '--checkpoint', runs.modes, '--iw', '8', ...adapter);
    expect(e.nll_iw).toBeLessThan(e.test_loss);
  });

  it('a conv autoencoder has no log-variance head and no KL', () => {
    expect(Object.keys(shapes(runs.ae)).filter((k) => k.startsWith('fc_logvar'))).toEqual([]);
    expect(metrics(runs.ae)[0].kl).toBe(0);
  });

  it('bad network flags name the problem and the fix, exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['train', '--model', 'conv', '--network', 'dense'], /--model conv is the VAE over the conv network; drop --network dense/],
      [['train', '--network', 'rnn'], /--network must be one of dense, conv/],
      [['train', '--model', 'conv', '--channels', '32,0'], /--channels must be one or more positive integers/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args, ...adapter);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});
