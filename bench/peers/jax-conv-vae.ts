// The conv VAE in jax-js, with its fastest training step: as jax-vae.ts, one jit over
// the batch gather, the noise draw, value_and_grad of the loss and the Adam update,
// so a step is one call of one compiled program with the whole training state
// passed in and handed back. Same architecture, initial values, loss, optimizer and
// batches as ours (spec.ts: convSpec, convParameters('nchw')). Written as a JAX
// user writes it:
//   - activations are NCHW and kernels OIHW, lax.conv_general_dilated's defaults, so
//     ours' PyTorch conv weights are used as they are and the flatten order is ours;
//     Linear weights are [in, out] (x @ W);
//   - Conv2d(k3, s2, p1) is lax.convGeneralDilated with explicit padding [[1, 1],
//     [1, 1]] (symmetric, as PyTorch's), not "SAME";
//   - ConvTranspose2d(k3, s2, p1, output_padding 1) is lax.convTranspose with
//     transposeKernel (it takes PyTorch's [in, out, kh, kw] weight, flips it and
//     swaps its channel axes) and padding [[1, 1 - output_padding]] per axis, the
//     gradient-of-conv convention: jax-js turns that into a stride-1 conv of the
//     input dilated by 2 (lhs_dilation) with padding [1, 2], which is what
//     PyTorch computes (checked numerically before timing, check.ts).
// The noise is jax-js's own threefry key stream, drawn on the device as ours is.
// jax-js picks its WebGPU adapter through navigator.gpu on init('webgpu'), so run.ts
// installs navigator-gpu.ts first and this module imports jax-js lazily.
import type * as Jax from '@jax-js/jax';
import type { ImageDataset } from '../../src/data/dataset.js';
import { ADAM, BatchSchedule, convParameters, convSpec, firstBatchIndices, SEED, toOurs, type CheckResult, type PeerTrainer } from './spec.js';

type Arr = Jax.Array;
// A JsTree of arrays keyed by ours' names: encoder.0.weight, ... (a type alias, as jax-js's trees need).
type Params = Record<string, Arr>;

