// A captured program: the dispatches and copies of a static step (a training step,
// an evaluation batch), replayed without creating bind groups or buffers. Values
// that change between replays (the RNG step, the batch offset) are `Live` uniform
// fields, re-packed into their dispatch's existing uniform buffer on each replay.
import type { UniformLayout } from './shader.js';
import type { Dispatch, KernelCall } from './runtime.js';
import type { Tensor } from '../tensor.js';

/** A uniform value read at every replay. */
export class Live {
  constructor(public value: number) {}
}

export type Command = { kind: 'dispatch'; dispatch: Dispatch } | { kind: 'copy'; src: Tensor; dst: Tensor };

export interface Program {
  label: string;
  commands: Command[];
  live: { dispatch: Dispatch; layout: UniformLayout; params: NonNullable<KernelCall['params']>; label: string }[];
  /** Pool buffers the program owns: its intermediates, reused on every replay. */
  arena: GPUBuffer[];
}

/** The uniform fields' values now, with each Live read. */
export function resolveParams(params: KernelCall['params']): Record<string, number | readonly number[]> {
  const out: Record<string, number | readonly number[]> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = v instanceof Live ? v.value : v;
  return out;
}
