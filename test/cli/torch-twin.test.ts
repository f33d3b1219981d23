// PyTorch loads every checkpoint we write: the twin module (test/interop/torch_twin.py,
// printed in the README) takes model.safetensors with load_state_dict(strict=True)
// and, given the same posterior noise, computes the same test loss as `evaluate`
// here, in float64. Runs Debian's python3-torch (/usr/bin/python3, which .ci/install
// gives it; a python3 earlier on PATH may be another one).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEmbeddedMnist } from '../../src/data/mnist-embedded.js';
import { randnReference } from '../reference/philox.js';
import { cliJson } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-torch-'));
const small = ['--epochs', '1', '--limit-train', '512', '--batch-size', '64', '--latent', '3', ...adapter];
const test = loadEmbeddedMnist().test;
const images = join(dir, 'images.f32');
const labels = join(dir, 'labels.u8');
writeFileSync(images, new Uint8Array(test.images.buffer, test.images.byteOffset, test.images.byteLength));
writeFileSync(labels, test.labels);

/** The eps `evaluate` draws: batches of 500 test images, key (seed, first row), stream 1 (NOISE_STREAM.evaluation). */
function evaluationNoise(latent: number, seed: number): Float32Array {
  const eps = new Float32Array(test.n * latent);
  for (let start = 0; start < test.n; start += 500) {
    const rows = Math.min(500, test.n - start);
    eps.set(randnReference(rows * latent, { seed, step: start, stream: 1 }), start * latent);
  }
  return eps;
}

function torchLoss(run: string, latent: number, seed: number): Record<string, number> {
  const eps = join(run, 'eps.f32');
  writeFileSync(eps, evaluationNoise(latent, seed));
  const r = spawnSync('/usr/bin/python3', ['test/interop/torch_twin.py', run, images, labels, eps], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`torch_twin.py exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const runs: [string, string[]][] = [
  ['classic VAE (examples/vae layout)', ['--hidden', '32']],
  ['conditional VAE, two hidden layers, Gaussian decoder, beta 2', ['--conditional', '--hidden', '24,16', '--likelihood', 'gaussian', '--sigma', '0.3', '--beta', '2', '--activation', 'gelu']],
  ['plain autoencoder', ['--model', 'ae', '--hidden', '32', '--seed', '4']],
  ['conv VAE (encoder.0, fc_mu, fc_decode, decoder.0, ...)', ['--model', 'conv', '--channels', '4,8']],
  ['conditional conv autoencoder, three levels, tanh', ['--model', 'ae', '--network', 'conv', '--channels', '3,4,5', '--conditional', '--activation', 'tanh', '--seed', '2']],
];

describe('the PyTorch twin', () => {
  for (const [name, flags] of runs) {
    it(`loads the checkpoint strictly and gives the same test loss: ${name}`, () => {
      const run = join(dir, name.replace(/\W+/g, '-'));
      cliJson('train', '--out', run, ...small, ...flags);
      const ours = cliJson('evaluate', '--checkpoint', run, ...adapter);
      const seed = flags.includes('--seed') ? Number(flags[flags.indexOf('--seed') + 1]) : 1;
      const theirs = torchLoss(run, 3, seed);
      expect(theirs.n).toBe(ours.n);
      // f32 on the GPU against float64 in PyTorch, means of ~1000 sums of 784 terms.
      for (const key of ['test_loss', 'recon', 'kl']) expect(Math.abs(theirs[key] - ours[key]), `${key}: ${theirs[key]} vs ${ours[key]}`).toBeLessThanOrEqual(1e-5 * Math.abs(ours.test_loss) + 1e-6);
    });
  }
});
