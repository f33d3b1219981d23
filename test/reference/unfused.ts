// Float64 references of the loss kernels in shaders/unfused.wgsl, one element at a
// time, from the textbook formulas (the shader's rearrangements are what the tests
// check). Adam's four passes are checked against adamRef in ./adam.ts, and the plain
// arithmetic entries (bias add, add, mul, exp, scale) inline in the test.
export type Likelihood = 'bernoulli' | 'gaussian';

/** The reconstruction term of one element: BCE of a logit against x in [0, 1], or (o - x)^2. */
export function reconTermRef(pred: number, x: number, likelihood: Likelihood): number {
  if (likelihood === 'gaussian') return (pred - x) ** 2;
  return Math.max(pred, 0) - pred * x + Math.log1p(Math.exp(-Math.abs(pred)));
}

/**
 * d term / d pred: sigmoid(l) - x, or 2 (o - x). sigmoid(l) is formed as
 * 1 - sigmoid(-l) for l >= 0 so that the float64 reference keeps a confident logit's
 * tiny gradient (1 / (1 + e^-40) rounds to 1 even in float64).
 */
export function reconGradRef(pred: number, x: number, likelihood: Likelihood): number {
  if (likelihood === 'gaussian') return 2 * (pred - x);
  const small = 1 / (1 + Math.exp(Math.abs(pred)));
  return pred >= 0 ? 1 - x - small : small - x;
}

/** One latent's KL(N(mu, e^logvar) || N(0, 1)) = -0.5 (1 + logvar - mu^2 - e^logvar). */
export function klTermRef(mu: number, logvar: number): number {
  return -0.5 * (1 + logvar - mu * mu - Math.exp(logvar));
}

/** d klTerm / d logvar = 0.5 (e^logvar - 1). */
export function klLogvarGradRef(logvar: number): number {
  return 0.5 * Math.expm1(logvar);
}

/** [B, 3] rows (recon_b + beta kl_b, recon_b, kl_b), flattened. */
export function combineRef(recon: ArrayLike<number>, kl: ArrayLike<number>, beta: number): Float64Array {
  const out = new Float64Array(3 * recon.length);
  for (let b = 0; b < recon.length; b++) out.set([recon[b] + beta * kl[b], recon[b], kl[b]], 3 * b);
  return out;
}
