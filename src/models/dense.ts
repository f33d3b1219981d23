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
import { Linear } from '../nn/linear.js';
import { Mlp } from '../nn/mlp.js';
import { initOf, specsOf, type Layer } from '../nn/module.js';
import type { ParameterSpec, ParameterStore } from '../nn/parameters.js';
import type { DenseConfig } from './config.js';
import type { Network } from './network.js';

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

/** The dense network as a Network: MLP body, heads, mirrored MLP decoder. */
export class DenseNetwork implements Network {
  private readonly l: DenseLayers;
  readonly layers: readonly Layer[];

  constructor(c: DenseConfig) {
    this.l = denseLayers(c);
    this.layers = this.l.all;
  }

  encode(tape: Tape, store: ParameterStore, x: Var, labels: Var | null): { mu: Var; logvar: Var | null } {
    const h = this.l.encoder.forward(tape, store, withLabels(tape, x, labels));
    return { mu: this.l.mu.forward(tape, store, h), logvar: this.l.logvar ? this.l.logvar.forward(tape, store, h) : null };
  }

  decode(tape: Tape, store: ParameterStore, z: Var, labels: Var | null): Var {
    return this.l.decoder.forward(tape, store, withLabels(tape, z, labels));
  }
}
