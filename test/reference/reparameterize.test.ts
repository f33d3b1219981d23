// The reparameterisation reference: its backward rule against central differences
// of its forward, the ACCUMULATE option, and finiteness at extreme log-variances.
import { describe, expect, it } from 'vitest';
import { randnReference, reparameterizeBackwardReference, reparameterizeReference } from './reparameterize.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';
import { centralDifference } from './finite-difference.js';

const key = { seed: 42, step: 7, stream: 0 };

/** Central differences of sum(dz * z(mu, logvar)) with respect to each entry of `wrt`. */
function numericGradient(mu: Float64Array, logvar: Float64Array, dz: Float64Array, wrt: Float64Array, h = 1e-6): Float64Array {
  return centralDifference(() => reparameterizeReference(mu, logvar, key).reduce((s, z, i) => s + dz[i] * z, 0), wrt, h);
}

describe('reparameterize reference', () => {
  it('uses z = mu + exp(0.5 logvar) eps with the Philox noise', () => {
    const n = 13;
    const mu = f64(uniform(n, 1));
    const logvar = f64(uniform(n, 2, -2, 2));
    const eps = randnReference(n, key);
    const z = reparameterizeReference(mu, logvar, key);
    assertClose(z, mu.map((m, i) => m + Math.sqrt(Math.exp(logvar[i])) * eps[i]), { atol: 1e-15, rtol: 1e-14 }, 'z');
  });

  it('has gradients that match central differences of the forward', () => {
    for (const n of [1, 7, 33]) {
      const mu = f64(uniform(n, 10 + n));
      const logvar = f64(uniform(n, 20 + n, -3, 3));
      const dz = f64(uniform(n, 30 + n));
      const { dmu, dlogvar } = reparameterizeBackwardReference(dz, logvar, key);
      // z is linear in mu and smooth in logvar; truncation O(h^2) and rounding ~1e-16/h.
      assertClose(dmu, numericGradient(mu, logvar, dz, mu), { atol: 1e-8, rtol: 1e-7 }, `dmu n=${n}`);
      assertClose(dlogvar, numericGradient(mu, logvar, dz, logvar), { atol: 1e-8, rtol: 1e-7 }, `dlogvar n=${n}`);
    }
  });

  it('adds onto existing gradients when accumulating', () => {
    const n = 9;
    const logvar = f64(uniform(n, 3, -2, 2));
    const dz = f64(uniform(n, 4));
    const prior = { dmu: f64(uniform(n, 5)), dlogvar: f64(uniform(n, 6)) };
    const fresh = reparameterizeBackwardReference(dz, logvar, key);
    const summed = reparameterizeBackwardReference(dz, logvar, key, { accumulate: prior });
    assertClose(summed.dmu, fresh.dmu.map((g, i) => g + prior.dmu[i]), { atol: 1e-15, rtol: 1e-15 }, 'dmu');
    assertClose(summed.dlogvar, fresh.dlogvar.map((g, i) => g + prior.dlogvar[i]), { atol: 1e-15, rtol: 1e-15 }, 'dlogvar');
  });

  it('stays finite at logvar = -30 and +30', () => {
    const n = 8;
    const mu = new Float64Array(n);
    const logvar = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 30 : -30));
    const z = reparameterizeReference(mu, logvar, key);
    const { dlogvar } = reparameterizeBackwardReference(new Float64Array(n).fill(1), logvar, key);
    expect([...z, ...dlogvar].every(Number.isFinite)).toBe(true);
  });
});
