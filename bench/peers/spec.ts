// What every implementation in the peer comparison shares, so they train the same
// thing: the classic VAE's sizes (src/vae/config.ts defaults), the exact initial
// parameters ours starts from (initialVaeParameters with the same seed), Adam with
// torch's defaults at lr 1e-3, and the same batches (the trainer's per-epoch
// permutations of the embedded MNIST training split, full batches only).
import type { ImageDataset } from '../../src/data/dataset.js';
import { permutation } from '../../src/random.js';
import { vaeConfig } from '../../src/models/config.js';
import { initialVaeParameters } from '../../src/models/vae.js';
import { epochSeed } from '../../src/train/trainer.js';

export const SEED = 1;
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;
export const VAE = vaeConfig();

/** A peer's training loop, one step at a time. */
export interface PeerTrainer {
  /** Queues one training step (no waiting). */
  step(): void;
  /** Resolves when every queued step has finished, with the latest batch loss. */
  sync(): Promise<number>;
  dispose(): void;
}

export const LAYERS = ['fc1', 'fc21', 'fc22', 'fc3', 'fc4'] as const;
export type Layer = (typeof LAYERS)[number];

/** A layer's initial parameters with the weight as [in, out] (x @ W), the layout the peers multiply with. */
export interface LayerInit {
  inputs: number;
  outputs: number;
  weight: Float32Array<ArrayBuffer>;
  bias: Float32Array<ArrayBuffer>;
}

/** Ours stores PyTorch's [out, in]; the values are the same, transposed once here. */
export function initialLayers(): Record<Layer, LayerInit> {
  const p = initialVaeParameters(VAE, SEED);
  const out = {} as Record<Layer, LayerInit>;
  for (const l of LAYERS) {
    const bias = Float32Array.from(p[`${l}.bias`]);
    const w = p[`${l}.weight`];
    const outputs = bias.length;
    const inputs = w.length / outputs;
    const weight = new Float32Array(w.length);
    for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) weight[i * outputs + o] = w[o * inputs + i];
    out[l] = { inputs, outputs, weight, bias };
  }
  return out;
}

/** Yields, step after step, which batch to take; a new epoch's permutation comes with its first step. */
export class BatchSchedule {
  readonly stepsPerEpoch: number;
  private s = 0;
  private epoch = 0;

  constructor(
    readonly data: ImageDataset,
    readonly batch: number,
  ) {
    if (batch > data.n) throw new RangeError(`batch ${batch} is larger than the training set (${data.n})`);
    this.stepsPerEpoch = Math.floor(data.n / batch);
  }

  next(): { offset: number; order: Int32Array<ArrayBuffer> | null } {
    let order: Int32Array<ArrayBuffer> | null = null;
    if (this.s === 0) {
      this.epoch += 1;
      order = Int32Array.from(permutation(this.data.n, epochSeed(SEED, this.epoch)));
    }
    const offset = this.s * this.batch;
    this.s = (this.s + 1) % this.stepsPerEpoch;
    return { offset, order };
  }
}
