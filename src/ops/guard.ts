// The non-finite guard of a training step (shaders/guard.wgsl): two dispatches after
// the backward pass decide whether this step's gradients and loss are all finite;
// the optimizer, given the guard, skips a step that is not (src/ops/optimizer-step.ts),
// and only finite steps' stats reach the epoch's sums.
import src, { reflection } from '../../shaders/guard.wgsl';
import vec4Src, { reflection as vec4Reflection } from '../../shaders/guard_vec4.wgsl';
import { shaderOf } from '../gpu/shader.js';
import { ShapeError } from '../gpu/errors.js';
import type { Gpu, KernelCall } from '../gpu/runtime.js';
import type { Tensor } from '../tensor.js';
import { streamLaunch } from './stream.js';

const shader = shaderOf('guard', src, reflection);
/**
 * The scan four gradients at a time, for n % 4 == 0 (every model's flat buffer):
 * 1.6-1.8x the scalar scan's speed on the VAE's 652,824 gradients on both CPU
 * adapters (medians of paired runs against 652,825, 2026-12-03).
 */
const vec4Shader = shaderOf('guard_vec4', vec4Src, vec4Reflection);
/** Words of the Health struct: loss, recon, kl (f32), then skip, skipped_total, skipped_in_row (u32). */
export const HEALTH_SIZE = 6;

export interface Guard {
  /** The scan's finding for the step in flight (an atomic u32, reset by decide). */
  found: Tensor;
  /** The latest step's stats and verdict, and the skip counts (read back with the losses). */
  health: Tensor;
}

/** What a read of guard.health says. */
export interface HealthReport {
  loss: number;
  recon: number;
  kl: number;
  skipped: boolean;
  skippedTotal: number;
  skippedInRow: number;
}

export function createGuard(gpu: Gpu): Guard {
  return { found: gpu.upload([0], [1], 'guard.found', 'u32'), health: gpu.upload(new Float32Array(HEALTH_SIZE), [HEALTH_SIZE], 'guard.health') };
}

/** The scan and decide dispatches: `stats` is the step's (loss, recon, kl); a finite step adds it, and 1, to `epochSum`'s four sums. */
export function guardCalls(guard: Guard, grads: Tensor, stats: Tensor, epochSum: Tensor): KernelCall[] {
  if (stats.size !== 3 || epochSum.size !== 4) throw new ShapeError(`guard: stats holds (loss, recon, kl) and epochSum (loss, recon, kl, steps); got ${stats.size} and ${epochSum.size} values`);
  if (guard.health.size !== HEALTH_SIZE || guard.found.size !== 1) throw new ShapeError('guard: create its buffers with createGuard(gpu)');
  const n = grads.size;
  return [
    {
      ...streamLaunch(n, { shader, entry: 'scan' }, { shader: vec4Shader, entry: 'scan4' }),
      bindings: { grads, stats, found: guard.found },
      params: { n },
      cost: { bytes: 4 * n },
    },
    { shader, entry: 'decide', bindings: { stats, found: guard.found, health: guard.health, epoch_sum: epochSum }, workgroups: [1] },
  ];
}

export function recordGuard(gpu: Gpu, guard: Guard, grads: Tensor, stats: Tensor, epochSum: Tensor): void {
  for (const call of guardCalls(guard, grads, stats, epochSum)) gpu.run(call);
}

/** Decodes a read of guard.health (its u32 words travel as f32 bits). */
export function healthReport(words: Float32Array): HealthReport {
  const u = new Uint32Array(words.buffer, words.byteOffset, HEALTH_SIZE);
  return { loss: words[0], recon: words[1], kl: words[2], skipped: u[3] !== 0, skippedTotal: u[4], skippedInRow: u[5] };
}
