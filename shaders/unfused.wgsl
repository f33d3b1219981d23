// Plain, one-job kernels for the UNFUSED training step (src/vae/unfused-step.ts),
// the baseline of `webgpu-vae bench --compare-unfused`. Each entry point does what a
// framework without this library's fusions would launch as a separate kernel: the
// bias add after a matmul, the elementwise pieces of the reparameterisation, the
// loss terms and their gradients, and Adam as four passes. The arithmetic of each
// piece is the fused kernels' (matmul epilogue, reparameterize.wgsl, vae_loss.wgsl,
// adam.wgsl), so the two steps compute the same values up to f32 reassociation.
//
// Binding convention (shared by every shader in shaders/): @group(0) only;
// @binding(0) is `var<uniform> params: Params`; then `var<storage, read>` inputs;
// then `var<storage, read_write>` outputs. Slots are unique in this file and each
// entry point binds the subset it uses. `a` and `b` are inputs, `y` the output (read
// too where it is updated in place), `state` Adam's step state; `scalar` is the
// uniform's f32 argument. All arrays are flat; i runs over 0 .. n - 1.
//   entry            bindings         computes
//   bias_add         a, b → y         y[i] = a[i] + b[i % cols]      (a [n / cols, cols], b the bias)
//   add              a, b → y         y = a + b
//   mul              a, b → y         y = a * b
//   exp_scale        a → y            y = exp(scalar * a)
//   scale            a → y            y = scalar * a
//   recon_terms      a, b → y         y = term(a, b)                 (a prediction, b target; RECON)
//   recon_grad       a, b → y         y = scalar * dterm/da (a, b)
//   kl_terms         a, b → y         y = 0.5 * (a^2 + exp(b) - 1 - b)   (a mu, b logvar)
//   kl_logvar_grad   a → y            y = scalar * 0.5 * (exp(a) - 1)     (a logvar)
//   combine          a, b → y         y[3i .. 3i + 2] = (a[i] + scalar * b[i], a[i], b[i])
//                                                      (per-sample recon and KL sums, beta)
//   adam_moment1     a → y            y = scalar * y + (1 - scalar) * a          (a grad, y m, beta1)
//   adam_moment2     a → y            y = scalar * y + ((1 - scalar) * a) * a    (a grad, y v, beta2)
//   adam_direction   a, b, state → y  y = a / (sqrt(b) / sqrt(1 - beta2^t) + scalar)  (a m, b v, eps)
//   adam_update      a, state → y     y = y - (scalar / (1 - beta1^t)) * a       (a direction, y params, lr)
// The Adam passes read the bias corrections from the same GPU step state as the
// fused update: adam.wgsl's `advance` runs first in the same pass (see its header).
//
// Likelihood (the `RECON` override, the codes of vae_loss.wgsl):
//   0  Bernoulli from logits l, target x in [0, 1]: the stable binary cross-entropy
//      max(l, 0) - l x + log1p(exp(-|l|)), gradient sigmoid(l) - x; both split on the
//      sign of l (l (1 - x) or -l x; (1 - x) - sigmoid(-|l|) or sigmoid(-|l|) - x) so
//      that nothing cancels, as in the fused loss
//   1  squared error (o - x)^2, gradient 2 (o - x)
// log1p and exp(v) - 1 - v are evaluated by series where the direct forms lose
// digits (WGSL promises log() only to 2^-21 absolute near 1), so each term has the
// fused kernel's accuracy and the comparison measures fusion, not precision.
//
// Grid: 2-D, WG invocations per workgroup, linearised as gid.y * groups.x * WG + gid.x
// (workgroupGrid in src/ops/elementwise.ts); invocations past n do nothing.

import package::lib::math::{exp_m1_m_x, log1p_unit};
import package::lib::grid::flat_index;

struct Params {
  n: u32,
  // bias_add: the row length; unused elsewhere.
  cols: u32,
  scalar: f32,
}

// The layout of adam.wgsl's State (written by its `advance`, read here).
struct State {
  t: u32,
  bias_correction1: f32,
  bias_correction2_sqrt: f32,
}

override RECON: u32 = 0u;

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> state: State;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn plain_recon_term(pred: f32, truth: f32) -> f32 {
  if (RECON == 0u) {
    let ex = exp(-abs(pred));
    return select(-pred * truth, pred * (1.0 - truth), pred >= 0.0) + log1p_unit(ex);
  }
  let r = pred - truth;
  return r * r;
}

fn recon_derivative(pred: f32, truth: f32) -> f32 {
  if (RECON == 0u) {
    let ex = exp(-abs(pred));
    let q = ex / (1.0 + ex);
    return select(q - truth, (1.0 - truth) - q, pred >= 0.0);
  }
  return 2.0 * (pred - truth);
}

@compute @workgroup_size(WG)
fn bias_add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = a[i] + b[i % params.cols];
  }
}

@compute @workgroup_size(WG)
fn add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = a[i] + b[i];
  }
}

@compute @workgroup_size(WG)
fn mul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = a[i] * b[i];
  }
}

@compute @workgroup_size(WG)
fn exp_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = exp(params.scalar * a[i]);
  }
}

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = params.scalar * a[i];
  }
}

@compute @workgroup_size(WG)
fn recon_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = plain_recon_term(a[i], b[i]);
  }
}

@compute @workgroup_size(WG)
fn recon_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = params.scalar * recon_derivative(a[i], b[i]);
  }
}

@compute @workgroup_size(WG)
fn kl_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    let m = a[i];
    y[i] = 0.5 * (m * m + exp_m1_m_x(b[i]));
  }
}

@compute @workgroup_size(WG)
fn kl_logvar_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    let v = a[i];
    // exp(v) - 1 = v + (exp(v) - 1 - v), without the cancellation near v = 0.
    let em1 = select(exp(v) - 1.0, v + exp_m1_m_x(v), abs(v) < 0.5);
    y[i] = params.scalar * 0.5 * em1;
  }
}

@compute @workgroup_size(WG)
fn combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[3u * i] = a[i] + params.scalar * b[i];
    y[3u * i + 1u] = a[i];
    y[3u * i + 2u] = b[i];
  }
}

@compute @workgroup_size(WG)
fn adam_moment1(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = params.scalar * y[i] + (1.0 - params.scalar) * a[i];
  }
}

@compute @workgroup_size(WG)
fn adam_moment2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    // ((1 - beta2) g) g, as adam.wgsl: v overflows only when v itself would.
    let g = a[i];
    y[i] = params.scalar * y[i] + ((1.0 - params.scalar) * g) * g;
  }
}

@compute @workgroup_size(WG)
fn adam_direction(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = a[i] / (sqrt(b[i]) / state.bias_correction2_sqrt + params.scalar);
  }
}

@compute @workgroup_size(WG)
fn adam_update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    y[i] = y[i] - (params.scalar / state.bias_correction1) * a[i];
  }
}
