// The library as a user sees it, through the public Node entry and on a device the
// caller brings: fit on plain arrays, then encode, decode, sample, reconstruct,
// interpolate, and a checkpoint round trip that reproduces the same outputs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as vae from '../../src/node.js';
import { uniform } from '../random.js';
import { testGpu } from './device.js';

describe('library API', () => {
  it('fits on arrays and generates; a saved checkpoint loads to the same model', async () => {
    const gpu = new vae.Gpu((await testGpu()).device); // bring-your-own device
    const rows = 4, cols = 6, n = 96;
    const images = uniform(n * rows * cols, 9, 0, 1);
    const train = vae.imageDataset({ images, rows, cols, name: 'arrays/train' });
    const test = vae.subset(train, 0, 32);
    const model = new vae.Vae(gpu, { inputSize: rows * cols, imageRows: rows, imageCols: cols, hidden: 16, latent: 3 }, { seed: 2 });
    const trainer = new vae.Trainer(gpu, model, { train, test }, { batchSize: 32, epochs: 2, lr: 1e-2, seed: 4 });
    const metrics = await trainer.fit();
    expect(metrics).toHaveLength(2);

    const { mu, logvar } = await vae.encode(model, test.images, 5);
    expect(mu).toHaveLength(15);
    expect(logvar).toHaveLength(15);
    const decoded = await vae.decode(model, mu, 5);
    expect(decoded).toHaveLength(5 * 24);
    for (const v of decoded) expect(v >= 0 && v <= 1).toBe(true);
    expect(await vae.reconstruct(model, test.images, 5)).toEqual(decoded);
    const samples = await vae.sample(model, 7, 1);
    expect(samples).toHaveLength(7 * 24);
    expect(await vae.sample(model, 7, 1)).toEqual(samples); // the seed fixes the draws
    const line = await vae.interpolate(model, mu.subarray(0, 3), mu.subarray(3, 6), 4);
    expect(line.subarray(0, 24)).toEqual(decoded.subarray(0, 24)); // the ends are the endpoints
    expect(line.subarray(72, 96)).toEqual(decoded.subarray(24, 48));

    const dir = join(mkdtempSync(join(tmpdir(), 'webgpu-vae-api-')), 'run');
    await vae.saveCheckpoint(dir, model);
    const loaded = await vae.loadCheckpoint(dir);
    const copy = new vae.Vae(gpu, loaded.config.model, { values: loaded.values });
    expect(await copy.parameters.read()).toEqual(await model.parameters.read());
    expect(await vae.reconstruct(copy, test.images, 5)).toEqual(decoded);
    expect((await vae.evaluateImages(copy, test, 4)).loss).toBe((await vae.evaluateImages(model, test, 4)).loss);

    trainer.dispose();
    model.dispose();
    copy.dispose();
    gpu.destroy();
  });
});
