// Reparameterisation trick (Kingma & Welling 2013, "Auto-Encoding Variational Bayes",
// section 2.4) with the encoder's log-variance output:
//   forward   z = mu + exp(0.5 * logvar) * eps,            eps ~ N(0, I)
//   backward  dmu = dz,  dlogvar = 0.5 * dz * eps * exp(0.5 * logvar)
// eps is never stored: backward regenerates it from the same (seed, step, stream).
// No clamping: z and the gradients are finite for any logvar with exp(0.5 * logvar)
// finite in f32 (logvar < 177), e.g. logvar = -30 and +30.
//
// Entry points
//   randn     noise = eps                        (samples from the prior; tests)
//   forward   z = mu + exp(0.5 * logvar) * eps
//   backward  dmu, dlogvar as above; override ACCUMULATE adds into them instead
//             (the KL gradients of vae_loss.wgsl are written first, then these add on)
// Tensors are flat: mu, logvar, z, dz, dmu, dlogvar hold n = B * L elements, any n.
//
// Input corruption for denoising and inpainting VAEs, from the same generator so the
// float64 reference reproduces it (src/ops/corrupt.ts, test/reference/corrupt.ts):
//   corrupt_gaussian    corrupted = clamp(clean + sigma * eps, 0, 1), eps as randn's
//   corrupt_saltpepper  corrupted = 0 where u < P/2, 1 where P/2 <= u < P, else clean
//   corrupt_dropout     corrupted = 0 where u < P, else clean (no rescaling)
//   mask_box            mask [B, rows * cols], 1 visible, 0 inside a square of side
//                       side_min + (a draw in 0 .. side_choices - 1) at a random
//                       position fully inside each image (box:K and random-box:A-B)
//   mask_rect           mask, 0 inside the fixed rectangle `rect` of every image (half)
//   mask_pixels         mask, 0 where u < P, each pixel independently
//   binarize            corrupted = 1 where u < clean, else 0: a Bernoulli(clean) draw
//                       (dynamic binarisation); clean = 0 gives 0 and 1 gives 1
// Per-element draws use the counter of element e exactly as the normals do:
//   counter (e / 4, stream, 0, 0), word r = r[e % 4], u = (r >> 8) * 2^-24 in [0, 1).
//   u < P is evaluated exactly as k < threshold on the integer k = r >> 8, with
//   threshold = ceil(P * 2^24) and half_threshold = ceil(P / 2 * 2^24) from the host.
// Per-image draws use counter (b, stream, 1, 0) for image b (the third word 1 keeps
//   them apart from every per-element counter): with hi(r * m) = floor(r * m / 2^32),
//   an integer in 0 .. m - 1,
//     side = side_min + hi(r0 * side_choices)
//     top  = hi(r1 * (rows - side + 1)),  left = hi(r2 * (cols - side + 1)).
// The key is (seed, step) of the uniform `corruption`, as for `params`.
//
// Binding convention: @group(0) only; @binding(0) is the uniform (`params`, or
// `corruption` for the corruption entries); then the `var<storage, read>` inputs;
// then the `var<storage, read_write>` outputs. `params` and `corruption` share
// binding 0, which WGSL allows because no entry point uses both; every other binding
// number is unique across the module, so each entry point's own bindings follow that
// order: randn 0, 4; forward 0, 1, 2, 5; backward 0, 2, 3, 6, 7; corrupt_* and
// binarize 0, 8, 9; mask_* 0, 10.
//
// Noise: Philox-4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers:
// as easy as 1, 2, 3"), a counter-based generator: a pure function of (counter, key).
//   key      (seed, step), both u32 from the uniform
//   counter  (e / 4, stream, 0, 0) for element e; `stream` separates uses of the
//            noise (0 = reparameterisation; other values for other consumers)
//   words    r0..r3 = Philox4x32-10(counter, key); one round maps (c0, c1, c2, c3) to
//            (hi(M1*c2) ^ c1 ^ k0, lo(M1*c2), hi(M0*c0) ^ c3 ^ k1, lo(M0*c0)), then the
//            key is bumped by (W0, W1); hi/lo are the halves of the 64-bit product,
//            built from 16-bit halves because WGSL has no mulhi.
//   uniforms u_i = (f32(r_i >> 9) + 0.5) * 2^-23. The top 23 bits plus one half need
//            24 significant bits, so u_i is exact in f32 and lies in [2^-24, 1 - 2^-24].
//            (With 24 bits, k + 0.5 for k >= 2^23 would round, and could round to 1.)
//   normals  n0 = sqrt(-2 ln u0) cos(2 pi u1), n1 = sqrt(-2 ln u0) sin(2 pi u1), n2, n3
//            likewise from u2, u3 (Box & Muller 1958); element e takes n[e % 4].
// So eps for element e depends on (seed, step, stream, e) only, never on the dispatch
// shape: one invocation makes the four normals of a counter and loops over counters.
// test/reference/philox.ts reproduces the words bit for bit.
//
// ln and sin/cos are written out below rather than taken from the builtins, because
// WGSL only promises log() to 2^-21 absolute near 1 and sin/cos to 2^-11 absolute;
// these versions are accurate to a few f32 ulps on every implementation, so the same
// key gives the same eps to ~1e-6 on any device.

