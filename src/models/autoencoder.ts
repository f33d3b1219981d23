// The plain autoencoder: the dense VAE's encoder and decoder around a deterministic
// bottleneck z = fc21 h (no log-variance head, no noise, no KL). The loss is the
// reconstruction term alone, in the same nats as the VAE's, so the two compare
// directly; its latent space has the gaps a VAE's KL term closes.
import { reconstructionLoss } from '../autograd/ops.js';
import type { Tape, Var } from '../autograd/tape.js';
import type { Gpu } from '../gpu/runtime.js';
import { ParameterStore } from '../nn/parameters.js';
import { mulberry32 } from '../random.js';
import { denseConfig, type DenseConfig } from './config.js';
import { constant, denseLayers, denseParameterSpecs, initialDenseParameters, withLabels, type DenseLayers } from './dense.js';
import type { Batch, LatentModel, ModelLoss } from './model.js';
import type { ModelInit } from './vae.js';

export class Autoencoder implements LatentModel {
  readonly config: DenseConfig;
  readonly parameters: ParameterStore;
  private readonly layers: DenseLayers;

  constructor(
    readonly gpu: Gpu,
    config: Parameters<typeof denseConfig>[0] = {},
    init: ModelInit = {},
  ) {
    // No KL term: beta is 0 in the config, so config.json and the metrics say so.
    this.config = denseConfig({ ...config, kind: 'ae', beta: 0 });
    this.layers = denseLayers(this.config);
    this.parameters = new ParameterStore(gpu, denseParameterSpecs(this.config));
    this.parameters.load(init.values ?? initialDenseParameters(this.config, mulberry32(init.seed ?? 0)));
  }

  encode(tape: Tape, x: Var, labels: Var | null): { mu: Var; logvar: null } {
    const h = this.layers.encoder.forward(tape, this.parameters, withLabels(tape, x, labels));
    return { mu: this.layers.mu.forward(tape, this.parameters, h), logvar: null };
  }

  decode(tape: Tape, z: Var, labels: Var | null): Var {
    return this.layers.decoder.forward(tape, this.parameters, withLabels(tape, z, labels));
  }

  loss(tape: Tape, batch: Batch): ModelLoss {
    const labels = batch.labels ? constant(batch.labels, 'labels') : null;
    const { mu: z } = this.encode(tape, constant(batch.input, 'x'), labels);
    const logits = this.decode(tape, z, labels);
    const { likelihood, sigma } = this.config;
    return { ...reconstructionLoss(tape, logits, batch.target, { likelihood, sigma }), outputs: { z, mu: z, logits } };
  }

  dispose(): void {
    this.parameters.dispose();
  }
}
