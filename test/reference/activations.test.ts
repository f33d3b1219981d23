// The activation reference's derivatives against central finite differences of its
// forward, on a grid, next to the kinks, deep in the tails and on large inputs.
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, BACKWARD_READS, LEAKY_SLOPE } from '../../src/ops/activation.js';
import { activate, activateGrad, activationBackward, derivative, savedFor } from './activations.js';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';

const H = 1e-6;

// Central differences have truncation error h^2 |f'''| / 6 ~ 1e-12 here and rounding
// error ~ eps |f| / h ~ 1e-10 |f|; |f| <= 100 on these points, so 1e-7 absolute
// plus 1e-6 relative is loose for a correct rule and far too tight for a wrong one.
const FD_TOL = { atol: 1e-7, rtol: 1e-6 };

function centralDifference(f: (x: number) => number, x: number): number {
  return (f(x + H) - f(x - H)) / (2 * H);
}

// Never exactly 0, where relu and leaky_relu have no derivative; the kink points
// stay further than H from it so both difference points fall on one side.
const grid = Array.from({ length: 33 }, (_, i) => -6 + 0.37 * i + 0.011);
const nearKinks = [-1e-3, -1e-4, 1e-4, 1e-3];
const large = [-100, -50, -20, 20, 50, 100];
const tails = [-40, -30, -15, 15, 30, 40];
const points = [...grid, ...nearKinks, ...large, ...tails];

describe('activation reference', () => {
  for (const kind of ACTIVATIONS) {
    it(`${kind}: derivative(x) matches central differences`, () => {
      const fd = points.map((x) => centralDifference((v) => activate(kind, v), x));
      assertClose(points.map((x) => derivative(kind, x)), fd, FD_TOL, kind);
    });

    it(`${kind}: the backward rule from the saved ${BACKWARD_READS[kind]} matches central differences`, () => {
      const fd = points.map((x) => centralDifference((v) => activate(kind, v), x));
      assertClose(points.map((x) => activateGrad(kind, savedFor(kind, x))), fd, FD_TOL, kind);
    });

    it(`${kind}: activationBackward is the gradient of sum(dy * act(x)), with and without accumulate`, () => {
      const x = f64(uniform(64, 11, -5, 5));
      const dy = f64(uniform(64, 12));
      const old = f64(uniform(64, 13));
      const saved = x.map((v) => savedFor(kind, v));
      // Each x_i only affects term i, so the partial derivative is one difference per element.
      const fd = x.map((v, i) => dy[i] * centralDifference((u) => activate(kind, u), v));
      assertClose(activationBackward(kind, dy, saved), fd, FD_TOL, `${kind} backward`);
      assertClose(activationBackward(kind, dy, saved, old), fd.map((g, i) => g + old[i]), FD_TOL, `${kind} accumulate`);
    });
  }

  it('softplus agrees with log(1 + exp(x)) where that is exact enough', () => {
    const xs = grid.filter((x) => Math.abs(x) < 5);
    assertClose(xs.map((x) => activate('softplus', x)), xs.map((x) => Math.log(1 + Math.exp(x))), { atol: 0, rtol: 1e-14 }, 'softplus');
  });

  it('gelu is close to the exact x * Phi(x) it approximates', () => {
    // The tanh form is within 5e-4 of the erf form (Hendrycks & Gimpel, 2016); Phi via erf's
    // Abramowitz-Stegun 7.1.26 (error < 1.5e-7) is plenty to tell a wrong constant apart.
    const erf = (z: number) => {
      const t = 1 / (1 + 0.3275911 * Math.abs(z));
      const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
      return Math.sign(z) * (1 - poly * Math.exp(-z * z));
    };
    assertClose(grid.map((x) => activate('gelu', x)), grid.map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2))), { atol: 5e-4, rtol: 0 }, 'gelu');
  });

  it('leaky_relu keeps the sign, so its derivative can come from the output', () => {
    expect(LEAKY_SLOPE).toBeGreaterThan(0);
    for (const x of points) expect(Math.sign(activate('leaky_relu', x))).toBe(Math.sign(x));
  });

  it('large inputs give finite, saturated values', () => {
    for (const kind of ACTIVATIONS) {
      for (const x of [-1e4, -100, 100, 1e4]) {
        expect(Number.isFinite(activate(kind, x)), `${kind}(${x})`).toBe(true);
        expect(Number.isFinite(activateGrad(kind, savedFor(kind, x))), `${kind}'(${x})`).toBe(true);
      }
    }
    assertClose([activate('sigmoid', 100), activate('tanh', -100), activate('softplus', 100), activate('gelu', 100), activate('gelu', -100)], [1, -1, 100, 100, 0], { atol: 1e-30, rtol: 1e-15 }, 'saturation');
  });
});
