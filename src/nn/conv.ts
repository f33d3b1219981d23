// nn.Conv2d and nn.ConvTranspose2d over NCHW activations: weight `${name}.weight`
// ([out, in, k, k] for a conv, [in, out, k, k] for a transposed conv, PyTorch's
// layouts) and bias `${name}.bias` [out], initialised as PyTorch's defaults
// (src/nn/init.ts); an activation, fused into the kernel's epilogue where it can be.
import { conv2d, convTranspose2d } from '../autograd/ops.js';
import type { Tape, Var } from '../autograd/tape.js';
import type { Activation } from '../ops/activation.js';
import type { ConvGeometry } from '../ops/conv.js';
import { convInit } from './init.js';
import type { Layer } from './module.js';
import type { ParameterSpec, ParameterStore } from './parameters.js';

export interface ConvLayerOptions extends ConvGeometry {
  kernel: number;
  activation?: Activation;
}

export abstract class ConvLayer implements Layer {
  readonly activation: Activation;

  constructor(
    readonly name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly options: ConvLayerOptions,
  ) {
    this.activation = options.activation ?? 'identity';
  }

  protected abstract weightShape(): [number, number, number, number];

  specs(): ParameterSpec[] {
    return [
      { name: `${this.name}.weight`, shape: this.weightShape() },
      { name: `${this.name}.bias`, shape: [this.outChannels] },
    ];
  }

  init(next: () => number): Record<string, Float32Array> {
    const { weight, bias } = convInit(this.weightShape(), this.outChannels, next);
    return { [`${this.name}.weight`]: weight, [`${this.name}.bias`]: bias };
  }

  protected geometry(): ConvGeometry {
    const { stride, padding, dilation } = this.options;
    return { stride, padding, dilation };
  }
}

export class Conv2d extends ConvLayer {
  protected weightShape(): [number, number, number, number] {
    return [this.outChannels, this.inChannels, this.options.kernel, this.options.kernel];
  }

  forward(tape: Tape, store: ParameterStore, x: Var): Var {
    return conv2d(tape, x, store.get(`${this.name}.weight`), store.get(`${this.name}.bias`), this.geometry(), this.activation);
  }
}

export class ConvTranspose2d extends ConvLayer {
  constructor(
    name: string,
    inChannels: number,
    outChannels: number,
    options: ConvLayerOptions,
    /** Extra output rows and columns (PyTorch's output_padding), each 0..stride-1. */
    readonly outputPadding: readonly [number, number] = [0, 0],
  ) {
    super(name, inChannels, outChannels, options);
  }

  protected weightShape(): [number, number, number, number] {
    return [this.inChannels, this.outChannels, this.options.kernel, this.options.kernel];
  }

  forward(tape: Tape, store: ParameterStore, x: Var): Var {
    const geometry = { ...this.geometry(), outputPadding: this.outputPadding };
    return convTranspose2d(tape, x, store.get(`${this.name}.weight`), store.get(`${this.name}.bias`), geometry, this.activation);
  }
}
