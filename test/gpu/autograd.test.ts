// Autograd that any graph can use: a root that is not a fused loss (the sum of two
// losses) is seeded with 1 and its gradients match float64; the feature ops' rules
// (concat, split, add, maskMul) compose end to end against a float64 chain; a no-grad
// tape records nothing and writes no gradient; and a user's own Model, which leaves
// one parameter unused, trains in the Trainer without that parameter ever moving on
// a stale gradient.
import { describe, expect, it } from 'vitest';
import { add, concat, maskMul, reconstructionLoss, reshape, split, type LossOutputs } from '../../src/autograd/ops.js';
import { gradRules } from '../../src/autograd/rules.js';
import { Tape, Var } from '../../src/autograd/tape.js';
import { subset } from '../../src/data/dataset.js';
import { imageDataset } from '../../src/data/dataset.js';
import { ShapeError } from '../../src/gpu/errors.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import { vaeConfig } from '../../src/models/config.js';
import type { Batch, Model, ModelLoss } from '../../src/models/model.js';
import { initialVaeParameters, Vae } from '../../src/models/vae.js';
import { Linear } from '../../src/nn/linear.js';
import { ParameterStore } from '../../src/nn/parameters.js';
import { mulberry32 } from '../../src/random.js';
import { Trainer } from '../../src/train/trainer.js';
import * as ref from '../reference/features.js';
import { reconstructionLossReference } from '../reference/vae-loss.js';
import { vaeStepReference } from '../reference/vae.js';
import { f64, uniform } from '../random.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';

describe('backward from any scalar root', () => {
  it('the sum of two fused losses: gradients are the sum of each loss alone (float64)', async () => {
    const gpu = await testGpu();
    const c = vaeConfig({ inputSize: 12, imageRows: 3, imageCols: 4, hidden: 7, latent: 2 });
    const init = initialVaeParameters(c, 4);
    const model = new Vae(gpu, c, { values: init });
    const B = 5;
    const xs = uniform(B * 12, 8, 0, 1);
    const x = gpu.upload(xs, [B, 12], 'x');
    const batch = (step: number): Batch => ({ input: x, target: x, labels: null, noise: { seed: 3, step, stream: 0 } });
    const tape = new Tape(gpu);
    const a = model.loss(tape, batch(0));
    const b = model.loss(tape, batch(1));
    const root = add(tape, a.loss, b.loss);
    tape.backward(root, gradRules);
    const params = Object.fromEntries(Object.entries(init).map(([k, v]) => [k, f64(v)]));
    const ra = vaeStepReference(params, c, f64(xs), B, { seed: 3, step: 0, stream: 0 });
    const rb = vaeStepReference(params, c, f64(xs), B, { seed: 3, step: 1, stream: 0 });
    assertClose(await gpu.read(root.value), [ra.stats[0] + rb.stats[0]], { atol: 0, rtol: 3e-6 }, 'root');
    const grads = await model.parameters.read('grads');
    for (const name of Object.keys(init)) {
      const expected = ra.grads[name].map((g, i) => g + rb.grads[name][i]);
      assertClose(grads[name], expected, { atol: 1e-6, rtol: 3e-4 }, name);
    }
    expect(() => new Tape(gpu).backward(new Var(x, true, 'x'), gradRules)).toThrow(/must be a scalar/);
    tape.dispose();
    model.dispose();
    gpu.release(x);
  });

  it('reshape, concat, split, add and maskMul compose: gradients match a float64 chain', async () => {
    const gpu = await testGpu();
    // logits = [p1 | p0] ⊙ mask + q,  with [p0 | p1] = split(p, [3, 2]); loss = BCE(logits, t).
    const B = 4;
    const store = new ParameterStore(gpu, [{ name: 'p', shape: [B, 5] }, { name: 'q', shape: [B, 5] }]);
    const pv = uniform(B * 5, 1, -2, 2), qv = uniform(B * 5, 2, -1, 1), mv = uniform(B * 5, 3, 0, 1).map((v) => (v > 0.3 ? 1 : 0)), tv = uniform(B * 5, 4, 0, 1);
    store.load({ p: pv, q: qv });
    const mask = gpu.upload(mv, [B, 5], 'mask');
    const target = gpu.upload(tv, [B, 5], 'target');
    const tape = new Tape(gpu);
    // Through two reshapes (views) first: their gradient is the gradient viewed back.
    const [p0, p1] = split(tape, reshape(tape, reshape(tape, store.get('p'), [5, B]), [B, 5]), [3, 2]);
    const logits = add(tape, maskMul(tape, concat(tape, p1, p0), mask), store.get('q'));
    const r: LossOutputs = reconstructionLoss(tape, logits, target, { likelihood: 'bernoulli' });
    tape.backward(r.loss, gradRules);

    const P = f64(pv), Q = f64(qv), M = f64(mv);
    const swapped = ref.concatCols(ref.sliceCols(P, B, 5, 3, 2), ref.sliceCols(P, B, 5, 0, 3), B, 2, 3);
    const L = ref.add(ref.mul(swapped, M), Q);
    const loss = reconstructionLossReference(L, f64(tv), B, { likelihood: 'bernoulli' });
    const dSwapped = ref.mul(loss.dRecon, M);
    const dP = ref.placeCols(ref.sliceCols(dSwapped, B, 5, 0, 2), ref.placeCols(ref.sliceCols(dSwapped, B, 5, 2, 3), new Float64Array(B * 5), B, 5, 0), B, 5, 3);
    const grads = await store.read('grads');
    assertClose(await gpu.read(r.stats), loss.stats, { atol: 1e-6, rtol: 1e-6 }, 'stats');
    assertClose(grads.q, loss.dRecon, { atol: 1e-7, rtol: 1e-6 }, 'dq');
    assertClose(grads.p, dP, { atol: 1e-7, rtol: 1e-6 }, 'dp');
    tape.dispose();
    store.dispose();
    gpu.release(mask, target);
  });
});