export async function createJaxConvTrainer(data: ImageDataset, batch: number): Promise<PeerTrainer> {
  const jax = await import('@jax-js/jax');
  const { numpy: np, nn, random, lax } = jax;
  if (!(await jax.init('webgpu')).includes('webgpu')) throw new Error('jax-js found no WebGPU device');
  jax.defaultDevice('webgpu');

  const spec = convSpec();
  const init = convParameters('nchw');
  const { stride, padding } = spec;
  const [rows, cols] = spec.image;
  const pixels = rows * cols;
  const fresh = (zero: boolean): Params => {
    const p: Params = {};
    for (const { name, shape, values } of Object.values(init)) p[name] = zero ? np.zeros(shape) : np.array(values, { shape });
    return p;
  };
  // A per-channel bias against [B, C, h, w]; consumes both.
  const addBias = (h: Arr, b: Arr, channels: number) => h.add(b.reshape([channels, 1, 1]));
  const same = (n: number): [number, number][] => [
    [n, n],
    [n, n],
  ];

  // Mean over the batch of (sum over pixels of BCE-with-logits + KL), as ours.
  // Row sums first, then the batch mean (see PEERS.md: a full reduction over more
  // than 65,535 elements comes out wrong on llvmpipe).
  const objective = (p: Params, x: Arr, eps: Arr): Arr => {
    let h = x.ref.reshape([batch, 1, rows, cols]);
    for (const l of spec.encoder) {
      h = nn.relu(addBias(lax.convGeneralDilated(h, p[`${l.name}.weight`], [stride, stride], same(padding)), p[`${l.name}.bias`], l.outChannels));
    }
    const code = h.reshape([batch, spec.flat]); // NCHW: ours' flatten order
    const mu = np.matmul(code.ref, p['fc_mu.weight']).add(p['fc_mu.bias']);
    const logvar = np.matmul(code, p['fc_logvar.weight']).add(p['fc_logvar.bias']);
    const z = mu.ref.add(np.exp(logvar.ref.mul(0.5)).mul(eps));
    let d = nn.relu(np.matmul(z, p['fc_decode.weight']).add(p['fc_decode.bias'])).reshape([batch, ...spec.code]);
    for (const l of spec.decoder) {
      const pads: [number, number][] = l.outputPadding.map((op) => [padding, padding - op] as [number, number]);
      const t = addBias(lax.convTranspose(d, p[`${l.name}.weight`], [stride, stride], pads, { transposeKernel: true }), p[`${l.name}.bias`], l.outChannels);
      d = l.relu ? nn.relu(t) : t;
    }
    const logits = d.reshape([batch, pixels]);
    // Stable BCE with logits: max(l, 0) - l*x + log(1 + exp(-|l|)).
    const bce = nn.relu(logits.ref).sub(logits.ref.mul(x)).add(np.log1p(np.exp(np.negative(np.absolute(logits)))));
    const kl = np.exp(logvar.ref).add(mu.ref.mul(mu)).sub(logvar).sub(1).sum(1).mul(0.5);
    return bce.sum(1).add(kl).mean();
  };
  const lossAndGrad = jax.valueAndGrad(objective);

  const { lr, beta1, beta2, eps } = ADAM;
  const trainStep = jax.jit((p: Params, m: Params, v: Params, t: Arr, images: Arr, idx: Arr, key: Arr) => {
    const [nextKey, noiseKey] = random.split(key);
    const x = np.take(images, idx, 0);
    const [loss, g] = lossAndGrad(jax.tree.ref(p), x, random.normal(noiseKey, [batch, spec.latent]));
    const t1 = t.add(1);
    // Adam as torch.optim.Adam: bias-corrected moments, eps added to sqrt(v_hat).
    const c1 = np.exp(t1.ref.mul(Math.log(beta1))).neg().add(1);
    const c2 = np.exp(t1.ref.mul(Math.log(beta2))).neg().add(1);
    const p1: Params = {};
    const m1: Params = {};
    const v1: Params = {};
    for (const k of Object.keys(p)) {
      m1[k] = m[k].mul(beta1).add(g[k].ref.mul(1 - beta1));
      v1[k] = v[k].mul(beta2).add(np.square(g[k]).mul(1 - beta2));
      const update = m1[k].ref.div(c1.ref).div(np.sqrt(v1[k].ref.div(c2.ref)).add(eps)).mul(lr);
      p1[k] = p[k].sub(update);
    }
    c1.dispose();
    c2.dispose();
    return [p1, m1, v1, t1, nextKey, loss] as const;
  });

  // A copy: jax-js wants an ArrayBuffer-backed array (the dataset's may be shared).
  const images = np.array(new Float32Array(data.images), { shape: [data.n, pixels] });
  const schedule = new BatchSchedule(data, batch);
  let params = fresh(false);
  let m = fresh(true);
  let v = fresh(true);
  let t = np.zeros([]);
  let key = random.key(SEED);
  let loss: Arr | null = null;
  let batches: Arr[] = [];

  return {
    step() {
      const { offset, order } = schedule.next();
      // A new epoch uploads its permutation once, as ours does, split into batches.
      if (order) {
        jax.tree.dispose(batches);
        batches = [];
        for (let s = 0; s < schedule.stepsPerEpoch; s++) batches.push(np.array(order.subarray(s * batch, (s + 1) * batch), { dtype: np.int32 }));
      }
      const idx = batches[offset / batch];
      batches[offset / batch] = idx.ref; // kept for disposal at the epoch's end
      loss?.dispose();
      [params, m, v, t, key, loss] = trainStep(params, m, v, t, images.ref, idx, key);
    },
    async sync() {
      // jax-js is lazy: wait for the whole new state, not only the loss.
      await jax.blockUntilReady([params, m, v, t, key]);
      return loss ? (await loss.ref.data())[0] : NaN;
    },
    async check(): Promise<CheckResult> {
      // The training objective itself, jit-compiled on its own, with eps = 0.
      const f = jax.jit((p: Params, images: Arr, idx: Arr) => lossAndGrad(p, np.take(images, idx, 0), np.zeros([batch, spec.latent])));
      try {
        const [value, g] = f(jax.tree.ref(params), images.ref, np.array(firstBatchIndices(data, batch), { dtype: np.int32 }));
        const out: CheckResult = { loss: (await value.data())[0], grads: {} };
        for (const p of Object.values(init)) out.grads[p.name] = toOurs(p, await g[p.name].data());
        return out;
      } finally {
        f.dispose();
      }
    },
    dispose() {
      jax.tree.dispose([params, m, v, t, key, images, batches]);
      loss?.dispose();
      trainStep.dispose();
    },
  };
}
