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
// sqrt(2 / pi) and the cubic coefficient of the tanh approximation of gelu.
const GELU_K: f32 = 0.7978845608028654;
const GELU_C: f32 = 0.044715;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> saved: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

fn flat_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.y * groups.x * WG + gid.x;
}

// sigmoid(z) without overflow: e = exp(-|z|) is in (0, 1], so nothing can form
// inf; sigmoid(z) is 1/(1+e) for z >= 0 and e/(1+e) for z < 0.
fn sigmoid(z: f32) -> f32 {
  let e = exp(-abs(z));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, z >= 0.0);
}

// sigmoid'(z) = sigmoid(z) * sigmoid(-z) = e / (1 + e)^2 with e = exp(-|z|): no
// 1 - sigmoid(z) cancellation, so it stays accurate deep in the tails.
fn sigmoid_grad(z: f32) -> f32 {
  let e = exp(-abs(z));
  let s = 1.0 / (1.0 + e);
  return e * s * s;
}

// log(1 + z) for 0 <= z <= 1, accurate to a few ulp also for tiny z, where
// log(1.0 + z) would lose everything to the rounding of 1 + z (and WGSL's log is
// only absolutely accurate near 1). log1p(z) = 2 atanh(s) with s = z / (2 + z) in
// [0, 1/3]; atanh(s) = s (1 + s^2/3 + s^4/5 + ...), and the first terms up to
// s^14/15 leave a relative error below (1/9)^8 / 17 < 2e-9.
fn log1p_unit(z: f32) -> f32 {
  let s = z / (2.0 + z);
  let t = s * s;
  var p = 1.0 / 15.0;
  p = p * t + 1.0 / 13.0;
  p = p * t + 1.0 / 11.0;
  p = p * t + 1.0 / 9.0;
  p = p * t + 1.0 / 7.0;
  p = p * t + 1.0 / 5.0;
  p = p * t + 1.0 / 3.0;
  p = p * t + 1.0;
  return 2.0 * s * p;
}

// 2u of the gelu approximation; gelu(x) = x * sigmoid(2u).
fn gelu_2u(v: f32) -> f32 {
  return 2.0 * GELU_K * (v + GELU_C * v * v * v);
}

// d/dx [x sigmoid(2u)] = sigmoid(2u) + x * sigmoid'(2u) * 2u'(x),
// with 2u'(x) = 2 GELU_K (1 + 3 GELU_C x^2).
fn gelu_grad(v: f32) -> f32 {
  let z = gelu_2u(v);
  return sigmoid(z) + v * sigmoid_grad(z) * 2.0 * GELU_K * (1.0 + 3.0 * GELU_C * v * v);
}

fn act(v: f32) -> f32 {
  switch ACT {
    case 1u: { return max(v, 0.0); }
    case 2u: { return select(LEAKY_SLOPE * v, v, v > 0.0); }
    case 3u: { return sigmoid(v); }
    case 4u: { return tanh(clamp(v, -10.0, 10.0)); }
    case 5u: { return max(v, 0.0) + log1p_unit(exp(-abs(v))); }
    case 6u: { return v * sigmoid(gelu_2u(v)); }
    default: { return v; }
  }
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
  let i = flat_index(gid, groups);
  if (i < params.n) {
    y[i] = act(x[i]);
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
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
  let i = flat_index(gid, groups);
  if (i < params.n) {
    y[i] = y[i] + params.scalar * x[i];
  }
}

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups);
  if (i < params.n) {
    y[i] = params.scalar;
  }
}