describe('no-grad tape', () => {
  it('records no node and writes no gradient; backward refuses it', async () => {
    const gpu = await testGpu();
    const c = vaeConfig({ inputSize: 12, imageRows: 3, imageCols: 4, hidden: 7, latent: 2 });
    const model = new Vae(gpu, c, { seed: 1 });
    const sentinel = new Float32Array(model.parameters.length).fill(7);
    gpu.write(model.parameters.grads, sentinel);
    const x = gpu.upload(uniform(3 * 12, 5, 0, 1), [3, 12], 'x');
    const tape = new Tape(gpu, { grad: false });
    const r = model.loss(tape, { input: x, target: x, labels: null, noise: { seed: 1, step: 0, stream: 0 } });
    expect(Number.isFinite((await gpu.read(r.stats))[0])).toBe(true);
    expect(() => tape.backward(r.loss, gradRules)).toThrow(ShapeError);
    expect(await gpu.read(model.parameters.grads)).toEqual(sentinel);
    tape.dispose();
    model.dispose();
    gpu.release(x);
  });
});

/** A user's own model: a linear autoencoder with an extra layer its loss never uses. */
class LinearAutoencoder implements Model {
  readonly config = { kind: 'linear-ae', inputSize: 12, imageRows: 3, imageCols: 4, classes: 0 };
  readonly parameters: ParameterStore;
  private readonly down = new Linear('down', 12, 3);
  private readonly up = new Linear('up', 3, 12);
  private readonly unused = new Linear('unused', 12, 2);

  constructor(readonly gpu: Gpu) {
    const layers = [this.down, this.up, this.unused];
    this.parameters = new ParameterStore(gpu, layers.flatMap((l) => l.specs()));
    const next = mulberry32(9);
    this.parameters.load(Object.assign({}, ...layers.map((l) => l.init(next))));
  }

  loss(tape: Tape, batch: Batch): ModelLoss {
    const z = this.down.forward(tape, this.parameters, new Var(batch.input, false, 'x'));
    const logits = this.up.forward(tape, this.parameters, z);
    return { ...reconstructionLoss(tape, logits, batch.target, { likelihood: 'bernoulli' }), outputs: { z, logits } };
  }

  dispose(): void {
    this.parameters.dispose();
  }
}

describe("a user's own Model in the Trainer", () => {
  it('trains, and a parameter the loss never reaches keeps a zero gradient and never moves', async () => {
    const gpu = await testGpu();
    const model = new LinearAutoencoder(gpu);
    const ds = imageDataset({ images: uniform(96 * 12, 6, 0, 1), rows: 3, cols: 4, name: 'arrays' });
    // Garbage where the unused layer's gradient lives, as a previous step might have left it.
    gpu.write(model.parameters.grads, new Float32Array(model.parameters.length).fill(0.5));
    const before = await model.parameters.read();
    const trainer = new Trainer(gpu, model, { train: ds, test: subset(ds, 0, 32) }, { batchSize: 16, epochs: 2, lr: 1e-2, seed: 2 });
    const metrics = await trainer.fit();
    expect(metrics[1].train_loss).toBeLessThan(metrics[0].train_loss);
    const after = await model.parameters.read();
    const grads = await model.parameters.read('grads');
    expect(after['unused.weight']).toEqual(before['unused.weight']);
    expect(after['unused.bias']).toEqual(before['unused.bias']);
    expect([...grads['unused.weight'], ...grads['unused.bias']].every((g) => g === 0)).toBe(true);
    expect(after['down.weight']).not.toEqual(before['down.weight']);
    trainer.dispose();
    model.dispose();
  });
});
