// Per-dimension statistics of an encoder's posteriors over a set of images, from the
// means and log-variances of q(z|x) = N(mu, exp(logvar)), host-side in float64:
//   klPerDim[j]   mean over images of KL(N(mu_j, exp(lv_j)) || N(0, 1))
//                 = 0.5 * (mu_j^2 + exp(lv_j) - 1 - lv_j), with exp(lv) - 1 - lv taken
//                 from its Taylor series near 0 (no cancellation for tiny lv);
//   muVariance[j] population variance over images of mu_j (two-pass, divided by n);
//   activeUnits   how many dimensions have muVariance > threshold: Burda, Grosse &
//                 Salakhutdinov 2015 ('Importance Weighted Autoencoders', section 5.2),
//                 A_u = Cov_x(E_{u ~ q(u|x)}[u]) > 0.01, a unit being active when its
//                 posterior mean moves with the input;
//   order         dimension indices by klPerDim, largest first (ties by index).

export interface LatentStatistics {
  klPerDim: number[];
  activeUnits: number;
  muVariance: number[];
  order: number[];
}

/** exp(x) - 1 - x without cancellation: its series for |x| < 0.01, else expm1(x) - x. */
export function expm1MinusX(x: number): number {
  if (Math.abs(x) >= 0.01) return Math.expm1(x) - x;
  // x^2/2! + x^3/3! + ... + x^8/8!; the next term is below 1e-19 of the first.
  let sum = 1 / 40320;
  for (let k = 7; k >= 2; k--) sum = sum * x + 1 / factorial(k);
  return sum * x * x;
}

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/** `mu` and `logvar` are [n, L] row-major (one row per image). */
export function latentStatistics(mu: ArrayLike<number>, logvar: ArrayLike<number>, n: number, L: number, threshold = 0.01): LatentStatistics {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(L) && L >= 1)) throw new Error(`latentStatistics: n and L must be whole numbers >= 1, got n=${n}, L=${L}`);
  if (mu.length !== n * L || logvar.length !== n * L) {
    throw new Error(`latentStatistics: mu and logvar must each hold n*L = ${n * L} values ([n, L] row-major), got ${mu.length} and ${logvar.length}`);
  }
  const kl = new Float64Array(L), mean = new Float64Array(L), sq = new Float64Array(L);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      const m = mu[i * L + j];
      kl[j] += 0.5 * (m * m + expm1MinusX(logvar[i * L + j]));
      mean[j] += m;
    }
  }
  for (let j = 0; j < L; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      const d = mu[i * L + j] - mean[j];
      sq[j] += d * d;
    }
  }
  const klPerDim = Array.from(kl, (v) => v / n);
  const muVariance = Array.from(sq, (v) => v / n);
  const activeUnits = muVariance.filter((v) => v > threshold).length;
  const order = Array.from({ length: L }, (_, j) => j).sort((a, b) => klPerDim[b] - klPerDim[a] || a - b);
  return { klPerDim, activeUnits, muVariance, order };
}
