// Fused VAE loss: reconstruction + beta * KL and all of their gradients in one pass
// over the data (Kingma & Welling 2013, "Auto-Encoding Variational Bayes"; beta as in
// Higgins et al. 2017, "beta-VAE"); and, from the same helpers, the reconstruction
// term alone for plain autoencoders (entry point `recon_only`).
//
// Inputs: recon [B, D] (logits or outputs, see RECON), x [B, D] targets, mu [B, L],
// logvar [B, L]. Override RECON selects the likelihood; both terms are negative
// log-likelihoods in nats:
//   0  Bernoulli from logits l, for x in [0, 1] (not necessarily binary), the stable
//      binary cross-entropy  max(l, 0) - l * x + log1p(exp(-|l|)),  gradient sigmoid(l) - x
//      (both from t = exp(-|l|), which never overflows, and split on the sign of l)
//   1  Gaussian N(x; o, sigma^2) with a fixed sigma:
//        0.5 ((x - o) / sigma)^2 + log(sigma) + 0.5 log(2 pi),  gradient (o - x) / sigma^2
//      The uniform carries inv_var = 1 / sigma^2 and the per-pixel constant
//      log_norm = log(sigma) + 0.5 log(2 pi), both formed in float64 on the CPU.
//      recon_term gives the non-negative part 0.5 inv_var (o - x)^2; the constant is
//      added once per row, as D * log_norm, after the reduction (it does not depend on
//      the data, and adding it per pixel would make the sum over D one of mixed signs).
//      sigma = 1/sqrt(2) is the old sum of squared errors plus D * 0.5 log(pi).
// KL(N(mu, exp(logvar)) || N(0, I)) = -0.5 sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j))
// (appendix B of the paper), computed as 0.5 sum_j (mu_j^2 + (exp(v_j) - 1 - v_j)),
// a sum of non-negative terms, so it stays accurate when the posterior nears the prior.
//
// Reduction: per sample, SUM over the D pixels and the L latent dimensions:
//   recon_b = sum_d term(recon_bd, x_bd),  kl_b = KL of row b,  loss_b = recon_b + beta * kl_b.
// The batch loss is the MEAN over the batch of loss_b. Gradients are those of that
// batch mean times a scalar grad_scale (normally 1), premultiplied on the CPU into
//   recon_scale = grad_scale / B           d_recon  = recon_scale * dterm/drecon
//   kl_scale    = grad_scale * beta / B    d_mu     = kl_scale * mu
//                                          d_logvar = kl_scale * 0.5 * (exp(logvar) - 1)
// (beta and kl_scale may be re-packed before each replay of a captured program, when
// the caller's beta is a Live value; see src/ops/vae-loss.ts.)
//
// Entry points (`batch_mean` in the same compute pass right after either of the others):
//   main        one workgroup per sample row (grid-stride over rows when B exceeds the
//               grid), a workgroup-memory tree reduction over D and L; writes
//               per_sample [B, 3] = (loss_b, recon_b, kl_b) and the three gradients.
//   recon_only  the same without a latent KL (a plain autoencoder): reads neither mu
//               nor logvar and writes per_sample = (recon_b, recon_b, 0) and d_recon.
//               Its uniform has l = 0, beta = 0, kl_scale = 0.
//   batch_mean  one workgroup; reduces per_sample to stats [3] = the batch means of
//               (loss, recon, kl), so the loss never needs a readback. WGSL has no
//               float atomics, so the cross-row sum cannot happen inside `main`.
//
// Binding convention: @group(0) only; @binding(0) is the uniform `params`; then the
// `var<storage, read>` inputs; then the `var<storage, read_write>` outputs. Binding
// numbers are unique across the module: main uses 0-4 and 6-9 (8 storage buffers,
// under the limit of 9 the runtime asks for), recon_only uses 0-2, 6 and 7,
// batch_mean uses 0, 5 and 10.
//
// Accuracy: log1p, exp(v) - 1 - v and exp(v) - 1 are evaluated by series for small
// arguments (WGSL only promises log() to 2^-21 absolute near 1, and the exp forms
// cancel), so the BCE of a confident logit (e.g. |l| = 80), the KL near the prior and
// its logvar gradient keep their digits.

import package::lib::math::{exp_m1_m_x, log1p_unit};

struct Params {
  batch: u32,
  d: u32,
  l: u32,
  beta: f32,
  recon_scale: f32,
  kl_scale: f32,
  inv_var: f32,
  log_norm: f32,
}

override RECON: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> recon: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> mu: array<f32>;
@group(0) @binding(4) var<storage, read> logvar: array<f32>;
@group(0) @binding(5) var<storage, read> per_sample_in: array<f32>;
@group(0) @binding(6) var<storage, read_write> per_sample: array<f32>;
@group(0) @binding(7) var<storage, read_write> d_recon: array<f32>;
@group(0) @binding(8) var<storage, read_write> d_mu: array<f32>;
@group(0) @binding(9) var<storage, read_write> d_logvar: array<f32>;
@group(0) @binding(10) var<storage, read_write> stats: array<f32>;