struct Params {
  n: u32,
  seed: u32,
  step: u32,
  stream: u32,
}

override ACCUMULATE: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> mu: array<f32>;
@group(0) @binding(2) var<storage, read> logvar: array<f32>;
@group(0) @binding(3) var<storage, read> dz: array<f32>;
@group(0) @binding(4) var<storage, read_write> noise: array<f32>;
@group(0) @binding(5) var<storage, read_write> z: array<f32>;
@group(0) @binding(6) var<storage, read_write> dmu: array<f32>;
@group(0) @binding(7) var<storage, read_write> dlogvar: array<f32>;

// The corruption entries' uniform. Every field is given for every entry (zero where
// the entry does not read it).
struct CorruptParams {
  // Elements: B * D for the noise entries, B * rows * cols for the masks.
  n: u32,
  seed: u32,
  step: u32,
  stream: u32,
  // corrupt_gaussian: the noise's standard deviation.
  sigma: f32,
  // saltpepper, dropout, mask_pixels: changed where (r >> 8) < threshold.
  threshold: u32,
  // saltpepper: 0 where (r >> 8) < half_threshold, 1 where not but below threshold.
  half_threshold: u32,
  // The masks' images.
  rows: u32,
  cols: u32,
  // mask_box: the square's side is side_min + hi(r0 * side_choices).
  side_min: u32,
  side_choices: u32,
  // mask_rect: the hidden rectangle (top, left, height, width), the same in every image.
  rect: vec4<u32>,
}

@group(0) @binding(0) var<uniform> corruption: CorruptParams;
@group(0) @binding(8) var<storage, read> clean: array<f32>;
@group(0) @binding(9) var<storage, read_write> corrupted: array<f32>;
@group(0) @binding(10) var<storage, read_write> mask: array<f32>;

const WG: u32 = 64u;

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u;
const PHILOX_W1: u32 = 0xBB67AE85u;

const LN2: f32 = 0.6931471805599453;
const TAU: f32 = 6.283185307179586;
const SQRT_HALF: f32 = 0.7071067811865476;
const TWO_POW_M23: f32 = 1.1920928955078125e-7;
const TWO_POW_M24: f32 = 5.9604644775390625e-8;

// (hi, lo) of the 64-bit product a * b from four 16x16-bit products, each < 2^32.
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let a_lo = a & 0xFFFFu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xFFFFu;
  let b_hi = b >> 16u;
  let ll = a_lo * b_lo;
  let lh = a_lo * b_hi;
  let hl = a_hi * b_lo;
  // Bits 16..47 of the product: at most 3 * 0xFFFF, so the carry into `hi` fits.
  let mid = (ll >> 16u) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
  let hi = a_hi * b_hi + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    let p0 = mulhilo(PHILOX_M0, c.x);
    let p1 = mulhilo(PHILOX_M1, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k += vec2<u32>(PHILOX_W0, PHILOX_W1);
  }
  return c;
}

