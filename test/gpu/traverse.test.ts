// Latent traversals against encode/decode run by hand: every image of the grid is
// exactly the decode of mu with one coordinate replaced, row r sweeping dimension
// dims[r]; the middle column of an odd sweep decodes mu with that coordinate at 0
// (or mu itself with `relative`); dims and order choose and rank the rows; a
// conditional model gets the image's label on both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gpu } from '../../src/gpu/runtime.js';
import type { LatentModel } from '../../src/models/model.js';
import { Vae } from '../../src/models/vae.js';
import { decode, encode } from '../../src/vae/generate.js';
import { traversalRows, traversalValues, traverse } from '../../src/vae/traverse.js';
import { uniform } from '../random.js';
import { testGpu } from './device.js';

const rows = 4, cols = 6, D = rows * cols, L = 3;
let gpu: Gpu;
let model: LatentModel;
let conditional: LatentModel;
const image = uniform(D, 21, 0, 1);

beforeAll(async () => {
  gpu = new Gpu((await testGpu()).device);
  model = new Vae(gpu, { inputSize: D, imageRows: rows, imageCols: cols, hidden: 16, latent: L }, { seed: 5 });
  conditional = new Vae(gpu, { inputSize: D, imageRows: rows, imageCols: cols, hidden: 16, latent: L, classes: 3 }, { seed: 6 });
});

afterAll(() => {
  model.dispose();
  conditional.dispose();
  gpu.destroy();
});

/** The latents traverse should decode: mu with dims[r] set to values[c] (plus mu when relative). */
function expectedLatents(mu: Float32Array, dims: number[], values: number[], relative = false): Float32Array {
  const z = new Float32Array(dims.length * values.length * L);
  dims.forEach((d, r) => values.forEach((v, c) => {
    const at = (r * values.length + c) * L;
    z.set(mu, at);
    z[at + d] = relative ? mu[d] + v : v;
  }));
  return z;
}

const tile = (images: Float32Array, k: number) => images.subarray(k * D, (k + 1) * D);

describe('traverse', () => {
  it('decodes mu with one coordinate swept per row, exactly as decode does', async () => {
    const t = await traverse(model, image);
    const { mu } = await encode(model, image, 1);
    expect(t.mu).toEqual(mu);
    expect(t.dims).toEqual([0, 1, 2]);
    expect(t.values).toHaveLength(11);
    expect(t.values[0]).toBe(-3);
    expect(t.values[10]).toBe(3);
    expect(t.values[5]).toBe(0);
    for (let c = 0; c < 11; c++) expect(t.values[c]).toBeCloseTo(-3 + 0.6 * c, 12);
    expect(t.images).toHaveLength(3 * 11 * D);

    const z = expectedLatents(mu, t.dims, t.values);
    expect(t.images).toEqual(await decode(model, z, 33));
    // Row r, column c differs from mu in dimension dims[r] only.
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 11; c++) {
        const zrc = z.subarray((r * 11 + c) * L, (r * 11 + c + 1) * L);
        for (let j = 0; j < L; j++) if (j !== t.dims[r]) expect(zrc[j]).toBe(mu[j]);
        expect(zrc[t.dims[r]]).toBe(Math.fround(t.values[c]));
      }
    }
    // The middle column is the decode of mu with that coordinate at 0, the same on its own.
    for (let r = 0; r < 3; r++) {
      const zMid = mu.slice();
      zMid[t.dims[r]] = 0;
      expect(tile(t.images, r * 11 + 5)).toEqual(await decode(model, zMid, 1));
    }
    // The rows differ from one another (the model is not constant in any dimension).
    expect(tile(t.images, 0)).not.toEqual(tile(t.images, 11));
    expect(tile(t.images, 0)).not.toEqual(tile(t.images, 10));
  });

  it('relative: sweeps mu + values, so the middle column is the reconstruction', async () => {
    const t = await traverse(model, image, { steps: 5, extent: 2, relative: true });
    const { mu } = await encode(model, image, 1);
    expect(t.values).toEqual([-2, -1, 0, 1, 2]);
    expect(t.images).toEqual(await decode(model, expectedLatents(mu, t.dims, t.values, true), 15));
    const reconstruction = await decode(model, mu, 1);
    for (let r = 0; r < 3; r++) expect(tile(t.images, r * 5 + 2)).toEqual(reconstruction);
  });

  it('dims chooses a subset in its own order; order ranks the rows', async () => {
    const all = await traverse(model, image, { steps: 3, extent: 1.5 });
    const sub = await traverse(model, image, { steps: 3, extent: 1.5, dims: [2, 0] });
    expect(sub.dims).toEqual([2, 0]);
    expect(sub.images).toHaveLength(2 * 3 * D);
    expect(sub.images.subarray(0, 3 * D)).toEqual(all.images.subarray(2 * 3 * D, 3 * 3 * D));
    expect(sub.images.subarray(3 * D)).toEqual(all.images.subarray(0, 3 * D));
    const ranked = await traverse(model, image, { steps: 3, extent: 1.5, order: [1, 2, 0] });
    expect(ranked.dims).toEqual([1, 2, 0]);
    expect(ranked.images.subarray(0, 3 * D)).toEqual(all.images.subarray(3 * D, 2 * 3 * D));
    const both = await traverse(model, image, { steps: 3, extent: 1.5, dims: [0, 1], order: [1, 2, 0] });
    expect(both.dims).toEqual([1, 0]);
    expect(both.images).toEqual(await decode(model, expectedLatents(all.mu, [1, 0], both.values), 6));
  });

  it('a conditional model gets the label on the encoder and on every decode', async () => {
    const t = await traverse(conditional, image, { steps: 3, label: 2 });
    const { mu } = await encode(conditional, image, 1, [2]);
    expect(t.mu).toEqual(mu);
    expect(t.images).toEqual(await decode(conditional, expectedLatents(mu, t.dims, t.values), 9, new Array(9).fill(2)));
    const other = await traverse(conditional, image, { steps: 3, label: 0 });
    expect(other.images).not.toEqual(t.images);
    await expect(traverse(conditional, image)).rejects.toThrow(/conditioned on 3 classes; pass the image's label/);
  });

  it('rejects bad options with the reason', async () => {
    await expect(traverse(model, image.subarray(0, 10))).rejects.toThrow(/10 values; this model takes 24/);
    expect(() => traversalValues(1, 3)).toThrow(/steps must be an integer >= 2/);
    expect(() => traversalValues(5, 0)).toThrow(/extent must be a finite number > 0/);
    expect(() => traversalRows(3, [3])).toThrow(/integers in 0\.\.2/);
    expect(() => traversalRows(3, [1, 1])).toThrow(/dimension 1 twice/);
    expect(() => traversalRows(3, [])).toThrow(/dims is empty/);
    expect(() => traversalRows(3, [0, 2], [2, 1])).toThrow(/dimension 0 is in dims but not in order/);
    expect(traversalValues(4, 1)).toEqual([-1, -1 / 3, 1 / 3, 1]);
  });
});
