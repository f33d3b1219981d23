// Elementwise kernels: activations forward and backward, and the two helpers that
// autograd and the optimisers need (axpy, fill).
//
// Binding convention (shared by every shader in shaders/): @group(0) only;
// @binding(0) is `var<uniform> params: Params`; then `var<storage, read>` inputs;
// then `var<storage, read_write>` outputs. Slots are unique in this file, so each
// entry point binds the subset it uses, in that order:
//   forward   params, x → y            y  = act(x)
//   backward  params, dy, saved → dx   dx = dy * act'(saved)   (ACCUMULATE: dx +=)
//   axpy      params, x → y            y  = y + alpha * x
//   fill      params → y               y  = value
// where alpha and value are the uniform's `scalar`.
//
// Activation table (the `ACT` override; the same codes as ACTIVATIONS in
// src/ops/activation.ts and the matmul epilogue in shaders/matmul.wgsl):
//   code  name        act(x)                                   act' from     act'
//   0     identity    x                                        output y      1
//   1     relu        max(x, 0)                                output y      y > 0 ? 1 : 0
//   2     leaky_relu  x > 0 ? x : a*x   (a = LEAKY_SLOPE)      output y      y > 0 ? 1 : a
//   3     sigmoid     1 / (1 + exp(-x))                        output y      y * (1 - y)
//   4     tanh        tanh(x)                                  output y      1 - y^2
//   5     softplus    max(x, 0) + log1p(exp(-|x|))             input x       sigmoid(x)
//   6     gelu        0.5 x (1 + tanh(u)),                     input x       see gelu_grad
//                     u = sqrt(2/pi) (x + 0.044715 x^3)
// gelu is the tanh approximation (Hendrycks & Gimpel 2016, arXiv:1606.08415), as
// PyTorch's GELU(approximate='tanh'). It is evaluated through the identity
// 0.5 (1 + tanh(u)) = sigmoid(2u), which avoids the cancellation in 1 + tanh(u)
// for negative x and never forms tanh of a large argument.
//
// Why backward reads the output for some activations and the input for others
// (BACKWARD_READS in src/ops/activation.ts): the forward output is kept anyway, as
// the next layer's input, so a derivative that is a cheap exact function of the
// output lets autograd drop the pre-activation. That holds for relu and leaky_relu
// (sign(y) = sign(x) because a > 0), sigmoid and tanh. It fails for softplus:
// sigmoid(x) = 1 - exp(-y) cancels badly when y is small (x very negative), and
// for gelu, which is not monotonic (x < -0.75), so y does not determine x.
//
// Extreme inputs: some drivers compute exp and tanh of a large argument as inf/inf
// = NaN (SwiftShader's tanh(±100) is NaN). No exp here sees a positive argument
// (exp(-|z|) only underflows to 0), and tanh's argument is clamped to ±10, where
// tanh is ±1 to f32 precision. The builtin tanh is accurate in absolute terms
// (~1e-7) but, on the CPU adapters, not relatively for |x| < 1e-3, as if computed
// as (e^2x - 1)/(e^2x + 1); harmless for a network, not worth a series expansion.
//
// Large n: the grid is 2-D (see workgroupGrid in src/ops/elementwise.ts) because a
// dimension holds at most 65535 workgroups; `flat_index` linearises it and the
// invocations past n do nothing.

import package::lib::activations::activate;
import package::lib::grid::flat_index;
import package::lib::math::{GELU_C, GELU_K, gelu_2u, sigmoid};

struct Params {
  n: u32,
  // axpy's alpha and fill's value; forward and backward ignore it.
  scalar: f32,
}

override ACT: u32 = 0u;
// Negative-side slope of leaky_relu, LEAKY_SLOPE in src/ops/activation.ts; must be
// > 0 for the output-based derivative to be exact.
override LEAKY_SLOPE: f32 = 0.01;
// backward only: add into dx instead of overwriting it (autograd sums gradients).
override ACCUMULATE: bool = false;

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> saved: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

// sigmoid'(z) = sigmoid(z) * sigmoid(-z) = e / (1 + e)^2 with e = exp(-|z|): no
// 1 - sigmoid(z) cancellation, so it stays accurate deep in the tails.
fn sigmoid_grad(z: f32) -> f32 {
  let e = exp(-abs(z));
  let s = 1.0 / (1.0 + e);
  return e * s * s;
}

// d/dx [x sigmoid(2u)] = sigmoid(2u) + x * sigmoid'(2u) * 2u'(x),
// with 2u'(x) = 2 GELU_K (1 + 3 GELU_C x^2).
fn gelu_grad(v: f32) -> f32 {
  let z = gelu_2u(v);
  return sigmoid(z) + v * sigmoid_grad(z) * 2.0 * GELU_K * (1.0 + 3.0 * GELU_C * v * v);
}

// The derivative from the saved value: the output s = act(x) for codes 0-4, the
// input s = x for softplus and gelu (see the table above).
fn act_grad(s: f32) -> f32 {
  switch ACT {
    case 1u: { return select(0.0, 1.0, s > 0.0); }
    case 2u: { return select(LEAKY_SLOPE, 1.0, s > 0.0); }
    case 3u: { return s * (1.0 - s); }
    // (1 - s)(1 + s) rather than 1 - s*s: 1 - s is exact for s >= 0.5, so the
    // small derivative of a saturated tanh keeps its relative accuracy.
    case 4u: { return (1.0 - s) * (1.0 + s); }
    case 5u: { return sigmoid(s); }
    case 6u: { return gelu_grad(s); }
    default: { return 1.0; }
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = activate(x[i], ACT, LEAKY_SLOPE);
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    let g = dy[i] * act_grad(saved[i]);
    if (ACCUMULATE) {
      dx[i] = dx[i] + g;
    } else {
      dx[i] = g;
    }
  }
}

@compute @workgroup_size(WG)
fn axpy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = y[i] + params.scalar * x[i];
  }
}

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = params.scalar;
  }
}