// ln(u) for a normal, positive f32: u = m * 2^e with m in [sqrt(1/2), sqrt(2)) read
// from the bits, then ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172; the odd
// series to s^9 leaves a relative error below 1e-9. m - 1 is exact (Sterbenz).
fn ln_positive(u: f32) -> f32 {
  let bits = bitcast<u32>(u);
  var e = f32(i32(bits >> 23u) - 126);
  var m = bitcast<f32>((bits & 0x007FFFFFu) | 0x3F000000u);
  if (m < SQRT_HALF) {
    m *= 2.0;
    e -= 1.0;
  }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let atanh2 = s * (2.0 + s2 * (2.0 / 3.0 + s2 * (2.0 / 5.0 + s2 * (2.0 / 7.0 + s2 * (2.0 / 9.0)))));
  return e * LN2 + atanh2;
}

// (sin, cos) of 2 pi t for t in [0, 1). The reduction is done in turns, where it is
// exact: q = nearest quarter turn, f = t - q / 4 is a multiple of 2^-24 below 1/8 in
// size, so only r = 2 pi f (|r| <= pi/4) is rounded. Taylor series on |r| <= pi/4
// truncated below 2e-9.
fn sincos_turns(t: f32) -> vec2<f32> {
  let q = round(4.0 * t);
  let r = (t - 0.25 * q) * TAU;
  let r2 = r * r;
  let s = r * (1.0 + r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0)))));
  let c = 1.0 + r2 * (-0.5 + r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0 + r2 * (-1.0 / 3628800.0)))));
  switch (u32(q) & 3u) {
    case 1u: { return vec2<f32>(c, -s); }
    case 2u: { return vec2<f32>(-s, -c); }
    case 3u: { return vec2<f32>(-c, s); }
    default: { return vec2<f32>(s, c); }
  }
}

// The four standard normals of counter `quad` (elements 4 * quad .. 4 * quad + 3).
fn normals(quad: u32) -> vec4<f32> {
  return normals_at(vec4<u32>(quad, params.stream, 0u, 0u), vec2<u32>(params.seed, params.step));
}

// The four standard normals of any Philox counter and key (`normals` and
// corrupt_gaussian both draw through here, so they give the same eps).
fn normals_at(counter: vec4<u32>, key: vec2<u32>) -> vec4<f32> {
  let r = philox4x32_10(counter, key);
  let u = (vec4<f32>(r >> vec4<u32>(9u)) + 0.5) * TWO_POW_M23;
  let radius0 = sqrt(-2.0 * ln_positive(u.x));
  let radius1 = sqrt(-2.0 * ln_positive(u.z));
  let a = sincos_turns(u.y);
  let b = sincos_turns(u.w);
  return vec4<f32>(radius0 * a.y, radius0 * a.x, radius1 * b.y, radius1 * b.x);
}

// Every entry loops over counters with a grid stride, so any n fits in a grid capped
// at the device's workgroups-per-dimension limit.
fn quad_count() -> u32 {
  return (params.n + 3u) / 4u;
}

@compute @workgroup_size(WG)
fn randn(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var q = gid.x; q < quad_count(); q += groups.x * WG) {
    let eps = normals(q);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * q + j;
      if (e < params.n) {
        noise[e] = eps[j];
      }
    }
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var q = gid.x; q < quad_count(); q += groups.x * WG) {
    let eps = normals(q);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * q + j;
      if (e < params.n) {
        z[e] = mu[e] + exp(0.5 * logvar[e]) * eps[j];
      }
    }
  }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var q = gid.x; q < quad_count(); q += groups.x * WG) {
    let eps = normals(q);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * q + j;
      if (e < params.n) {
        let g = dz[e];
        let g_logvar = 0.5 * g * eps[j] * exp(0.5 * logvar[e]);
        if (ACCUMULATE) {
          dmu[e] += g;
          dlogvar[e] += g_logvar;
        } else {
          dmu[e] = g;
          dlogvar[e] = g_logvar;
        }
      }
    }
  }
}

