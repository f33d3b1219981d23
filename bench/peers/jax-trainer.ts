// What both jax-js peers (jax-vae.ts, jax-conv-vae.ts) share: the fastest training
// step jax-js offers, one jit over the batch gather, the noise draw, value_and_grad
// of the model's objective and the Adam update, so a step is one call of one
// compiled program with the whole training state passed in and handed back (jax-js
// arrays are reference-counted: a call consumes its arguments); the per-epoch batch
// indices uploaded once, as ours does; and the pre-timing check at eps = 0. The
// noise is jax-js's own threefry key stream, drawn on the device as ours is.
// jax-js picks its WebGPU adapter through navigator.gpu on init('webgpu'), so run.ts
// installs navigator-gpu.ts first and the peers import jax-js lazily (initJax).
import type * as Jax from '@jax-js/jax';
import type { ImageDataset } from '../../src/data/dataset.js';
import { ADAM, BatchSchedule, firstBatchIndices, SEED, type CheckResult, type PeerTrainer } from './spec.js';

export type JaxModule = typeof Jax;
export type Arr = Jax.Array;
// A JsTree of arrays by parameter name (a type alias, as jax-js's trees need).
export type Params = Record<string, Arr>;

/** jax-js on its WebGPU device. */
export async function initJax(): Promise<JaxModule> {
  const jax = await import('@jax-js/jax');
  if (!(await jax.init('webgpu')).includes('webgpu')) throw new Error('jax-js found no WebGPU device');
  jax.defaultDevice('webgpu');
  return jax;
}

/**
 * Mean over the batch of (sum over pixels of BCE-with-logits + KL), as ours: row sums
 * first, then the batch mean (PEERS.md: a full reduction over more than 65,535
 * elements comes out wrong on llvmpipe). Consumes its arguments.
 */
export function vaeLoss(jax: JaxModule, logits: Arr, x: Arr, mu: Arr, logvar: Arr): Arr {
  const { numpy: np, nn } = jax;
  // Stable BCE with logits: max(l, 0) - l*x + log(1 + exp(-|l|)).
  const bce = nn.relu(logits.ref).sub(logits.ref.mul(x)).add(np.log1p(np.exp(np.negative(np.absolute(logits)))));
  const kl = np.exp(logvar.ref).add(mu.ref.mul(mu)).sub(logvar).sub(1).sum(1).mul(0.5);
  return bce.sum(1).add(kl).mean();
}

/** A peer's model as the shared trainer needs it. */
export interface JaxModel {
  /** The initial parameters, or zeros of their shapes (Adam's moments). */
  fresh(zero: boolean): Params;
  /** The batch-mean loss of images x [batch, pixels] for noise eps [batch, latent]. */
  objective(p: Params, x: Arr, eps: Arr): Arr;
  latent: number;
  /** The gradients under ours' names and in ours' (PyTorch's) layouts. */
  gradsToOurs(g: Params): Promise<CheckResult['grads']>;
}

export function jaxTrainer(jax: JaxModule, data: ImageDataset, batch: number, model: JaxModel): PeerTrainer {
  const { numpy: np, random } = jax;
  const lossAndGrad = jax.valueAndGrad(model.objective);

  const { lr, beta1, beta2, eps } = ADAM;
  const trainStep = jax.jit((p: Params, m: Params, v: Params, t: Arr, images: Arr, idx: Arr, key: Arr) => {
    const [nextKey, noiseKey] = random.split(key);
    const x = np.take(images, idx, 0);
    const [loss, g] = lossAndGrad(jax.tree.ref(p), x, random.normal(noiseKey, [batch, model.latent]));
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
  const images = np.array(new Float32Array(data.images), { shape: [data.n, data.rows * data.cols] });
  const schedule = new BatchSchedule(data, batch);
  let params = model.fresh(false);
  let m = model.fresh(true);
  let v = model.fresh(true);
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
      // The training objective at eps = 0, on the first step's batch, jit-compiled on its own.
      const f = jax.jit((p: Params, images: Arr, idx: Arr) => lossAndGrad(p, np.take(images, idx, 0), np.zeros([batch, model.latent])));
      try {
        const [value, g] = f(jax.tree.ref(params), images.ref, np.array(firstBatchIndices(data, batch), { dtype: np.int32 }));
        return { loss: (await value.data())[0], grads: await model.gradsToOurs(g) };
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
