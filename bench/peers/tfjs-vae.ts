// The classic VAE in TensorFlow.js, written the way a TF.js user would: tf.* ops,
// tf.train.adam, optimizer.minimize. Same sizes, initial values, loss, optimizer
// and batches as ours (spec.ts). Differences that belong to TF.js:
//   - the reparameterization noise comes from tf.randomNormal, which TF.js draws on
//     the CPU and uploads every step (ours draws it on the GPU, Philox);
//   - every op is its own dispatch, nothing is fused or captured.
// The WebGPU backend is registered at import time only if navigator.gpu exists, so
// run.ts installs navigator-gpu.ts first and this module imports TF.js lazily.
import type * as TF from '@tensorflow/tfjs';
import type { ImageDataset } from '../../src/data/dataset.js';
import { ADAM, BatchSchedule, firstBatchIndices, initialLayers, LAYERS, transposeBack, type CheckResult, type Layer, type PeerTrainer } from './spec.js';

export type TfjsBackend = 'webgpu' | 'cpu';

type Dense = { w: TF.Variable; b: TF.Variable };

export async function createTfjsTrainer(backend: TfjsBackend, data: ImageDataset, batch: number): Promise<PeerTrainer> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its '${backend}' backend`);
  await tf.ready();

  const init = initialLayers();
  const layers = {} as Record<Layer, Dense>;
  for (const l of LAYERS) {
    const { inputs, outputs, weight, bias } = init[l];
    layers[l] = { w: tf.variable(tf.tensor2d(weight, [inputs, outputs]), true, `${l}.w`), b: tf.variable(tf.tensor1d(bias), true, `${l}.b`) };
  }
  const dense = (x: TF.Tensor, l: Layer) => tf.add(tf.matMul(x, layers[l].w), layers[l].b);
  const latent = init.fc21.outputs;

  const images = tf.tensor2d(data.images, [data.n, data.rows * data.cols]);
  const schedule = new BatchSchedule(data, batch);
  const optimizer = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  let order: TF.Tensor1D | null = null;
  let loss: TF.Scalar | null = null;

  // Mean over the batch of (sum over pixels of BCE-with-logits + KL), as ours.
  const objective = (x: TF.Tensor2D, noise: TF.Tensor2D): TF.Scalar => {
    const h1 = tf.relu(dense(x, 'fc1'));
    const mu = dense(h1, 'fc21');
    const logvar = dense(h1, 'fc22');
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), noise));
    const logits = dense(tf.relu(dense(z, 'fc3')), 'fc4');
    // Stable BCE with logits: max(l, 0) - l*x + log(1 + exp(-|l|)).
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(tf.exp(logvar), tf.square(mu)), logvar), 1), 1), 0.5);
    return tf.mean(tf.add(tf.sum(bce, 1), kl));
  };

  return {
    step() {
      const { offset, order: next } = schedule.next();
      if (next) {
        order?.dispose();
        order = tf.tensor1d(next, 'int32');
      }
      const cost = optimizer.minimize(() => objective(tf.gather(images, tf.slice(order!, offset, batch)), tf.randomNormal([batch, latent])), true);
      loss?.dispose();
      loss = cost;
    },
    async sync() {
      // A read waits for everything submitted before it, updates included.
      return loss ? (await loss.data())[0] : NaN;
    },
    async check(): Promise<CheckResult> {
      // The training objective at eps = 0, on the first step's batch, before any step.
      const idx = tf.tensor1d(firstBatchIndices(data, batch), 'int32');
      const vars = LAYERS.flatMap((l) => [layers[l].w, layers[l].b]);
      const { value, grads } = tf.tidy(() => tf.variableGrads(() => objective(tf.gather(images, idx), tf.zeros([batch, latent])), vars));
      idx.dispose();
      const out: CheckResult = { loss: (await value.data())[0], grads: {} };
      for (const l of LAYERS) {
        const { inputs, outputs } = init[l];
        out.grads[`${l}.weight`] = transposeBack(await grads[`${l}.w`].data(), inputs, outputs);
        out.grads[`${l}.bias`] = Float32Array.from(await grads[`${l}.b`].data());
      }
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    },
    dispose() {
      loss?.dispose();
      order?.dispose();
      images.dispose();
      optimizer.dispose();
      for (const l of LAYERS) tf.dispose([layers[l].w, layers[l].b]);
    },
  };
}