// ---- input corruption ---------------------------------------------------------

fn corruption_key() -> vec2<u32> {
  return vec2<u32>(corruption.seed, corruption.step);
}

// The four words of element counter `quad`, shifted to 24-bit integers k = r >> 8.
fn corruption_bits(quad: u32) -> vec4<u32> {
  return philox4x32_10(vec4<u32>(quad, corruption.stream, 0u, 0u), corruption_key()) >> vec4<u32>(8u);
}

fn corruption_quads() -> u32 {
  return (corruption.n + 3u) / 4u;
}

@compute @workgroup_size(WG)
fn corrupt_gaussian(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var q = gid.x; q < corruption_quads(); q += groups.x * WG) {
    let eps = normals_at(vec4<u32>(q, corruption.stream, 0u, 0u), corruption_key());
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * q + j;
      if (e < corruption.n) {
        corrupted[e] = clamp(clean[e] + corruption.sigma * eps[j], 0.0, 1.0);
      }
    }
  }
}

@compute @workgroup_size(WG)
fn corrupt_saltpepper(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var q = gid.x; q < corruption_quads(); q += groups.x * WG) {
    let k = corruption_bits(q);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * q + j;
      if (e < corruption.n) {
        var v = clean[e];
        if (k[j] < corruption.threshold) {
          v = select(1.0, 0.0, k[j] < corruption.half_threshold);
        }
        corrupted[e] = v;
      }
    }
  }
}

@compute @workgroup_size(WG)
fn corrupt_dropout(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var q = gid.x; q < corruption_quads(); q += groups.x * WG) {
    let k = corruption_bits(q);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * q + j;
      if (e < corruption.n) {
        corrupted[e] = select(clean[e], 0.0, k[j] < corruption.threshold);
      }
    }
  }
}

@compute @workgroup_size(WG)
fn binarize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var q = gid.x; q < corruption_quads(); q += groups.x * WG) {
    let k = corruption_bits(q);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * q + j;
      if (e < corruption.n) {
        // u = k * 2^-24 is exact in f32, so u < clean is the exact comparison.
        corrupted[e] = select(0.0, 1.0, f32(k[j]) * TWO_POW_M24 < clean[e]);
      }
    }
  }
}

@compute @workgroup_size(WG)
fn mask_pixels(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var q = gid.x; q < corruption_quads(); q += groups.x * WG) {
    let k = corruption_bits(q);
    for (var j = 0u; j < 4u; j++) {
      let e = 4u * q + j;
      if (e < corruption.n) {
        mask[e] = select(1.0, 0.0, k[j] < corruption.threshold);
      }
    }
  }
}

// 1 outside, 0 inside the rectangle (top, left, height, width) for pixel p of an image.
fn visible(p: u32, rect: vec4<u32>) -> f32 {
  let row = p / corruption.cols;
  let col = p - row * corruption.cols;
  let inside = row >= rect.x && row - rect.x < rect.z && col >= rect.y && col - rect.y < rect.w;
  return select(1.0, 0.0, inside);
}

// One invocation per pixel; each redraws its image's square (one Philox block), which
// is cheaper than sharing it and keeps the draw independent of the dispatch shape.
@compute @workgroup_size(WG)
fn mask_box(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let pixels = corruption.rows * corruption.cols;
  for (var e = gid.x; e < corruption.n; e += groups.x * WG) {
    let b = e / pixels;
    let r = philox4x32_10(vec4<u32>(b, corruption.stream, 1u, 0u), corruption_key());
    let side = corruption.side_min + mulhilo(r.x, corruption.side_choices).x;
    let top = mulhilo(r.y, corruption.rows - side + 1u).x;
    let left = mulhilo(r.z, corruption.cols - side + 1u).x;
    mask[e] = visible(e - b * pixels, vec4<u32>(top, left, side, side));
  }
}

@compute @workgroup_size(WG)
fn mask_rect(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let pixels = corruption.rows * corruption.cols;
  for (var e = gid.x; e < corruption.n; e += groups.x * WG) {
    mask[e] = visible(e % pixels, corruption.rect);
  }
}
