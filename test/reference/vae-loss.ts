// Float64 reference of shaders/vae_loss.wgsl, written from the textbook formulas
// (not the shader's rearrangements; only the BCE gradient is split on the sign of the
// logit, see below), with the same options and reduction: per-sample sums over pixels
// and latents, batch mean of recon_b + beta * kl_b, gradients of gradScale * (that mean).
// Both likelihoods are negative log-likelihoods in nats; the Gaussian needs its sigma
// (there is no default: leaving it out throws, rather than quietly meaning something).
export type Likelihood = 'bernoulli' | 'gaussian';

export interface ReconstructionLossReferenceOptions {
  likelihood: Likelihood;
  /** The Gaussian decoder's standard deviation; required for 'gaussian', finite and > 0. */
  sigma?: number;
  gradScale?: number;
}

export interface VaeLossReferenceOptions extends ReconstructionLossReferenceOptions {
  beta: number;
}

export interface VaeLossReference {
  /** [B, 3] flattened: (loss_b, recon_b, kl_b). */
  perSample: Float64Array;
  /** Batch means of (loss, recon, kl). */
  stats: Float64Array;
  dRecon: Float64Array;
  dMu: Float64Array;
  dLogvar: Float64Array;
}

export type ReconstructionLossReference = Omit<VaeLossReference, 'dMu' | 'dLogvar'>;

/**
 * Binary cross-entropy of a logit against a target in [0, 1], and its derivative
 * sigmoid(l) - x, written as (1 - x) - sigmoid(-l) for l >= 0 so that a confident,
 * correct logit keeps its tiny gradient (1 / (1 + e^-80) rounds to 1 even in float64).
 */
function bernoulli(logit: number, target: number): [number, number] {
  const t = Math.exp(-Math.abs(logit));
  const loss = Math.max(logit, 0) - logit * target + Math.log1p(t);
  const small = t / (1 + t);
  return [loss, logit >= 0 ? 1 - target - small : small - target];
}

/** -log N(target; output, sigma^2) and its derivative with respect to the output. */
function gaussian(sigma: number) {
  return (output: number, target: number): [number, number] => {
    const z = (target - output) / sigma;
    return [0.5 * z * z + Math.log(sigma) + 0.5 * Math.log(2 * Math.PI), (output - target) / (sigma * sigma)];
  };
}

function pixelTerm(options: ReconstructionLossReferenceOptions): (pred: number, target: number) => [number, number] {
  if (options.likelihood === 'bernoulli') return bernoulli;
  if (options.likelihood !== 'gaussian') throw new Error(`vaeLossReference: unknown likelihood '${options.likelihood}'`);
  const { sigma } = options;
  if (sigma === undefined || !Number.isFinite(sigma) || !(sigma > 0)) {
    throw new Error(`vaeLossReference: likelihood 'gaussian' needs sigma, finite and > 0 (got ${sigma})`);
  }
  return gaussian(sigma);
}

/** recon, x: [batch, d]; mu, logvar: [batch, l], all flattened row-major (l may be 0). */
export function vaeLossReference(
  recon: Float64Array,
  x: Float64Array,
  mu: Float64Array,
  logvar: Float64Array,
  batch: number,
  options: VaeLossReferenceOptions,
): VaeLossReference {
  const d = recon.length / batch;
  const l = mu.length / batch;
  const { beta, gradScale = 1 } = options;
  const term = pixelTerm(options);
  const perSample = new Float64Array(3 * batch);
  const stats = new Float64Array(3);
  const dRecon = new Float64Array(recon.length);
  const dMu = new Float64Array(mu.length);
  const dLogvar = new Float64Array(mu.length);
  for (let b = 0; b < batch; b++) {
    let rec = 0;
    for (let i = b * d; i < (b + 1) * d; i++) {
      const [loss, grad] = term(recon[i], x[i]);
      rec += loss;
      dRecon[i] = (gradScale / batch) * grad;
    }
    let kl = 0;
    for (let j = b * l; j < (b + 1) * l; j++) {
      kl += -0.5 * (1 + logvar[j] - mu[j] ** 2 - Math.exp(logvar[j]));
      dMu[j] = ((gradScale * beta) / batch) * mu[j];
      dLogvar[j] = ((gradScale * beta) / batch) * 0.5 * Math.expm1(logvar[j]);
    }
    perSample.set([rec + beta * kl, rec, kl], 3 * b);
    for (let k = 0; k < 3; k++) stats[k] += perSample[3 * b + k] / batch;
  }
  return { perSample, stats, dRecon, dMu, dLogvar };
}

/** The reconstruction term alone (no latents): per sample (recon_b, recon_b, 0). */
export function reconstructionLossReference(recon: Float64Array, x: Float64Array, batch: number, options: ReconstructionLossReferenceOptions): ReconstructionLossReference {
  const { perSample, stats, dRecon } = vaeLossReference(recon, x, new Float64Array(0), new Float64Array(0), batch, { ...options, beta: 0 });
  return { perSample, stats, dRecon };
}
