// Fused optimiser updates over ONE flat parameter buffer: every parameter of a model
// lives in `weights`, its gradient at the same index of `grads`, its optimiser state
// at the same index of `m` (and `v`). One dispatch of `adam` (Adam / AdamW) or `sgd`
// (SGD with momentum) updates the whole model; `advance` counts the steps. Where n %
// 4 == 0 (every model's buffer), `adam4` in shaders/adam_vec4.wgsl replaces `adam`:
// the same update (adamUpdate), four parameters per invocation.
//
// Binding convention: @group(0) only; @binding(0) is `var<uniform> params: Params`;
// then `var<storage, read>` inputs (grads, state); then `var<storage, read_write>`
// outputs (weights, m, v, state_rw). Each entry point binds the subset it uses:
// `adam` 0-5 and 7, `sgd` 0-4 and 7, `advance` 0, 6 and 7 (7: the guard's health). Params is shared by all three, so the
// host fills the fields an optimiser does not use with zeros. The parameter buffer
// is called `weights` because `params` is the uniform's name by convention.
//
// Step count on the GPU. `State` holds the step count t (0 before the first step)
// and the bias corrections for that t. A training step records `advance` (one
// invocation: t += 1, then 1 - beta1^t and sqrt(1 - beta2^t), binding the buffer as
// `state_rw`) and then `adam` or `sgd` (binding it read-only as `state`) in the same
// compute pass. Dispatches in a pass run in order, each seeing the writes of the one
// before, so every invocation of the update reads the same t >= 1 and none races
// with the increment. The host never sends t: a recorded step can be replayed
// unchanged, and a training loop never waits on or writes the step count. The
// corrections are computed once per step there rather than by every invocation of
// `adam`, which keeps the update a pure stream (the series below cost about as much
// as the update of a few elements). `sgd` reads only t.
//
// Guarded steps (GUARDED, src/ops/guard.ts): `health.skip` is the verdict of the
// non-finite guard on this step's gradients and loss. When it is set, all three
// entry points return at once: parameters, moments and the step count stay as they
// were, as if the step had not been taken (PyTorch's GradScaler skips a step the
// same way). Without GUARDED the binding is never read (&& short-circuits).
//
// Adam / AdamW, as torch.optim.Adam / torch.optim.AdamW (amsgrad=False,
// maximize=False), Kingma & Ba, "Adam: A Method for Stochastic Optimization" (2015),
// with PyTorch's placement of eps; Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization" (2019) for AdamW:
//   Adam  (DECOUPLED = false): g = grad + weight_decay * p          (L2, coupled)
//   AdamW (DECOUPLED = true):  p = p * (1 - lr * weight_decay); g = grad
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// SGD, as torch.optim.SGD (maximize=False):
//   g = grad + weight_decay * p
//   if momentum != 0:  buf = g at t = 1, else momentum * buf + (1 - dampening) * g
//                      g = g + momentum * buf when NESTEROV, else g = buf
//   p = p - lr * g
// The momentum buffer is `m`. "First step" is t == 1 of the same counter, so `advance`
// runs before `sgd` too (its betas are 0, so the corrections it stores are 1), and a
// momentum buffer must start at the counter's first step.
//
// Precision notes.
// - 1 - beta^t is NOT computed as 1 - pow(beta, t): for beta near 1 and small t,
//   beta^t is within a few ulp of 1 and the subtraction keeps only the error (measured
//   1.2e-4 relative for beta = 0.999, t = 1 on llvmpipe). one_minus_pow() evaluates
//   -expm1(t * ln(beta)) with series where the arguments are small; it is accurate to
//   a few ulp for every t.
// - 1 - beta is formed in f32 from the f32 beta (exact for beta >= 0.5). PyTorch forms
//   it in f64 before rounding, so for beta2 = 0.999 our v is 1.3e-5 relative smaller
//   and the step up to 6e-6 relative larger (at t = 1 the same factor in 1 - beta2^t
//   cancels it). Tests therefore give the reference the f32-rounded hyperparameters.
// - (1 - beta2) * g * g is evaluated as ((1 - beta2) * g) * g so that v overflows only
//   when v itself exceeds the f32 range (|g| above about 5.8e20 for beta2 = 0.999).
//   Then v = +inf and that element's step is m / inf = 0, never NaN; PyTorch in
//   float32 also stores v = inf there.
//
// Grid: 1-D, WG invocations per workgroup, and a grid-stride loop, so any n fits in
// at most 65535 workgroups (the host caps the grid and each invocation loops).
import package::lib::health::Health;

struct Params {
  n: u32,
  lr: f32,
  weight_decay: f32,
  // Adam / AdamW only.
  beta1: f32,
  beta2: f32,
  eps: f32,
  // SGD only.
  momentum: f32,
  dampening: f32,
}

struct State {
  t: u32,
  // 1 - beta1^t and sqrt(1 - beta2^t) for the current t.
  bias_correction1: f32,
  bias_correction2_sqrt: f32,
}

