// The VAE objective (Kingma & Welling 2013) over either network (dense: PyTorch's
// examples/vae layout; conv: src/models/conv.ts):
//   mu, logvar = encoder([x | y])  y: the label's one-hot, for a conditional VAE (Sohn et al. 2015)
//   z = mu + exp(logvar/2)·eps     (the reparameterisation trick; logvar: the log-variance trick)
//   logits = decoder([z | y])      Bernoulli logits, or Gaussian means
//   loss = reconstruction + beta·KL(q(z|x) || N(0, I)), fused in one kernel
// beta > 1 is the beta-VAE (Higgins et al. 2017); a batch whose input differs from
// its target makes it a denoising or inpainting VAE.
import { reparameterize, vaeLoss } from '../autograd/ops.js';
import type { Tape, Var } from '../autograd/tape.js';
import type { Gpu } from '../gpu/runtime.js';
import { initOf } from '../nn/module.js';
import { mulberry32 } from '../random.js';
import { denseConfig, type DenseConfig } from './config.js';
import { LatentModelBase, type ModelInit } from './latent-model.js';
import type { Batch, LossHyper, ModelLoss } from './model.js';
import { networkFor } from './networks.js';

export type { ModelInit };

export class Vae extends LatentModelBase {
  constructor(gpu: Gpu, config: Parameters<typeof denseConfig>[0] = {}, init: ModelInit = {}) {
    super(gpu, denseConfig({ ...config, kind: 'vae' }), init);
  }

  override encode(tape: Tape, x: Var, labels: Var | null): { mu: Var; logvar: Var } {
    const e = super.encode(tape, x, labels);
    return { mu: e.mu, logvar: e.logvar! };
  }

  loss(tape: Tape, batch: Batch, hyper: LossHyper = {}): ModelLoss {
    const { x, labels } = this.inputs(batch);
    const { mu, logvar } = this.encode(tape, x, labels);
    const z = reparameterize(tape, mu, logvar, batch.noise);
    const logits = this.decode(tape, z, labels);
    const { likelihood, sigma } = this.config;
    const l = vaeLoss(tape, logits, batch.target, mu, logvar, { beta: hyper.beta ?? this.config.beta, likelihood, sigma });
    return { ...l, outputs: { mu, logvar, z, logits } };
  }
}

/** Initial parameters of a model as `createModel(gpu, config, { seed })` draws them. */
export function initialVaeParameters(c: DenseConfig, seed: number): Record<string, Float32Array> {
  return initOf(networkFor(c).layers, mulberry32(seed));
}
