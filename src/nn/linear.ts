// nn.Linear: y = act(x·Wᵀ + b), W stored [out, in] under `${name}.weight` and b under
// `${name}.bias`, initialised as PyTorch's default (src/nn/init.ts).
import { linear } from '../autograd/ops.js';
import type { Tape, Var } from '../autograd/tape.js';
import type { Activation } from '../ops/activation.js';
import { linearInit } from './init.js';
import type { Layer } from './module.js';
import type { ParameterSpec, ParameterStore } from './parameters.js';

export class Linear implements Layer {
  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    /** Applied to the output (fused into the matmul where its derivative reads the output). */
    readonly activation: Activation = 'identity',
  ) {}

  specs(): ParameterSpec[] {
    return [
      { name: `${this.name}.weight`, shape: [this.outFeatures, this.inFeatures] },
      { name: `${this.name}.bias`, shape: [this.outFeatures] },
    ];
  }

  init(next: () => number): Record<string, Float32Array> {
    const { weight, bias } = linearInit(this.outFeatures, this.inFeatures, next);
    return { [`${this.name}.weight`]: weight, [`${this.name}.bias`]: bias };
  }

  forward(tape: Tape, store: ParameterStore, x: Var): Var {
    return linear(tape, x, store.get(`${this.name}.weight`), store.get(`${this.name}.bias`), this.activation);
  }
}
