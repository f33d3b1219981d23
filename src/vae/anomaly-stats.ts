// Host-side float64 statistics for anomaly scoring and likelihood bounds:
//   rocAuc       area under the ROC curve, higher score = more anomalous, ties 1/2
//                (the Mann-Whitney U statistic divided by n_pos * n_neg);
//   logMeanExp   log((1/K) sum_k exp(v_k)), shifted by the maximum so it cannot overflow;
//   iwaeBound    the importance-weighted bound (Burda et al. 2015), per image
//                log((1/k) sum_k w_{i,k}) from log-weights laid out [n, k], and its mean;
//   gaussianLogDensityDiff / logPriorMinusLogPosterior
//                log p(z) - log q(z|x) for p = N(0, I), q = N(mu, diag(exp(logvar))).
//
// The log-density difference. With sigma_j = exp(logvar_j / 2), eps_j = (z_j - mu_j) / sigma_j:
//   log p(z)   = sum_j [ -0.5 log(2 pi) - 0.5 z_j^2 ]
//   log q(z|x) = sum_j [ -0.5 log(2 pi) - log sigma_j - 0.5 eps_j^2 ]
//              = sum_j [ -0.5 log(2 pi) - 0.5 logvar_j - 0.5 eps_j^2 ]
//   log p(z) - log q(z|x) = sum_j 0.5 * (logvar_j + eps_j^2 - z_j^2),  the 2 pi terms cancelling.
// An importance weight for IWAE is log p(x|z) plus this.

/** The AUC of `scores` for telling `positive` (anomalous) from the rest; ties count 1/2. */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  if (positive.length !== n) throw new Error(`rocAuc: ${n} scores but ${positive.length} labels; pass one label per score`);
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`rocAuc: score ${i} is NaN; drop or fix non-numeric scores first`);
    if (positive[i]) nPos++;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error(`rocAuc: needs both classes, got ${nPos} positive and ${nNeg} negative; the AUC is undefined with one class empty`);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] < scores[b] ? -1 : scores[a] > scores[b] ? 1 : 0));
  // U = sum over positives of (negatives scored lower) + 1/2 (negatives scored equal),
  // walked in ascending groups of equal score; counts stay exact integers.
  let negBelow = 0, twiceU = 0;
  for (let g = 0; g < n; ) {
    let end = g, pos = 0, neg = 0;
    while (end < n && scores[idx[end]] === scores[idx[g]]) {
      if (positive[idx[end]]) pos++;
      else neg++;
      end++;
    }
    twiceU += 2 * pos * negBelow + pos * neg;
    negBelow += neg;
    g = end;
  }
  return twiceU / (2 * nPos * nNeg);
}

/** log(mean(exp(values))) in float64, stable for values of any magnitude. */
export function logMeanExp(values: ArrayLike<number>): number {
  const k = values.length;
  if (k === 0) throw new Error('logMeanExp: no values; the mean of an empty set is undefined');
  let max = -Infinity;
  for (let i = 0; i < k; i++) {
    if (Number.isNaN(values[i])) return NaN;
    if (values[i] > max) max = values[i];
  }
  if (!Number.isFinite(max)) return max; // all -Infinity, or some +Infinity
  let sum = 0;
  for (let i = 0; i < k; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum / k);
}

export interface IwaeBound {
  /** log((1/k) sum_k exp(logw_{i,k})) for each image i. */
  perImage: Float64Array;
  /** Their mean over images. */
  mean: number;
}

/** The k-sample importance-weighted bound from log-weights laid out [n, k] (image-major). */
export function iwaeBound(logWeights: Float64Array, n: number, k: number): IwaeBound {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(k) && k >= 1)) throw new Error(`iwaeBound: n and k must be whole numbers >= 1, got n=${n}, k=${k}`);
  if (logWeights.length !== n * k) throw new Error(`iwaeBound: logWeights must hold n*k = ${n * k} values ([n, k], image-major), got ${logWeights.length}`);
  const perImage = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    perImage[i] = logMeanExp(logWeights.subarray(i * k, (i + 1) * k));
    total += perImage[i];
  }
  return { perImage, mean: total / n };
}

function checkLengths(where: string, L: number, arrays: Record<string, ArrayLike<number>>): void {
  if (!(Number.isInteger(L) && L >= 1)) throw new Error(`${where}: L must be a whole number >= 1, got ${L}`);
  for (const [name, a] of Object.entries(arrays)) {
    if (a.length !== L) throw new Error(`${where}: ${name} holds ${a.length} values, expected L = ${L}; pass one latent vector (e.g. a subarray)`);
  }
}

/**
 * log p(z) - log q(z|x) for one latent vector z = mu + exp(logvar/2) * eps, as
 * sum_j 0.5 * (logvar_j + eps_j^2 - z_j^2) (derivation in the header).
 */
export function gaussianLogDensityDiff(z: ArrayLike<number>, mu: ArrayLike<number>, logvar: ArrayLike<number>, eps: ArrayLike<number>, L: number): number {
  checkLengths('gaussianLogDensityDiff', L, { z, mu, logvar, eps });
  let sum = 0;
  for (let j = 0; j < L; j++) sum += logvar[j] + eps[j] * eps[j] - z[j] * z[j];
  return 0.5 * sum;
}

/** The same difference for callers without eps: eps_j = (z_j - mu_j) * exp(-logvar_j / 2). */
export function logPriorMinusLogPosterior(z: ArrayLike<number>, mu: ArrayLike<number>, logvar: ArrayLike<number>, L: number): number {
  checkLengths('logPriorMinusLogPosterior', L, { z, mu, logvar });
  let sum = 0;
  for (let j = 0; j < L; j++) {
    const e = (z[j] - mu[j]) * Math.exp(-0.5 * logvar[j]);
    sum += logvar[j] + e * e - z[j] * z[j];
  }
  return 0.5 * sum;
}
