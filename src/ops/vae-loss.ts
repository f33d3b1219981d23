// The VAE objective, fused: reconstruction + beta * KL with all gradients, computed
// and reduced on the GPU (shaders/vae_loss.wgsl). Reduction, stated once:
//   per sample b:  recon_b = SUM over the D pixels,  kl_b = SUM over the L latents,
//                  loss_b  = recon_b + beta * kl_b
//   batch loss:    MEAN over the batch of loss_b  (stats[0]; stats[1], stats[2] are the
//                  batch means of recon_b and kl_b)
//   gradients:     of gradScale * (batch loss), i.e. each carries a factor gradScale / B.
// The dMu/dLogvar written here are the KL part only; add the decoder's part with
// reparameterizeBackward(..., { dmu: dMu, dlogvar: dLogvar, accumulate: true }).
import src from '../../shaders/vae_loss.wgsl';
import { ShapeError } from '../gpu/errors.js';
import type { Gpu } from '../gpu/runtime.js';
import { defineShader } from '../gpu/shader.js';
import type { Tensor } from '../tensor.js';

const shader = defineShader('vae_loss', src);

/** 'bernoulli': recon holds logits and x lies in [0, 1]; 'gaussian': recon holds outputs, loss = sum of squared errors. */
export type Likelihood = 'bernoulli' | 'gaussian';

const RECON_CODE: Record<Likelihood, number> = { bernoulli: 0, gaussian: 1 };

export interface VaeLossOutputs {
  /** [B, 3]: (loss_b, recon_b, kl_b) per sample. */
  perSample: Tensor;
  /** [3]: batch means of (loss, recon, kl); stats[0] is the loss the gradients belong to. */
  stats: Tensor;
  /** [B, D]: gradient with respect to the logits (bernoulli) or outputs (gaussian). */
  dRecon: Tensor;
  /** [B, L]: KL gradient with respect to mu. */
  dMu: Tensor;
  /** [B, L]: KL gradient with respect to logvar. */
  dLogvar: Tensor;
}

export interface VaeLossOptions {
  /** Weight of the KL term (1 for the plain VAE); finite and >= 0. */
  beta: number;
  likelihood: Likelihood;
  /** Multiplies every gradient (not the reported losses); default 1. */
  gradScale?: number;
  /** Preallocated outputs (any subset); the rest are new tensors. */
  out?: Partial<VaeLossOutputs>;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function matrix(name: string, t: Tensor, fix: string): [number, number] {
  if (t.shape.length !== 2) throw new ShapeError(`vaeLoss: ${name} has shape ${shapeText(t.shape)}; expected a 2-D [batch, features] tensor (${fix})`);
  const [rows, cols] = t.shape;
  if (rows < 1 || cols < 1) throw new ShapeError(`vaeLoss: ${name} has shape ${shapeText(t.shape)}; the batch and feature sizes must be at least 1`);
  return [rows, cols];
}

function output(gpu: Gpu, given: Tensor | undefined, shape: readonly number[], name: string): Tensor {
  if (!given) return gpu.empty(shape, name);
  if (given.shape.length !== shape.length || given.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`vaeLoss: out.${name} has shape ${shapeText(given.shape)}, expected ${shapeText(shape)}`);
  }
  return given;
}

/**
 * Reconstruction + beta * KL for a batch, its per-sample parts, its batch means and
 * the gradients of gradScale * (batch mean loss) with respect to recon, mu and logvar.
 * Records two dispatches and reads nothing back.
 */
export function vaeLoss(gpu: Gpu, recon: Tensor, x: Tensor, mu: Tensor, logvar: Tensor, options: VaeLossOptions): VaeLossOutputs {
  const [batch, d] = matrix('recon', recon, 'flatten each sample to one row');
  if (x.shape.length !== 2 || x.shape[0] !== batch || x.shape[1] !== d) {
    throw new ShapeError(`vaeLoss: x has shape ${shapeText(x.shape)} but recon has ${shapeText(recon.shape)}; the targets must match the reconstruction`);
  }
  const [muRows, l] = matrix('mu', mu, 'one row of latent means per sample');
  if (logvar.shape.length !== 2 || logvar.shape[0] !== muRows || logvar.shape[1] !== l) {
    throw new ShapeError(`vaeLoss: logvar has shape ${shapeText(logvar.shape)} but mu has ${shapeText(mu.shape)}; they are the two halves of the encoder output and must match`);
  }
  if (muRows !== batch) throw new ShapeError(`vaeLoss: recon has ${batch} rows but mu has ${muRows}; both must hold one row per sample of the same batch`);

  const { beta, likelihood, gradScale = 1 } = options;
  if (!Object.hasOwn(RECON_CODE, likelihood)) throw new ShapeError(`vaeLoss: unknown likelihood '${likelihood}'; choose 'bernoulli' (logits) or 'gaussian' (squared error)`);
  if (!Number.isFinite(beta) || beta < 0) throw new ShapeError(`vaeLoss: beta = ${beta}; the KL weight must be finite and >= 0`);
  if (!Number.isFinite(gradScale)) throw new ShapeError(`vaeLoss: gradScale = ${gradScale}; it must be finite`);

  const out = options.out ?? {};
  const outputs: VaeLossOutputs = {
    perSample: output(gpu, out.perSample, [batch, 3], 'perSample'),
    stats: output(gpu, out.stats, [3], 'stats'),
    dRecon: output(gpu, out.dRecon, [batch, d], 'dRecon'),
    dMu: output(gpu, out.dMu, [batch, l], 'dMu'),
    dLogvar: output(gpu, out.dLogvar, [batch, l], 'dLogvar'),
  };
  // The scales are formed in float64 and rounded once, rather than divided on the GPU.
  const params = { batch, d, l, beta, recon_scale: gradScale / batch, kl_scale: (gradScale * beta) / batch };
  gpu.run({
    shader,
    entry: 'main',
    constants: { RECON: RECON_CODE[likelihood] },
    bindings: { recon, x, mu, logvar, per_sample: outputs.perSample, d_recon: outputs.dRecon, d_mu: outputs.dMu, d_logvar: outputs.dLogvar },
    params,
    workgroups: [Math.min(batch, gpu.device.limits.maxComputeWorkgroupsPerDimension)],
    // Reads logits and targets, writes their gradient; reads and writes the latents; per-sample out.
    cost: { bytes: 4 * (3 * batch * d + 4 * batch * l + 3 * batch) },
  });
  gpu.run({ shader, entry: 'batch_mean', bindings: { per_sample_in: outputs.perSample, stats: outputs.stats }, params, workgroups: [1], cost: { bytes: 4 * (3 * batch + 3) } });
  return outputs;
}