const WG: u32 = 256u;

override DECOUPLED: bool = false;
override NESTEROV: bool = false;
override GUARDED: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read> state: State;
@group(0) @binding(3) var<storage, read_write> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read_write> state_rw: State;
@group(0) @binding(7) var<storage, read> health: Health;

fn skipped() -> bool {
  return GUARDED && health.skip != 0u;
}

// ln(b) for b in [0.5, 1): 2 atanh(s) with s = (b - 1) / (b + 1). b - 1 is exact
// (Sterbenz) and |s| <= 1/3, so the odd series to s^17 is within 2e-10 relative. The
// builtin log has an absolute, not relative, error bound near 1 (2^-21 in Vulkan),
// far too coarse for ln(0.999) = -1.0005e-3.
fn ln_near_one(b: f32) -> f32 {
  let s = (b - 1.0) / (b + 1.0);
  let s2 = s * s;
  var series = 0.0;
  for (var k = 8; k >= 0; k--) {
    series = 1.0 / f32(2 * k + 1) + s2 * series;
  }
  return 2.0 * s * series;
}

// e^x - 1 for -0.5 <= x <= 0: the Taylor series to x^10 in Horner form (the first
// omitted term is below 3e-11 relative).
fn expm1_small(x: f32) -> f32 {
  var r = 1.0;
  for (var k = 10; k >= 2; k--) {
    r = 1.0 + x * r / f32(k);
  }
  return x * r;
}

// 1 - beta^t for 0 <= beta < 1 and t >= 1.
fn one_minus_pow(beta: f32, t: u32) -> f32 {
  if (beta < 0.5) {
    // beta^t <= 1/2, so the subtraction loses nothing; 0^t is 0 without log(0).
    return 1.0 - select(pow(beta, f32(t)), 0.0, beta == 0.0);
  }
  let x = f32(t) * ln_near_one(beta);
  if (x < -0.5) {
    // e^x < 0.61: the subtraction amplifies exp's error at most 1.6 times.
    return 1.0 - exp(x);
  }
  return -expm1_small(x);
}

@compute @workgroup_size(1)
fn advance() {
  if (skipped()) {
    return;
  }
  let t = state_rw.t + 1u;
  state_rw.t = t;
  state_rw.bias_correction1 = one_minus_pow(params.beta1, t);
  state_rw.bias_correction2_sqrt = sqrt(one_minus_pow(params.beta2, t));
}

// The per-step constants of an Adam / AdamW update.
struct AdamConstants {
  step_size: f32,
  bias_correction2_sqrt: f32,
  decay: f32,
}

fn adamConstants() -> AdamConstants {
  return AdamConstants(params.lr / state.bias_correction1, state.bias_correction2_sqrt, 1.0 - params.lr * params.weight_decay);
}

// One parameter's update: its new value and moments.
struct Updated {
  p: f32,
  m: f32,
  v: f32,
}

// (No parameter is called `m` or `v`: the linker would rename the bindings.)
fn adamUpdate(h: AdamConstants, p0: f32, g0: f32, m0: f32, v0: f32) -> Updated {
  var p = p0;
  var g = g0;
  if (DECOUPLED) {
    p = p * h.decay;
  } else {
    g = g + params.weight_decay * p;
  }
  let beta1 = params.beta1;
  let beta2 = params.beta2;
  let mi = beta1 * m0 + (1.0 - beta1) * g;
  let vi = beta2 * v0 + ((1.0 - beta2) * g) * g;
  return Updated(p - h.step_size * (mi / (sqrt(vi) / h.bias_correction2_sqrt + params.eps)), mi, vi);
}

// Adam over any n, a value at a time (shaders/adam_vec4.wgsl: four at a time, for n % 4 == 0).
@compute @workgroup_size(WG)
fn adam(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  if (skipped()) {
    return;
  }
  let h = adamConstants();
  let stride = groups.x * WG;
  for (var i = gid.x; i < params.n; i += stride) {
    let u = adamUpdate(h, weights[i], grads[i], m[i], v[i]);
    m[i] = u.m;
    v[i] = u.v;
    weights[i] = u.p;
  }
}

@compute @workgroup_size(WG)
fn sgd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  if (skipped()) {
    return;
  }
  let first = state.t == 1u;
  // A uniform branch: with momentum 0 the buffer is never touched (it may be unbound).
  let use_momentum = params.momentum != 0.0;
  let stride = groups.x * WG;
  for (var i = gid.x; i < params.n; i += stride) {
    let p = weights[i];
    var g = grads[i] + params.weight_decay * p;
    if (use_momentum) {
      var buf = g;
      if (!first) {
        buf = params.momentum * m[i] + (1.0 - params.dampening) * g;
      }
      m[i] = buf;
      if (NESTEROV) {
        g = g + params.momentum * buf;
      } else {
        g = buf;
      }
    }
    weights[i] = p - params.lr * g;
  }
}
