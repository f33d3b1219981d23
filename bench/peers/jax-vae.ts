// The classic VAE in jax-js, trained by the shared jit-compiled step of
// jax-trainer.ts (gather, noise, value_and_grad and Adam in one call). Same sizes,
// initial values, loss, optimizer and batches as ours (spec.ts).
import type { ImageDataset } from '../../src/data/dataset.js';
import { initJax, jaxTrainer, vaeLoss, type Arr, type Params } from './jax-trainer.js';
import { initialLayers, LAYERS, transposeBack, type CheckResult, type PeerTrainer } from './spec.js';

// Parameters are keyed fc1.w, fc1.b, ...

export async function createJaxTrainer(data: ImageDataset, batch: number): Promise<PeerTrainer> {
  const jax = await initJax();
  const { numpy: np, nn } = jax;

  const init = initialLayers();
  const latent = init.fc21.outputs;
  const fresh = (zero: boolean): Params => {
    const p: Params = {};
    for (const l of LAYERS) {
      const { inputs, outputs, weight, bias } = init[l];
      p[`${l}.w`] = zero ? np.zeros([inputs, outputs]) : np.array(weight, { shape: [inputs, outputs] });
      p[`${l}.b`] = zero ? np.zeros([outputs]) : np.array(bias);
    }
    return p;
  };
  // Consumes x and the layer's two arrays.
  const dense = (p: Params, x: Arr, l: string) => np.matmul(x, p[`${l}.w`]).add(p[`${l}.b`]);

  // Mean over the batch of (sum over pixels of BCE-with-logits + KL), as ours.
  // Row sums first, then the batch mean (see PEERS.md: a full reduction over more
  // than 65,535 elements comes out wrong on llvmpipe).
  const objective = (p: Params, x: Arr, eps: Arr): Arr => {
    const h1 = nn.relu(dense(p, x.ref, 'fc1'));
    const mu = dense(p, h1.ref, 'fc21');
    const logvar = dense(p, h1, 'fc22');
    const z = mu.ref.add(np.exp(logvar.ref.mul(0.5)).mul(eps));
    const logits = dense(p, nn.relu(dense(p, z, 'fc3')), 'fc4');
    return vaeLoss(jax, logits, x, mu, logvar);
  };
  return jaxTrainer(jax, data, batch, {
    fresh,
    objective,
    latent,
    async gradsToOurs(g) {
      const grads: CheckResult['grads'] = {};
      for (const l of LAYERS) {
        const { inputs, outputs } = init[l];
        grads[`${l}.weight`] = transposeBack(await g[`${l}.w`].data(), inputs, outputs);
        grads[`${l}.bias`] = Float32Array.from(await g[`${l}.b`].data());
      }
      return grads;
    },
  });
}
