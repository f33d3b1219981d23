// The conv VAE in jax-js, trained by the shared jit-compiled step of jax-trainer.ts
// (gather, noise, value_and_grad and Adam in one call). Same architecture, initial values, loss, optimizer and
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
import type { ImageDataset } from '../../src/data/dataset.js';
import { initJax, jaxTrainer, vaeLoss, type Arr, type Params } from './jax-trainer.js';
import { convParameters, convSpec, toOurs, type CheckResult, type PeerTrainer } from './spec.js';

// Parameters are keyed by ours' names: encoder.0.weight, ...

export async function createJaxConvTrainer(data: ImageDataset, batch: number): Promise<PeerTrainer> {
  const jax = await initJax();
  const { numpy: np, nn, lax } = jax;

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
    return vaeLoss(jax, logits, x, mu, logvar);
  };
  return jaxTrainer(jax, data, batch, {
    fresh,
    objective,
    latent: spec.latent,
    async gradsToOurs(g) {
      const grads: CheckResult['grads'] = {};
      for (const p of Object.values(init)) grads[p.name] = toOurs(p, await g[p.name].data());
      return grads;
    },
  });
}
