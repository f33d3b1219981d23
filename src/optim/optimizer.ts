// Optimisers over a model's flat parameter buffer: each step is one update
// dispatch over every parameter (plus a one-invocation dispatch that advances the
// step counter on the GPU, so bias correction needs nothing from the host).
// Hyperparameters and defaults follow torch.optim: Adam (coupled L2 weight decay),
// AdamW (decoupled, weight decay 0.01 by default), SGD (momentum, Nesterov).
import type { Live } from '../gpu/program.js';
import type { Gpu } from '../gpu/runtime.js';
import type { ParameterStore } from '../nn/parameters.js';
import { adamStep, createAdamState, createSgdState, sgdStep } from '../ops/optimizer-step.js';
import type { Tensor } from '../tensor.js';

export const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

export interface OptimizerOptions {
  kind: OptimizerKind;
  /** A Live value is re-read at every replay of a captured step (learning-rate schedules). */
  lr: number | Live;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  nesterov?: boolean;
}

export class Optimizer {
  private readonly state: Tensor[];
  readonly step: () => void;

  constructor(
    readonly gpu: Gpu,
    readonly store: ParameterStore,
    readonly options: OptimizerOptions,
  ) {
    const { params, grads, length } = store;
    if (!(OPTIMIZERS as readonly string[]).includes(options.kind)) {
      throw new RangeError(`unknown optimizer '${options.kind}'; choose one of ${OPTIMIZERS.join(', ')}`);
    }
    if (options.kind === 'sgd') {
      const s = createSgdState(gpu, length, (options.momentum ?? 0) > 0);
      this.state = [s.state, ...(s.momentumBuffer ? [s.momentumBuffer] : [])];
      this.step = () => sgdStep(gpu, { params, grads, ...s }, options);
    } else {
      const s = createAdamState(gpu, length);
      this.state = [s.m, s.v, s.state];
      const decoupled = options.kind === 'adamw';
      this.step = () => adamStep(gpu, { params, grads, ...s }, { ...options, decoupled });
    }
  }

  dispose(): void {
    this.gpu.release(...this.state);
  }
}
