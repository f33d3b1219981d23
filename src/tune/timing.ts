// Timing of matmul configurations for the tuner (on a plain matmul, or on the conv
// GEMM that a problem's `conv` describes, with fresh operands of its shapes): each candidate is compiled and run
// once (warm-up), then the candidates are timed in interleaved rounds (so a slow
// moment of a shared machine falls on all of them, not on one), each round a batch of
// launches in one submit, and the median per launch is kept. The time is wall time
// from submit to onSubmittedWorkDone, which every adapter has (CPU adapters have no
// timestamps); the batch is sized so that this overhead is small beside the work.
import type { Gpu } from '../gpu/runtime.js';
import { runConvGemm } from '../ops/conv.js';
import { matmul, type GemmProblem, type MatmulConfig } from '../ops/matmul.js';
import type { Tensor } from '../tensor.js';
import { median } from '../vae/step-profile.js';

export interface TimingBudget {
  /** Rounds at most (at least one is always run). */
  rounds: number;
  /** Stop starting rounds after this many ms of timing. */
  ms: number;
  /** A round's batch of launches aims at this many ms. */
  batchMs: number;
}

/** Median ms per launch of each candidate (Infinity for one that failed to compile or run). */
export async function timeCandidates(gpu: Gpu, p: GemmProblem, candidates: readonly MatmulConfig[], budget: TimingBudget): Promise<number[]> {
  const operands = makeOperands(gpu, p);
  try {
    const { a, b, c: out } = operands;
    const conv = p.conv;
    const launch = conv
      ? (c: MatmulConfig) => runConvGemm(gpu, conv, a, b, out, c)
      : (c: MatmulConfig) => matmul(gpu, a, b, { transA: p.transA, transB: p.transB, out, config: c });
    const batch: number[] = [];
    for (const c of candidates) batch.push(await warmUp(gpu, () => launch(c), budget.batchMs));
    const times: number[][] = candidates.map(() => []);
    const start = performance.now();
    for (let round = 0; round < budget.rounds && (round === 0 || performance.now() - start < budget.ms); round++) {
      for (let i = 0; i < candidates.length; i++) {
        // Rotated each round, so no candidate always runs right after the same one.
        const at = (i + round) % candidates.length;
        if (!Number.isFinite(batch[at])) continue;
        const t0 = performance.now();
        for (let r = 0; r < batch[at]; r++) launch(candidates[at]);
        await gpu.finish();
        times[at].push((performance.now() - t0) / batch[at]);
      }
    }
    return times.map((t) => (t.length ? median(t) : Infinity));
  } finally {
    gpu.release(operands.a, operands.b, operands.c);
  }
}

/** Compiles and runs a candidate twice; returns the launches per timed batch (Infinity when it fails). */
async function warmUp(gpu: Gpu, launch: () => void, batchMs: number): Promise<number> {
  try {
    launch();
    await gpu.finish();
    const t0 = performance.now();
    launch();
    await gpu.finish();
    const once = performance.now() - t0;
    return Math.max(1, Math.min(200, Math.round(batchMs / Math.max(once, 1e-3))));
  } catch {
    return Infinity;
  }
}

function makeOperands(gpu: Gpu, p: GemmProblem): { a: Tensor; b: Tensor; c: Tensor } {
  // Values in [-1, 1): the time does not depend on them, but denormals or NaNs could.
  const fill = (n: number) => Float32Array.from({ length: n }, (_, i) => ((Math.imul(i, 2654435761) >>> 0) % 1000) / 500 - 1);
  if (p.conv) {
    const tensor = (shape: number[], label: string) => gpu.upload(fill(shape.reduce((x, y) => x * y, 1)), shape, label);
    return { a: tensor(p.conv.imageShape, 'tune.image'), b: tensor(p.conv.otherShape, 'tune.other'), c: gpu.empty(p.conv.outShape, 'tune.c') };
  }
  const a = gpu.upload(fill(p.M * p.K), p.transA ? [p.K, p.M] : [p.M, p.K], 'tune.a');
  const b = gpu.upload(fill(p.K * p.N), p.transB ? [p.N, p.K] : [p.K, p.N], 'tune.b');
  return { a, b, c: gpu.empty([p.M, p.N], 'tune.c') };
}