// One warp per row is plenty for D = 784 on a GPU, and the CPU adapters run every
// barrier in software: 32 measured 2-3x faster than 64 on SwiftShader and llvmpipe.
const WG: u32 = 32u;

var<workgroup> partial: array<vec3<f32>, WG>;

fn expm1(v: f32) -> f32 {
  if (abs(v) >= 0.5) {
    return exp(v) - 1.0;
  }
  return v + exp_m1_m_x(v);
}

// (loss term, d term / d prediction) for one pixel; for the Gaussian without its
// constant log_norm, which recon_constant adds per row.
fn recon_term(pred: f32, truth: f32) -> vec2<f32> {
  if (RECON == 0u) {
    // Both parts split on the sign of the logit so nothing cancels:
    //   max(l, 0) - l x     = l (1 - x) for l >= 0, -l x otherwise (each >= 0)
    //   sigmoid(l) - x      = (1 - x) - q for l >= 0, q - x otherwise, q = sigmoid(-|l|)
    // so a confident logit near its target keeps its small loss and tiny gradient
    // (l - l x would lose them to the rounding of l x, 1 / (1 + t) would round to 1).
    let t = exp(-abs(pred));
    let q = t / (1.0 + t);
    let positive = pred >= 0.0;
    let loss = select(-pred * truth, pred * (1.0 - truth), positive) + log1p_unit(t);
    return vec2<f32>(loss, select(q - truth, (1.0 - truth) - q, positive));
  }
  let r = pred - truth;
  return vec2<f32>(0.5 * params.inv_var * (r * r), params.inv_var * r);
}

// The data-independent part of recon_b: D * (log(sigma) + 0.5 log(2 pi)) for the Gaussian.
fn recon_constant() -> f32 {
  if (RECON == 1u) {
    return f32(params.d) * params.log_norm;
  }
  return 0.0;
}

// This invocation's share of the reconstruction sum of `row` (without recon_constant);
// writes the gradients of its pixels.
fn recon_row(row: u32, lid: u32) -> f32 {
  var sum = 0.0;
  let pixels = row * params.d;
  for (var i = lid; i < params.d; i += WG) {
    let term = recon_term(recon[pixels + i], x[pixels + i]);
    sum += term.x;
    d_recon[pixels + i] = params.recon_scale * term.y;
  }
  return sum;
}

// (loss_b, recon_b, kl_b) of one row from its reduced sums.
fn write_sample(row: u32, recon_sum: f32, kl: f32) {
  let rec = recon_sum + recon_constant();
  per_sample[3u * row] = rec + params.beta * kl;
  per_sample[3u * row + 1u] = rec;
  per_sample[3u * row + 2u] = kl;
}

// Sum over the workgroup, returned to every invocation. Call from uniform control flow.
fn workgroup_sum(lid: u32, value: vec3<f32>) -> vec3<f32> {
  partial[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  // The next call overwrites `partial`: everyone must have read the total first.
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  for (var row = group.x; row < params.batch; row += groups.x) {
    var sums = vec3<f32>(recon_row(row, lid), 0.0, 0.0); // (recon, kl, unused)
    let latents = row * params.l;
    for (var j = lid; j < params.l; j += WG) {
      let m = mu[latents + j];
      let v = logvar[latents + j];
      sums.y += 0.5 * (m * m + exp_m1_m_x(v));
      d_mu[latents + j] = params.kl_scale * m;
      d_logvar[latents + j] = params.kl_scale * 0.5 * expm1(v);
    }
    let total = workgroup_sum(lid, sums);
    if (lid == 0u) {
      write_sample(row, total.x, total.y);
    }
  }
}

@compute @workgroup_size(WG)
fn recon_only(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) group: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  for (var row = group.x; row < params.batch; row += groups.x) {
    let total = workgroup_sum(lid, vec3<f32>(recon_row(row, lid), 0.0, 0.0));
    if (lid == 0u) {
      write_sample(row, total.x, 0.0);
    }
  }
}

@compute @workgroup_size(WG)
fn batch_mean(@builtin(local_invocation_index) lid: u32) {
  var sums = vec3<f32>(0.0);
  for (var b = lid; b < params.batch; b += WG) {
    sums += vec3<f32>(per_sample_in[3u * b], per_sample_in[3u * b + 1u], per_sample_in[3u * b + 2u]);
  }
  let total = workgroup_sum(lid, sums);
  if (lid == 0u) {
    let mean = total / f32(params.batch);
    stats[0] = mean.x;
    stats[1] = mean.y;
    stats[2] = mean.z;
  }
}
