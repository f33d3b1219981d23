// A multilayer perceptron: Linear layers of the given widths, each but the last
// followed by the hidden activation (the last by `output`, identity by default).
// Layer names are given by the caller, so a model can keep the names of its PyTorch
// twin (examples/vae's fc1/fc3, or nn.Sequential indices such as encoder.0).
import type { Tape, Var } from '../autograd/tape.js';
import { ShapeError } from '../gpu/errors.js';
import type { Activation } from '../ops/activation.js';
import { Linear } from './linear.js';
import { initOf, specsOf, type Layer } from './module.js';
import type { ParameterSpec, ParameterStore } from './parameters.js';

export interface MlpOptions {
  /** Widths from input to output: [in, h1, ..., out]. */
  sizes: readonly number[];
  /** One name per Linear layer (sizes.length - 1 of them). */
  names: readonly string[];
  activation: Activation;
  /** Activation of the last layer; default identity. */
  output?: Activation;
}

export class Mlp implements Layer {
  readonly layers: Linear[];

  constructor(o: MlpOptions) {
    if (o.sizes.length < 2 || o.names.length !== o.sizes.length - 1) {
      throw new ShapeError(`Mlp: ${o.sizes.length} sizes need ${Math.max(0, o.sizes.length - 1)} layer names, got ${o.names.length}`);
    }
    const last = o.names.length - 1;
    this.layers = o.names.map((name, i) => new Linear(name, o.sizes[i], o.sizes[i + 1], i === last ? (o.output ?? 'identity') : o.activation));
  }

  specs(): ParameterSpec[] {
    return specsOf(this.layers);
  }

  init(next: () => number): Record<string, Float32Array> {
    return initOf(this.layers, next);
  }

  forward(tape: Tape, store: ParameterStore, x: Var): Var {
    return this.layers.reduce((h, layer) => layer.forward(tape, store, h), x);
  }
}
