// The dense VAE (Kingma & Welling 2013) with the layout of PyTorch's examples/vae:
//   h = act(encoder([x | y]))      y: the label's one-hot, for a conditional VAE (Sohn et al. 2015)
//   mu = fc21 h,  logvar = fc22 h  (the log-variance trick)
//   z = mu + exp(logvar/2)·eps     (the reparameterisation trick)
//   logits = decoder([z | y])      Bernoulli logits, or Gaussian means
//   loss = reconstruction + beta·KL(q(z|x) || N(0, I)), fused in one kernel
// beta > 1 is the beta-VAE (Higgins et al. 2017); a batch whose input differs from
// its target makes it a denoising or inpainting VAE.
import { reparameterize, vaeLoss } from '../autograd/ops.js';
import type { Tape, Var } from '../autograd/tape.js';
import type { Gpu } from '../gpu/runtime.js';
import { mulberry32 } from '../random.js';
import { denseConfig, type DenseConfig } from './config.js';
import { constant, DenseModel, initialDenseParameters, type ModelInit } from './dense.js';
import type { Batch, LossHyper, ModelLoss } from './model.js';

export type { ModelInit };

export class Vae extends DenseModel {
  constructor(gpu: Gpu, config: Parameters<typeof denseConfig>[0] = {}, init: ModelInit = {}) {
    super(gpu, denseConfig({ ...config, kind: 'vae' }), init);
  }

  encode(tape: Tape, x: Var, labels: Var | null): { mu: Var; logvar: Var } {
    const h = this.hidden(tape, x, labels);
    return { mu: this.layers.mu.forward(tape, this.parameters, h), logvar: this.layers.logvar!.forward(tape, this.parameters, h) };
  }

  loss(tape: Tape, batch: Batch, hyper: LossHyper = {}): ModelLoss {
    const labels = this.labels(batch);
    const { mu, logvar } = this.encode(tape, constant(batch.input, 'x'), labels);
    const z = reparameterize(tape, mu, logvar, batch.noise);
    const logits = this.decode(tape, z, labels);
    const { likelihood, sigma } = this.config;
    const l = vaeLoss(tape, logits, batch.target, mu, logvar, { beta: hyper.beta ?? this.config.beta, likelihood, sigma });
    return { ...l, outputs: { mu, logvar, z, logits } };
  }
}

/** Initial parameters of a dense model as `new Vae(gpu, config, { seed })` draws them. */
export function initialVaeParameters(c: DenseConfig, seed: number): Record<string, Float32Array> {
  return initialDenseParameters(c, mulberry32(seed));
}
