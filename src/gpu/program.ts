// A captured program: the dispatches and copies of a static step (a training step,
// an evaluation batch), replayed without creating bind groups or buffers. Values
// that change between replays (the RNG step, the batch offset) are `Live` uniform
// fields, re-packed into their dispatch's existing uniform buffer on each replay;
// a derived Live (e.g. the KL gradient scale from a Live beta) is recomputed then.
import type { UniformLayout } from './shader.js';
import type { Dispatch, KernelCall } from './runtime.js';
import type { Tensor } from '../tensor.js';

/**
 * A uniform value read at every replay. `new Live(x)` holds a value its owner sets
 * (`live.value = y` before a replay). `Live.derived(compute)` holds none: each read
 * of `.value` calls `compute()` (so every replay re-derives it, e.g. a scale formed
 * from another Live in float64), and setting it throws. A compute that throws makes
 * the call or replay that reads it throw before anything is recorded.
 */
export class Live {
  #value: number;
  #compute: (() => number) | null = null;

  constructor(value: number) {
    this.#value = value;
  }

  /** A value computed from others on every read; it cannot be set. */
  static derived(compute: () => number): Live {
    if (typeof compute !== 'function') throw new TypeError('Live.derived: expected a function returning the value');
    const live = new Live(Number.NaN);
    live.#compute = compute;
    return live;
  }

  /** True for a `Live.derived` value. */
  get isDerived(): boolean {
    return this.#compute !== null;
  }

  get value(): number {
    return this.#compute ? this.#compute() : this.#value;
  }

  set value(value: number) {
    if (this.#compute) throw new TypeError('Live: a derived value cannot be set; set the values it is derived from');
    this.#value = value;
  }
}

export type Command = { kind: 'dispatch'; dispatch: Dispatch } | { kind: 'copy'; src: Tensor; dst: Tensor };

export interface Program {
  label: string;
  commands: Command[];
  live: { dispatch: Dispatch; layout: UniformLayout; params: NonNullable<KernelCall['params']>; label: string }[];
  /** Pool buffers the program owns: its intermediates, reused on every replay. */
  arena: GPUBuffer[];
  /** Every buffer its commands read or write: none may be released while it lives. */
  buffers: Set<GPUBuffer>;
}

/** The uniform fields' values now, with each Live read. */
export function resolveParams(params: KernelCall['params']): Record<string, number | readonly number[]> {
  const out: Record<string, number | readonly number[]> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = v instanceof Live ? v.value : v;
  return out;
}
