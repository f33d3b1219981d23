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
import { ParameterStore } from '../nn/parameters.js';
import { mulberry32 } from '../random.js';
import { denseConfig, type DenseConfig } from './config.js';
import { constant, denseLayers, denseParameterSpecs, initialDenseParameters, withLabels, type DenseLayers } from './dense.js';
import type { Batch, LatentModel, LossHyper, ModelLoss } from './model.js';

export interface ModelInit {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Parameter values by name (a checkpoint); overrides seed. */
  values?: Record<string, Float32Array>;
}

export class Vae implements LatentModel {
  readonly config: DenseConfig;
  readonly parameters: ParameterStore;
  private readonly layers: DenseLayers;

  constructor(
    readonly gpu: Gpu,
    config: Parameters<typeof denseConfig>[0] = {},
    init: ModelInit = {},
  ) {
    this.config = denseConfig({ ...config, kind: 'vae' });
    this.layers = denseLayers(this.config);
    this.parameters = new ParameterStore(gpu, denseParameterSpecs(this.config));
    this.parameters.load(init.values ?? initialDenseParameters(this.config, mulberry32(init.seed ?? 0)));
  }

  encode(tape: Tape, x: Var, labels: Var | null): { mu: Var; logvar: Var } {
    const h = this.layers.encoder.forward(tape, this.parameters, withLabels(tape, x, labels));
    return { mu: this.layers.mu.forward(tape, this.parameters, h), logvar: this.layers.logvar!.forward(tape, this.parameters, h) };
  }

  decode(tape: Tape, z: Var, labels: Var | null): Var {
    return this.layers.decoder.forward(tape, this.parameters, withLabels(tape, z, labels));
  }

  loss(tape: Tape, batch: Batch, hyper: LossHyper = {}): ModelLoss {
    const labels = batch.labels ? constant(batch.labels, 'labels') : null;
    const { mu, logvar } = this.encode(tape, constant(batch.input, 'x'), labels);
    const z = reparameterize(tape, mu, logvar, batch.noise);
    const logits = this.decode(tape, z, labels);
    const { likelihood, sigma } = this.config;
    const l = vaeLoss(tape, logits, batch.target, mu, logvar, { beta: hyper.beta ?? this.config.beta, likelihood, sigma });
    return { ...l, outputs: { mu, logvar, z, logits } };
  }

  dispose(): void {
    this.parameters.dispose();
  }
}

/** Initial parameters of a dense model as `new Vae(gpu, config, { seed })` draws them. */
export function initialVaeParameters(c: DenseConfig, seed: number): Record<string, Float32Array> {
  return initialDenseParameters(c, mulberry32(seed));
}
