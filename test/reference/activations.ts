// Float64 reference of shaders/elementwise.wgsl. The formulas are the textbook
// ones (gelu through 1 + tanh, not the kernel's sigmoid form), so the tests also
// check the kernel's rewrites. Array functions mirror the kernels' options.
import { BACKWARD_READS, LEAKY_SLOPE, type Activation } from '../../src/ops/activation.js';

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function activate(kind: Activation, x: number): number {
  switch (kind) {
    case 'identity':
      return x;
    case 'relu':
      return Math.max(x, 0);
    case 'leaky_relu':
      return x > 0 ? x : LEAKY_SLOPE * x;
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return Math.tanh(x);
    case 'softplus':
      return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    case 'gelu':
      return 0.5 * x * (1 + Math.tanh(GELU_K * (x + GELU_C * x ** 3)));
  }
}

/** act'(x) from the input, for every kind. */
export function derivative(kind: Activation, x: number): number {
  switch (kind) {
    case 'identity':
      return 1;
    case 'relu':
      return x > 0 ? 1 : 0;
    case 'leaky_relu':
      return x > 0 ? 1 : LEAKY_SLOPE;
    case 'sigmoid':
      return sigmoid(x) * sigmoid(-x);
    case 'tanh':
      return 1 / Math.cosh(x) ** 2;
    case 'softplus':
      return sigmoid(x);
    case 'gelu': {
      const t = Math.tanh(GELU_K * (x + GELU_C * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * x * x);
    }
  }
}

/** act' from what the backward kernel reads: the output or the input (BACKWARD_READS). */
export function activateGrad(kind: Activation, saved: number): number {
  if (BACKWARD_READS[kind] === 'input') return derivative(kind, saved);
  switch (kind) {
    case 'relu':
      return saved > 0 ? 1 : 0;
    case 'leaky_relu':
      return saved > 0 ? 1 : LEAKY_SLOPE;
    case 'sigmoid':
      return saved * (1 - saved);
    case 'tanh':
      return 1 - saved * saved;
    default: // identity
      return 1;
  }
}

/** The value the backward pass reads for input x: act(x) or x itself. */
export function savedFor(kind: Activation, x: number): number {
  return BACKWARD_READS[kind] === 'output' ? activate(kind, x) : x;
}

export function activationForward(kind: Activation, x: Float64Array): Float64Array {
  return x.map((v) => activate(kind, v));
}

/** dx = dy * act'(saved); with `accumulate` (the old dx), dx = accumulate + dy * act'(saved). */
export function activationBackward(kind: Activation, dy: Float64Array, saved: Float64Array, accumulate?: Float64Array): Float64Array {
  return dy.map((g, i) => (accumulate ? accumulate[i] : 0) + g * activateGrad(kind, saved[i]));
}

export function axpy(alpha: number, x: Float64Array, y: Float64Array): Float64Array {
  return y.map((v, i) => v + alpha * x[i]);
}

export function fill(n: number, value: number): Float64Array {
  return new Float64Array(n).fill(value);
}
