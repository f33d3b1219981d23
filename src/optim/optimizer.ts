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
import { ShapeError } from '../gpu/errors.js';

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
  /** The non-finite guard's health (src/ops/guard.ts): steps it flags are skipped on the GPU. */
  guard?: Tensor;
}

export class Optimizer {
  /** Everything a step reads besides params and grads, by name (saved to resume training). */
  private readonly state: Record<string, Tensor>;
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
      this.state = { state: s.state, ...(s.momentumBuffer ? { momentum: s.momentumBuffer } : {}) };
      this.step = () => sgdStep(gpu, { params, grads, ...s, guard: options.guard }, options);
    } else {
      const s = createAdamState(gpu, length);
      this.state = { m: s.m, v: s.v, state: s.state };
      const decoupled = options.kind === 'adamw';
      this.step = () => adamStep(gpu, { params, grads, ...s, guard: options.guard }, { ...options, decoupled });
    }
  }

  /** The optimizer's state (moments and the GPU step counter) as raw f32 words, for a training checkpoint. */
  async readState(): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(this.state)) out[name] = await this.gpu.read(t);
    return out;
  }

  /** Restores what readState() returned (the same optimizer kind and parameter count). */
  writeState(values: Record<string, Float32Array>): void {
    const names = Object.keys(this.state);
    const given = Object.keys(values);
    if (names.length !== given.length || names.some((n) => !given.includes(n))) {
      throw new ShapeError(`optimizer state holds ${given.join(', ') || 'nothing'}, but ${this.options.kind} needs ${names.join(', ')}; was it saved by another optimizer?`);
    }
    for (const [name, t] of Object.entries(this.state)) {
      if (values[name].length !== t.size) throw new ShapeError(`optimizer state '${name}' has ${values[name].length} values; this model needs ${t.size}`);
      this.gpu.write(t, values[name]);
    }
  }

  dispose(): void {
    this.gpu.release(...Object.values(this.state));
  }
}
