// The conv VAE in TensorFlow.js, written the way a TF.js user would: NHWC tensors,
// tf.fused.conv2d / tf.conv2dTranspose / tf.fused.matMul, tf.train.adam,
// optimizer.minimize. Same architecture, initial values, loss, optimizer and batches
// as ours (spec.ts: convSpec, convParameters('nhwc')). How it is made the same function:
//   - the filters are ours' PyTorch weights transposed once to TF's layouts, and the
//     Linear layers next to the flatten are permuted to TF's (row, column, channel)
//     flatten order (spec.ts), so no transpose runs per step;
//   - padding is the number 1 (symmetric, as PyTorch's padding=1), not 'same', which
//     pads stride-2 convolutions asymmetrically;
//   - each ConvTranspose2d(k3, s2, p1, output_padding 1) is tf.conv2dTranspose with
//     pad 1 and the full output shape: the adjoint of the stride-2 conv with pad 1
//     from that shape, which is exactly PyTorch's transposed conv (checked
//     numerically before timing, check.ts).
// Differences that belong to TF.js:
//   - a TF.js 4.22 WebGPU bug, found by the pre-timing check: for a product with few
//     output tiles and an inner size >= 2000 TF.js picks its split-K matmul, whose
//     vec4 path reads B along the wrong axis when B is transposed. With fc_decode as
//     [in, out] the gradient dz = dh·Wᵀ (inner size 3136) is such a product below
//     batch 256, and the encoder's and fc_mu's gradients came out 90-170% wrong on
//     both adapters (the loss itself was exact). So fc_decode keeps ours' [out, in]
//     weight and multiplies with transposeB: its gradient is then dh·W, which takes
//     the (correct) untransposed split-K path, and TF.js still picks its kernels
//     itself everywhere. The CPU backend runs the same code;
//   - the reparameterization noise comes from tf.randomNormal, drawn on the CPU and
//     uploaded every step (ours draws it on the GPU, Philox);
//   - every op is its own dispatch; tf.fused.* fuses the bias (and the ReLU outside
//     gradient mode), but under optimizer.minimize TF.js runs a fused op with a ReLU
//     as separate ops, and conv2dTranspose has no fused form, so its bias is an add.
// The WebGPU backend is registered at import time only if navigator.gpu exists, so
// run.ts installs navigator-gpu.ts first and this module imports TF.js lazily.
import type * as TF from '@tensorflow/tfjs';
import type { ImageDataset } from '../../src/data/dataset.js';
import { ADAM, BatchSchedule, convParameters, convSpec, firstBatchIndices, toOurs, type CheckResult, type PeerTrainer } from './spec.js';
import type { TfjsBackend } from './tfjs-vae.js';

export async function createTfjsConvTrainer(backend: TfjsBackend, data: ImageDataset, batch: number): Promise<PeerTrainer> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its '${backend}' backend`);
  await tf.ready();

  const spec = convSpec();
  const init = convParameters('nhwc');
  const vars: Record<string, TF.Variable> = {};
  for (const p of Object.values(init)) vars[p.name] = tf.variable(tf.tensor(p.values, p.shape), true, `conv.${p.name}`);
  const varList = Object.values(vars);
  const { stride, padding } = spec;
  const [rows, cols] = spec.image;
  const pixels = rows * cols;
  const [C, H, W] = spec.code;

  const images = tf.tensor2d(data.images, [data.n, pixels]);
  const schedule = new BatchSchedule(data, batch);
  const optimizer = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  let order: TF.Tensor1D | null = null;
  let loss: TF.Scalar | null = null;

  const dense = (x: TF.Tensor2D, name: string, activation: 'relu' | 'linear', transposeB = false) =>
    tf.fused.matMul({ a: x, b: vars[`${name}.weight`] as TF.Tensor2D, transposeB, bias: vars[`${name}.bias`], activation });

  // Mean over the batch of (sum over pixels of BCE-with-logits + KL), as ours.
  const objective = (x: TF.Tensor2D, noise: TF.Tensor2D): TF.Scalar => {
    let h = tf.reshape(x, [batch, rows, cols, 1]) as TF.Tensor4D;
    for (const l of spec.encoder) {
      h = tf.fused.conv2d({ x: h, filter: vars[`${l.name}.weight`] as TF.Tensor4D, strides: stride, pad: padding, bias: vars[`${l.name}.bias`], activation: 'relu' });
    }
    const code = tf.reshape(h, [batch, spec.flat]) as TF.Tensor2D; // (row, column, channel) order: spec.ts permuted the heads
    const mu = dense(code, 'fc_mu', 'linear');
    const logvar = dense(code, 'fc_logvar', 'linear');
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), noise)) as TF.Tensor2D;
    // fc_decode's weight is [out, in], hence transposeB: its gradient dz = dh·W then
    // runs untransposed (the header says why).
    let d = tf.reshape(dense(z, 'fc_decode', 'relu', true), [batch, H, W, C]) as TF.Tensor4D;
    for (const l of spec.decoder) {
      const t = tf.conv2dTranspose(d, vars[`${l.name}.weight`] as TF.Tensor4D, [batch, l.outSize[0], l.outSize[1], l.outChannels], stride, padding);
      const biased = tf.add(t, vars[`${l.name}.bias`]) as TF.Tensor4D;
      d = l.relu ? tf.relu(biased) : biased;
    }
    const logits = tf.reshape(d, [batch, pixels]); // one channel: NHWC and NCHW agree
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
      const cost = optimizer.minimize(() => objective(tf.gather(images, tf.slice(order!, offset, batch)), tf.randomNormal([batch, spec.latent])), true);
      loss?.dispose();
      loss = cost;
    },
    async sync() {
      // A read waits for everything submitted before it, updates included.
      return loss ? (await loss.data())[0] : NaN;
    },
    async check(): Promise<CheckResult> {
      const idx = tf.tensor1d(firstBatchIndices(data, batch), 'int32');
      const { value, grads } = tf.tidy(() => tf.variableGrads(() => objective(tf.gather(images, idx), tf.zeros([batch, spec.latent])), varList));
      idx.dispose();
      const out: CheckResult = { loss: (await value.data())[0], grads: {} };
      for (const p of Object.values(init)) out.grads[p.name] = toOurs(p, await grads[`conv.${p.name}`].data());
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    },
    dispose() {
      loss?.dispose();
      order?.dispose();
      images.dispose();
      optimizer.dispose();
      tf.dispose(varList);
    },
  };
}
