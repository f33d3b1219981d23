// The plain autoencoder objective: the VAE's networks around a deterministic
// bottleneck z = mu head (no log-variance head, no noise, no KL). The loss is the
// reconstruction term alone, in the same nats as the VAE's, so the two compare
// directly; its latent space has the gaps a VAE's KL term closes.
import { reconstructionLoss } from '../autograd/ops.js';
import type { Tape, Var } from '../autograd/tape.js';
import type { Gpu } from '../gpu/runtime.js';
import { denseConfig } from './config.js';
import { LatentModelBase, type ModelInit } from './latent-model.js';
import type { Batch, ModelLoss } from './model.js';

export class Autoencoder extends LatentModelBase {
  constructor(gpu: Gpu, config: Parameters<typeof denseConfig>[0] = {}, init: ModelInit = {}) {
    // No KL term: beta is 0 in the config, so config.json and the metrics say so.
    super(gpu, denseConfig({ ...config, kind: 'ae', beta: 0 }), init);
  }

  override encode(tape: Tape, x: Var, labels: Var | null): { mu: Var; logvar: null } {
    return { mu: super.encode(tape, x, labels).mu, logvar: null };
  }

  loss(tape: Tape, batch: Batch): ModelLoss {
    const { x, labels } = this.inputs(batch);
    const { mu: z } = this.encode(tape, x, labels);
    const logits = this.decode(tape, z, labels);
    const { likelihood, sigma } = this.config;
    return { ...reconstructionLoss(tape, logits, batch.target, { likelihood, sigma }), outputs: { z, mu: z, logits } };
  }
}
