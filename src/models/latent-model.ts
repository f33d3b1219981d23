// What every latent model shares whatever its objective: the network (chosen by the
// config: dense or convolutional), the flat parameter store its layers own, encode
// and decode through the network, and the batch's labels as a constant. The VAE and
// the autoencoder subclass it with their losses.
import { Var, type Tape } from '../autograd/tape.js';
import type { Gpu } from '../gpu/runtime.js';
import { initOf, specsOf } from '../nn/module.js';
import { ParameterStore } from '../nn/parameters.js';
import { mulberry32 } from '../random.js';
import type { DenseConfig } from './config.js';
import type { Batch, LatentModel, LossHyper, ModelLoss } from './model.js';
import { networkFor } from './networks.js';
import type { Network } from './network.js';

export interface ModelInit {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Parameter values by name (a checkpoint); overrides seed. */
  values?: Record<string, Float32Array>;
}

export abstract class LatentModelBase implements LatentModel {
  readonly parameters: ParameterStore;
  protected readonly network: Network;

  constructor(
    readonly gpu: Gpu,
    readonly config: DenseConfig,
    init: ModelInit,
  ) {
    this.network = networkFor(config);
    this.parameters = new ParameterStore(gpu, specsOf(this.network.layers));
    this.parameters.load(init.values ?? initOf(this.network.layers, mulberry32(init.seed ?? 0)));
  }

  encode(tape: Tape, x: Var, labels: Var | null): { mu: Var; logvar: Var | null } {
    return this.network.encode(tape, this.parameters, x, labels);
  }

  decode(tape: Tape, z: Var, labels: Var | null): Var {
    return this.network.decode(tape, this.parameters, z, labels);
  }

  abstract loss(tape: Tape, batch: Batch, hyper?: LossHyper): ModelLoss;

  /** The batch's input and labels as constant Vars (labels null for an unconditional model). */
  protected inputs(batch: Batch): { x: Var; labels: Var | null } {
    return { x: new Var(batch.input, false, 'x'), labels: batch.labels ? new Var(batch.labels, false, 'labels') : null };
  }

  dispose(): void {
    this.parameters.dispose();
  }
}
