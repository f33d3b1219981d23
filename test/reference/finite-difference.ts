// Central finite differences, used to check every backward rule of the references:
// d objective / d wrt[i] ~ (f(x + h) - f(x - h)) / 2h, perturbing `wrt` in place and
// restoring it. Truncation error is O(h^2 f'''); rounding is ~eps*|f|/h.
export function centralDifference(objective: () => number, wrt: Float64Array, h = 1e-6): Float64Array {
  return wrt.map((v, i) => {
    wrt[i] = v + h;
    const up = objective();
    wrt[i] = v - h;
    const down = objective();
    wrt[i] = v;
    return (up - down) / (2 * h);
  });
}
