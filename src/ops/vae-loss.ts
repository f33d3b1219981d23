// The VAE objective, fused: reconstruction + beta * KL with all gradients, computed
// and reduced on the GPU (shaders/vae_loss.wgsl). Reduction, stated once:
//   per sample b:  recon_b = SUM over the D pixels,  kl_b = SUM over the L latents,
//                  loss_b  = recon_b + beta * kl_b
//   batch loss:    MEAN over the batch of loss_b  (stats[0]; stats[1], stats[2] are the
//                  batch means of recon_b and kl_b)
//   gradients:     of gradScale * (batch loss), i.e. each carries a factor gradScale / B.
// Both likelihoods are negative log-likelihoods in nats per pixel: Bernoulli from
// logits (binary cross-entropy), or Gaussian N(x; o, sigma^2) with a fixed sigma,
//   0.5 ((x - o) / sigma)^2 + log(sigma) + 0.5 log(2 pi),  gradient (o - x) / sigma^2.
// The dMu/dLogvar written here are the KL part only; add the decoder's part with
// reparameterizeBackward(..., { dmu: dMu, dlogvar: dLogvar, accumulate: true }).
// `reconstructionLoss` is the same kernel without the KL (a plain autoencoder).
import src, { reflection } from '../../shaders/vae_loss.wgsl';
import { ShapeError } from '../gpu/errors.js';
import { Live, resolveParams } from '../gpu/program.js';
import type { Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import type { Tensor } from '../tensor.js';

const shader = shaderOf('vae_loss', src, reflection);

/**
 * 'bernoulli': recon holds logits and x lies in [0, 1], loss = binary cross-entropy;
 * 'gaussian': recon holds outputs, loss = the NLL of N(x; output, sigma^2) (needs `sigma`).
 */
export type Likelihood = 'bernoulli' | 'gaussian';

const RECON_CODE: Record<Likelihood, number> = { bernoulli: 0, gaussian: 1 };

export interface ReconstructionLossOutputs {
  /** [B, 3]: (loss_b, recon_b, kl_b) per sample (for reconstructionLoss: (recon_b, recon_b, 0)). */
  perSample: Tensor;
  /** [3]: batch means of (loss, recon, kl); stats[0] is the loss the gradients belong to. */
  stats: Tensor;
  /** [B, D]: gradient with respect to the logits (bernoulli) or outputs (gaussian). */
  dRecon: Tensor;
}

export interface VaeLossOutputs extends ReconstructionLossOutputs {
  /** [B, L]: KL gradient with respect to mu. */
  dMu: Tensor;
  /** [B, L]: KL gradient with respect to logvar. */
  dLogvar: Tensor;
}

export interface ReconstructionLossOptions {
  likelihood: Likelihood;
  /**
   * Standard deviation of the Gaussian decoder, in the units of x: required when
   * likelihood is 'gaussian' (finite and > 0); ignored for 'bernoulli' (so a model
   * config can always pass its sigma).
   */
  sigma?: number;
  /** Multiplies every gradient (not the reported losses); default 1. */
  gradScale?: number;
  /** Preallocated outputs (any subset); the rest are new tensors. */
  out?: Partial<ReconstructionLossOutputs>;
}

export interface VaeLossOptions extends Omit<ReconstructionLossOptions, 'out'> {
  /**
   * Weight of the KL term (1 for the plain VAE); finite and >= 0. A `Live` beta is
   * read at this call and again at every replay of a program that captured it (so a
   * captured step can anneal beta by setting `beta.value`); it is checked at each
   * read, and a replay with a beta that is not finite and >= 0 throws ShapeError
   * before recording anything.
   */
  beta: number | Live;
  /** Preallocated outputs (any subset); the rest are new tensors. */
  out?: Partial<VaeLossOutputs>;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function matrix(op: string, name: string, t: Tensor, fix: string): [number, number] {
  if (t.shape.length !== 2) throw new ShapeError(`${op}: ${name} has shape ${shapeText(t.shape)}; expected a 2-D [batch, features] tensor (${fix})`);
  const [rows, cols] = t.shape;
  if (rows < 1 || cols < 1) throw new ShapeError(`${op}: ${name} has shape ${shapeText(t.shape)}; the batch and feature sizes must be at least 1`);
  return [rows, cols];
}

function output(op: string, gpu: Gpu, given: Tensor | undefined, shape: readonly number[], name: string): Tensor {
  if (!given) return gpu.empty(shape, name);
  if (given.shape.length !== shape.length || given.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${op}: out.${name} has shape ${shapeText(given.shape)}, expected ${shapeText(shape)}`);
  }
  return given;
}

/** recon and x as [batch, d], checked against each other. */
function reconShapes(op: string, recon: Tensor, x: Tensor): [number, number] {
  const [batch, d] = matrix(op, 'recon', recon, 'flatten each sample to one row');
  if (x.shape.length !== 2 || x.shape[0] !== batch || x.shape[1] !== d) {
    throw new ShapeError(`${op}: x has shape ${shapeText(x.shape)} but recon has ${shapeText(recon.shape)}; the targets must match the reconstruction`);
  }
  return [batch, d];
}

/**
 * The override and the uniform fields of the likelihood. For the Gaussian, 1/sigma^2
 * and the per-pixel constant log(sigma) + 0.5 log(2 pi) are formed in float64 and
 * rounded once; the Bernoulli reads neither (both 0) and ignores sigma.
 */
function likelihoodParams(op: string, likelihood: Likelihood, sigma: number | undefined) {
  if (!Object.hasOwn(RECON_CODE, likelihood)) throw new ShapeError(`${op}: unknown likelihood '${likelihood}'; choose 'bernoulli' (logits) or 'gaussian' (outputs, with sigma)`);
  if (likelihood === 'bernoulli') return { RECON: RECON_CODE.bernoulli, inv_var: 0, log_norm: 0 };
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || !(sigma > 0)) {
    throw new ShapeError(`${op}: sigma = ${sigma}; likelihood 'gaussian' needs the decoder's standard deviation sigma, finite and > 0`);
  }
  const invVar = 1 / (sigma * sigma);
  const f32 = Math.fround(invVar);
  if (!Number.isFinite(f32) || f32 === 0) throw new ShapeError(`${op}: sigma = ${sigma}; 1/sigma^2 = ${invVar} does not fit in float32`);
  return { RECON: RECON_CODE.gaussian, inv_var: invVar, log_norm: Math.log(sigma) + 0.5 * Math.log(2 * Math.PI) };
}

function checkGradScale(op: string, gradScale: number): void {
  if (typeof gradScale !== 'number' || !Number.isFinite(gradScale)) throw new ShapeError(`${op}: gradScale = ${gradScale}; it must be finite`);
}

function checkBeta(op: string, beta: number): number {
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0) throw new ShapeError(`${op}: beta = ${beta}; the KL weight must be finite and >= 0`);
  return beta;
}

type Params = Record<string, number | Live>;

/** Records the row kernel (`main` or `recon_only`) and the batch mean after it. */
function launch(gpu: Gpu, entry: 'main' | 'recon_only', RECON: number, bindings: Record<string, Tensor>, perSample: Tensor, stats: Tensor, params: Params, bytes: number): void {
  const batch = params.batch as number;
  gpu.run({
    shader,
    entry,
    constants: { RECON },
    bindings: { ...bindings, per_sample: perSample },
    params,
    workgroups: [Math.min(batch, gpu.device.limits.maxComputeWorkgroupsPerDimension)],
    cost: { bytes },
  });
  // batch_mean reads only `batch`: its uniform is packed once, never re-packed on replay.
  gpu.run({ shader, entry: 'batch_mean', bindings: { per_sample_in: perSample, stats }, params: resolveParams(params), workgroups: [1], cost: { bytes: 4 * (3 * batch + 3) } });
}

/**
 * Reconstruction + beta * KL for a batch, its per-sample parts, its batch means and
 * the gradients of gradScale * (batch mean loss) with respect to recon, mu and logvar.
 * Records two dispatches and reads nothing back.
 */
export function vaeLoss(gpu: Gpu, recon: Tensor, x: Tensor, mu: Tensor, logvar: Tensor, options: VaeLossOptions): VaeLossOutputs {
  const op = 'vaeLoss';
  const [batch, d] = reconShapes(op, recon, x);
  const [muRows, l] = matrix(op, 'mu', mu, 'one row of latent means per sample');
  if (logvar.shape.length !== 2 || logvar.shape[0] !== muRows || logvar.shape[1] !== l) {
    throw new ShapeError(`${op}: logvar has shape ${shapeText(logvar.shape)} but mu has ${shapeText(mu.shape)}; they are the two halves of the encoder output and must match`);
  }
  if (muRows !== batch) throw new ShapeError(`${op}: recon has ${batch} rows but mu has ${muRows}; both must hold one row per sample of the same batch`);

  const { beta, likelihood, sigma, gradScale = 1 } = options;
  const { RECON, inv_var, log_norm } = likelihoodParams(op, likelihood, sigma);
  checkBeta(op, beta instanceof Live ? beta.value : beta);
  checkGradScale(op, gradScale);

  const out = options.out ?? {};
  const outputs: VaeLossOutputs = {
    perSample: output(op, gpu, out.perSample, [batch, 3], 'perSample'),
    stats: output(op, gpu, out.stats, [3], 'stats'),
    dRecon: output(op, gpu, out.dRecon, [batch, d], 'dRecon'),
    dMu: output(op, gpu, out.dMu, [batch, l], 'dMu'),
    dLogvar: output(op, gpu, out.dLogvar, [batch, l], 'dLogvar'),
  };
  // The scales are formed in float64 and rounded once, rather than divided on the GPU;
  // with a Live beta, beta and kl_scale are re-derived from it at every replay.
  const klScale = (b: number) => (gradScale * b) / batch;
  const betaParam = beta instanceof Live ? Live.derived(() => checkBeta(op, beta.value)) : beta;
  const klParam = beta instanceof Live ? Live.derived(() => klScale(checkBeta(op, beta.value))) : klScale(beta);
  const params: Params = { batch, d, l, beta: betaParam, recon_scale: gradScale / batch, kl_scale: klParam, inv_var, log_norm };
  launch(
    gpu,
    'main',
    RECON,
    { recon, x, mu, logvar, d_recon: outputs.dRecon, d_mu: outputs.dMu, d_logvar: outputs.dLogvar },
    outputs.perSample,
    outputs.stats,
    params,
    // Reads logits and targets, writes their gradient; reads and writes the latents; per-sample out.
    4 * (3 * batch * d + 4 * batch * l + 3 * batch),
  );
  return outputs;
}

/**
 * The reconstruction term alone (a plain autoencoder, no latent KL): per sample
 * (recon_b, recon_b, 0), their batch means and the gradient of gradScale * (batch
 * mean recon) with respect to recon; the same layouts as vaeLoss without dMu/dLogvar.
 * Records two dispatches and reads nothing back.
 */
export function reconstructionLoss(gpu: Gpu, recon: Tensor, x: Tensor, options: ReconstructionLossOptions): ReconstructionLossOutputs {
  const op = 'reconstructionLoss';
  const [batch, d] = reconShapes(op, recon, x);
  const { likelihood, sigma, gradScale = 1 } = options;
  const { RECON, inv_var, log_norm } = likelihoodParams(op, likelihood, sigma);
  checkGradScale(op, gradScale);
  const out = options.out ?? {};
  const outputs: ReconstructionLossOutputs = {
    perSample: output(op, gpu, out.perSample, [batch, 3], 'perSample'),
    stats: output(op, gpu, out.stats, [3], 'stats'),
    dRecon: output(op, gpu, out.dRecon, [batch, d], 'dRecon'),
  };
  const params: Params = { batch, d, l: 0, beta: 0, recon_scale: gradScale / batch, kl_scale: 0, inv_var, log_norm };
  launch(gpu, 'recon_only', RECON, { recon, x, d_recon: outputs.dRecon }, outputs.perSample, outputs.stats, params, 4 * (3 * batch * d + 3 * batch));
  return outputs;
}
