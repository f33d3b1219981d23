// The pre-timing check: before anything is timed, every implementation computes the
// loss of the first step's batch at the shared initial parameters with the noise set
// to zero (z = mu), and the gradients of that loss, and each must match the float64
// reference (reference.ts) and so each other. With eps = 0 nothing random is left,
// so the numbers must agree to float32 rounding; a layout, padding or flatten-order
// mistake shows up as a loss off by whole nats or gradients off by tens of per cent.
// Ours runs its own encoder, decoder and fused loss kernel on the GPU (the kernels
// its captured step uses), with z = mu in place of the reparameterisation.
import { vaeLoss } from '../../src/autograd/ops.js';
import { gradRules } from '../../src/autograd/rules.js';
import { Tape, Var } from '../../src/autograd/tape.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import type { VaeConfig } from '../../src/models/config.js';
import { Vae } from '../../src/models/vae.js';
import { firstBatchIndices, SEED, type CheckResult } from './spec.js';

/**
 * An implementation fails the check beyond these (relative to the reference): the
 * loss, and any parameter's gradient (L2 norm of the difference over the reference's
 * norm). float32 sums over up to 200,704 terms (a conv weight gradient at batch
 * 1024) stay near 1e-4.
 */
export const CHECK_TOLERANCE = { loss: 1e-4, grad: 1e-3 } as const;

/** The first batch's images, [batch, rows*cols], gathered on the CPU. */
export function firstBatchImages(data: ImageDataset, batch: number): Float32Array<ArrayBuffer> {
  const d = data.rows * data.cols;
  const idx = firstBatchIndices(data, batch);
  const x = new Float32Array(batch * d);
  for (let b = 0; b < batch; b++) x.set(data.images.subarray(idx[b] * d, (idx[b] + 1) * d), b * d);
  return x;
}

/** Ours at eps = 0: the model measureTrainingThroughput builds (same config and seed), one forward and backward. */
export async function oursCheck(gpu: Gpu, data: ImageDataset, batch: number, config: Partial<VaeConfig>): Promise<CheckResult> {
  const d = data.rows * data.cols;
  const model = new Vae(gpu, { ...config, inputSize: d, imageRows: data.rows, imageCols: data.cols }, { seed: SEED });
  const x = gpu.upload(firstBatchImages(data, batch), [batch, d], 'check-x');
  const tape = new Tape(gpu);
  try {
    const { mu, logvar } = model.encode(tape, new Var(x, false, 'x'), null);
    const logits = model.decode(tape, mu, null); // z = mu + exp(logvar/2)·0
    const { likelihood, sigma, beta } = model.config;
    const l = vaeLoss(tape, logits, x, mu, logvar, { beta, likelihood, sigma });
    tape.backward(l.loss, gradRules);
    const loss = (await gpu.read(l.stats))[0];
    const grads = await model.parameters.read('grads');
    return { loss, grads };
  } finally {
    tape.dispose();
    model.dispose();
    gpu.release(x);
  }
}

export interface CheckComparison {
  /** The implementation's loss at eps = 0, and |loss - reference| / |reference|. */
  loss: number;
  loss_rel_diff: number;
  /** The largest over parameters of |g - g_ref| / |g_ref| (L2 norms), and where. */
  grad_rel_err: number;
  grad_worst: string;
  ok: boolean;
}

/** How far `got` is from `reference`. */
export function compareCheck(reference: CheckResult, got: CheckResult): CheckComparison {
  const lossRel = Math.abs(got.loss - reference.loss) / Math.abs(reference.loss);
  let worst = 0;
  let where = '';
  for (const [name, g] of Object.entries(reference.grads)) {
    const p = got.grads[name];
    let err: number;
    if (!p || p.length !== g.length) err = Infinity;
    else {
      let num = 0;
      let den = 0;
      for (let i = 0; i < g.length; i++) {
        num += (p[i] - g[i]) ** 2;
        den += g[i] ** 2;
      }
      err = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }
    if (!(err <= worst)) {
      worst = err;
      where = name;
    }
  }
  for (const name of Object.keys(got.grads)) if (!(name in reference.grads)) [worst, where] = [Infinity, name];
  const ok = Number.isFinite(got.loss) && lossRel <= CHECK_TOLERANCE.loss && worst <= CHECK_TOLERANCE.grad;
  return { loss: got.loss, loss_rel_diff: lossRel, grad_rel_err: worst, grad_worst: where, ok };
}

export function describeComparison(c: CheckComparison, reference: number): string {
  return `loss at eps=0 ${c.loss.toFixed(4)} vs float64 ${reference.toFixed(4)} (rel ${c.loss_rel_diff.toExponential(1)}), gradients rel err <= ${c.grad_rel_err.toExponential(1)} (${c.grad_worst})`;
}
