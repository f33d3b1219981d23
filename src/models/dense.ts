// The layers of the dense models and their names, shared by the VAE and the plain
// autoencoder:  encoder body (an MLP, every layer activated) -> latent head(s) ->
// decoder (an MLP back to the image, no output activation). A conditional model
// joins the label's one-hot to the encoder's and to the decoder's input.
//
// Names follow the PyTorch twin (README, "The model and its loss"):
//   one hidden layer:  examples/vae's fc1, fc21 (mu), fc22 (logvar), fc3, fc4
//   deeper:            nn.Sequential indices encoder.0, encoder.2, ..., fc_mu,
//                      fc_logvar, decoder.0, decoder.2, ... (activations sit at the
//                      odd indices and own no parameters)
// An autoencoder has the mu head only. Layers are initialised in the order listed,
// from one seeded stream, so a seed gives the same weights as earlier versions.
import { concat } from '../autograd/ops.js';
import { Var, type Tape } from '../autograd/tape.js';
import type { Gpu } from '../gpu/runtime.js';
import { Linear } from '../nn/linear.js';
import { Mlp } from '../nn/mlp.js';
import { initOf, specsOf, type Layer } from '../nn/module.js';
import { ParameterStore, type ParameterSpec } from '../nn/parameters.js';
import { mulberry32 } from '../random.js';
import type { DenseConfig } from './config.js';
import type { Batch, LatentModel, LossHyper, ModelLoss } from './model.js';

export interface DenseLayers {
  encoder: Mlp;
  mu: Linear;
  logvar: Linear | null;
  decoder: Mlp;
  /** Every layer, in state_dict (and initialisation) order. */
  all: Layer[];
}

export function denseLayers(c: DenseConfig): DenseLayers {
  const classic = c.hidden.length === 1;
  const sequential = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}.${2 * i}`);
  const top = c.hidden[c.hidden.length - 1];
  const encoder = new Mlp({
    sizes: [c.inputSize + c.classes, ...c.hidden],
    names: classic ? ['fc1'] : sequential('encoder', c.hidden.length),
    activation: c.activation,
    output: c.activation,
  });
  const mu = new Linear(classic ? 'fc21' : 'fc_mu', top, c.latent);
  const logvar = c.kind === 'vae' ? new Linear(classic ? 'fc22' : 'fc_logvar', top, c.latent) : null;
  const decoder = new Mlp({
    sizes: [c.latent + c.classes, ...[...c.hidden].reverse(), c.inputSize],
    names: classic ? ['fc3', 'fc4'] : sequential('decoder', c.hidden.length + 1),
    activation: c.activation,
  });
  return { encoder, mu, logvar, decoder, all: [encoder, mu, ...(logvar ? [logvar] : []), decoder] };
}

export function denseParameterSpecs(c: DenseConfig): ParameterSpec[] {
  return specsOf(denseLayers(c).all);
}

/** Initial parameters, as PyTorch's nn.Linear draws them, from one seeded stream in layer order. */
export function initialDenseParameters(c: DenseConfig, next: () => number): Record<string, Float32Array> {
  return initOf(denseLayers(c).all, next);
}

/** v, or [v | one-hot labels] for a conditional model (torch.cat(dim=1)). */
export function withLabels(tape: Tape, v: Var, labels: Var | null): Var {
  return labels ? concat(tape, v, labels) : v;
}

/** A constant (no gradient) batch tensor as a Var. */
export function constant(t: Var['value'], name: string): Var {
  return new Var(t, false, name);
}

export interface ModelInit {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Parameter values by name (a checkpoint); overrides seed. */
  values?: Record<string, Float32Array>;
}

/**
 * What the dense VAE and the autoencoder share: the layers, the parameter store, the
 * encoder body and the decoder. A subclass adds its latent head(s) and its loss.
 */
export abstract class DenseModel implements LatentModel {
  readonly parameters: ParameterStore;
  protected readonly layers: DenseLayers;

  constructor(
    readonly gpu: Gpu,
    readonly config: DenseConfig,
    init: ModelInit,
  ) {
    this.layers = denseLayers(config);
    this.parameters = new ParameterStore(gpu, specsOf(this.layers.all));
    this.parameters.load(init.values ?? initOf(this.layers.all, mulberry32(init.seed ?? 0)));
  }

  /** The encoder's last hidden layer for inputs x (joined by the labels of a conditional model). */
  protected hidden(tape: Tape, x: Var, labels: Var | null): Var {
    return this.layers.encoder.forward(tape, this.parameters, withLabels(tape, x, labels));
  }

  abstract encode(tape: Tape, x: Var, labels: Var | null): { mu: Var; logvar: Var | null };

  decode(tape: Tape, z: Var, labels: Var | null): Var {
    return this.layers.decoder.forward(tape, this.parameters, withLabels(tape, z, labels));
  }

  abstract loss(tape: Tape, batch: Batch, hyper?: LossHyper): ModelLoss;

  /** The batch's labels as a constant Var (null for an unconditional model). */
  protected labels(batch: Batch): Var | null {
    return batch.labels ? constant(batch.labels, 'labels') : null;
  }

  dispose(): void {
    this.parameters.dispose();
  }
}
