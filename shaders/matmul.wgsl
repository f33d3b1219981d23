// matmul: C[M,N] = op(A) · op(B), then an optional fused epilogue
//   C = act(op(A) · op(B) + bias)        (HAS_BIAS: bias[N] broadcast over rows)
// or, with ACCUMULATE, C = C + op(A) · op(B) with no epilogue (src/ops/matmul.ts
// rejects bias or an activation together with accumulate), so gradients add up.
//
// Storage is row-major. op(A) is A [M,K], or with TRANS_A, A stored [K,M].
// op(B) is B [K,N], or with TRANS_B, B stored [N,K]. A Linear layer's forward
// x·Wᵀ + b (W stored [out,in]) is TRANS_B; its backward dx = dy·W is plain and
// dW = dyᵀ·x is TRANS_A.
//
// Binding convention: @group(0) only; @binding(0) is the uniform `params`
// (M, N, K); then the read-only inputs a, b, bias; then the output c (read_write,
// read too when ACCUMULATE). A variant without HAS_BIAS gets a placeholder for bias.
//
// Register blocking: each invocation owns a REG_M × REG_N block of C (4 or 8 each),
// held as up to four 4 × 4 quadrants in mat4x4 registers and updated with outer
// products of 4-vectors, with constant indices only: SwiftShader keeps a
// dynamically indexed private array in memory, which made a loop-based block 3-4×
// slower there. An invocation's rows and columns are interleaved
// (row = ty + i·WG_Y, col = tx + j·WG_X) so neighbouring invocations touch
// neighbouring words. A workgroup owns a TILE_M × TILE_N tile of C
// (TILE_M = REG_M·WG_Y, TILE_N = REG_N·WG_X, at most 256 invocations).
//
// Two entry points compute the same thing:
//   main    the classic shared-memory tiled GEMM (e.g. Volkov & Demmel, SC08), for
//           GPUs: the workgroup walks K in steps of TILE_K, copies the A and B slices
//           of each step into workgroup memory (zero past the edges of the matrix, so
//           any M, N, K >= 1 works), synchronises, and accumulates from there.
//           (TILE_M + TILE_N)·TILE_K·4 bytes must fit in 32 KiB.
//   direct  for CPU adapters: reads op(A) and op(B) straight from storage, with no
//           barriers. Rows and columns past the edge read a clamped (valid) index and
//           are never stored. A CPU's caches do the tiling, while a barrier costs a
//           coroutine switch per SIMD group; this ran about 2× faster than `main` on
//           llvmpipe and SwiftShader alike.
// src/ops/matmul.ts picks the entry point per adapter and the tiles per shape class,
// and launches a (N / TILE_N) × (M / TILE_M) grid, refusing one over 65535 a side.
// Global loads are scalar: vec4 loads (where K % 4 == 0) measured no faster on
// either CPU adapter (within 1% on llvmpipe), so they were not worth a second layout.
//
// Activation codes (ACT): the same table and formulas as shaders/elementwise.wgsl
// (whose header explains them) and ACTIVATIONS in src/ops/activation.ts:
//   0 identity    x
//   1 relu        max(x, 0)
//   2 leaky_relu  x > 0 ? x : LEAKY_SLOPE·x             (LEAKY_SLOPE = 0.01)
//   3 sigmoid     1 / (1 + exp(-x)), as e = exp(-|x|): 1/(1+e) or e/(1+e), never inf
//   4 tanh        tanh(clamp(x, -10, 10))                (±1 to f32 precision past ±10;
//                                                         some drivers' tanh(±100) is NaN)
//   5 softplus    max(x, 0) + log1p(exp(-|x|))           (log1p by a short atanh series)
//   6 gelu        0.5·x·(1 + tanh(u)), u = sqrt(2/π)·(x + 0.044715·x³), PyTorch's
//                 approximate='tanh', evaluated as x·sigmoid(2u) (the same function,
//                 without the cancellation in 1 + tanh(u) for negative x)

struct Params {
  M: u32,
  N: u32,
  K: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override ACCUMULATE: bool = false;

// Register block (4 or 8 each), invocations along N (x) and M (y), K step of `main`.
override REG_M: u32 = 8u;
override REG_N: u32 = 8u;
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override TILE_K: u32 = 16u;

override TILE_M: u32 = REG_M * WG_Y;
override TILE_N: u32 = REG_N * WG_X;

// LEAKY_SLOPE in src/ops/activation.ts; sqrt(2/π) and the cubic coefficient of gelu.
const LEAKY_SLOPE: f32 = 0.01;
const GELU_K: f32 = 0.7978845608028654;
const GELU_C: f32 = 0.044715;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// K-major tiles: tileA[k·TILE_M + m] = op(A)[m, k], tileB[k·TILE_N + n] = op(B)[k, n].
var<workgroup> tileA: array<f32, TILE_M * TILE_K>;
var<workgroup> tileB: array<f32, TILE_N * TILE_K>;

// The activation helpers below are shaders/elementwise.wgsl's, unchanged.

// sigmoid(z) without overflow: e = exp(-|z|) is in (0, 1].
fn sigmoid(z: f32) -> f32 {
  let e = exp(-abs(z));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, z >= 0.0);
}

// log(1 + z) for 0 <= z <= 1, accurate also for tiny z: 2·atanh(s), s = z / (2 + z),
// by its series up to s^15 (relative error below 2e-9).
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

// 2u of the gelu approximation; gelu(x) = x·sigmoid(2u).
fn gelu_2u(v: f32) -> f32 {
  return 2.0 * GELU_K * (v + GELU_C * v * v * v);
}

fn activate(v: f32) -> f32 {
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

// acc[r] += a[r] · b for r = 0..3: row r of a 4 × 4 quadrant is column r of the matrix.
fn outer4(acc: ptr<function, mat4x4<f32>>, a4: vec4<f32>, b4: vec4<f32>) {
  (*acc)[0] += a4.x * b4;
  (*acc)[1] += a4.y * b4;
  (*acc)[2] += a4.z * b4;
  (*acc)[3] += a4.w * b4;
}

// The register block: quadrant q_rc holds block rows 4r..4r+3, columns 4c..4c+3.
struct Block {
  q00: mat4x4<f32>,
  q01: mat4x4<f32>,
  q10: mat4x4<f32>,
  q11: mat4x4<f32>,
}

// Adds the outer product of the block's column of op(A) (a0: rows 0-3, a1: rows 4-7)
// and row of op(B) (b0: columns 0-3, b1: columns 4-7); halves beyond REG_M / REG_N
// are skipped (the branches fold away once the overrides are known).
fn accumulate(blk: ptr<function, Block>, a0: vec4<f32>, a1: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>) {
  outer4(&(*blk).q00, a0, b0);
  if (REG_N == 8u) { outer4(&(*blk).q01, a0, b1); }
  if (REG_M == 8u) {
    outer4(&(*blk).q10, a1, b0);
    if (REG_N == 8u) { outer4(&(*blk).q11, a1, b1); }
  }
}

// Writes the block (rows row0 + r·WG_Y, columns col0 + j·WG_X) through the epilogue.
// The loops stop at the edge of C, and their bounds come from `params`, not from
// constants, so compilers keep one copy of the epilogue rather than unrolling up to
// 64 (which made a gelu pipeline take 0.3 s to build on llvmpipe). The dynamic
// indexing goes through a copy, so that `blk` itself stays in registers.
fn storeBlock(blk: Block, row0: u32, col0: u32) {
  var quads = array<mat4x4<f32>, 4>(blk.q00, blk.q01, blk.q10, blk.q11);
  let rows = select(0u, min(REG_M, (params.M - row0 + WG_Y - 1u) / WG_Y), row0 < params.M);
  let cols = select(0u, min(REG_N, (params.N - col0 + WG_X - 1u) / WG_X), col0 < params.N);
  for (var r = 0u; r < rows; r++) {
    let row = row0 + r * WG_Y;
    for (var j = 0u; j < cols; j++) {
      let col = col0 + j * WG_X;
      let at = row * params.N + col;
      var x = quads[(r / 4u) * 2u + j / 4u][r % 4u][j % 4u];
      if (ACCUMULATE) {
        x += c[at];
      } else {
        if (HAS_BIAS) { x += bias[col]; }
        x = activate(x);
      }
      c[at] = x;
    }
  }
}

// ---- main: tiles staged in workgroup memory --------------------------------

// op(A)[m, k] and op(B)[k, n], zero outside the matrix.
fn loadA(m: u32, k: u32) -> f32 {
  if (m >= params.M || k >= params.K) { return 0.0; }
  if (TRANS_A) { return a[k * params.M + m]; }
  return a[m * params.K + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= params.K || n >= params.N) { return 0.0; }
  if (TRANS_B) { return b[n * params.K + k]; }
  return b[k * params.N + n];
}

// Four values of a tile row that an invocation uses: WG_Y (A) or WG_X (B) apart.
fn tileA4(at: u32) -> vec4<f32> {
  return vec4(tileA[at], tileA[at + WG_Y], tileA[at + 2u * WG_Y], tileA[at + 3u * WG_Y]);
}

fn tileB4(at: u32) -> vec4<f32> {
  return vec4(tileB[at], tileB[at + WG_X], tileB[at + 2u * WG_X], tileB[at + 3u * WG_X]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let threads = WG_X * WG_Y;
  let flat = lid.y * WG_X + lid.x;
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N;

  var blk: Block;
  for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {
    // Walk each tile along its contiguous dimension in memory, so that neighbouring
    // invocations read neighbouring words.
    for (var i = flat; i < TILE_M * TILE_K; i += threads) {
      var m: u32;
      var k: u32;
      if (TRANS_A) { m = i % TILE_M; k = i / TILE_M; } else { k = i % TILE_K; m = i / TILE_K; }
      tileA[k * TILE_M + m] = loadA(row0 + m, k0 + k);
    }
    for (var i = flat; i < TILE_N * TILE_K; i += threads) {
      var n: u32;
      var k: u32;
      if (TRANS_B) { k = i % TILE_K; n = i / TILE_K; } else { n = i % TILE_N; k = i / TILE_N; }
      tileB[k * TILE_N + n] = loadB(k0 + k, col0 + n);
    }
    workgroupBarrier();

    for (var k = 0u; k < TILE_K; k++) {
      let ra = k * TILE_M + lid.y;
      let rb = k * TILE_N + lid.x;
      var a1: vec4<f32>;
      var b1: vec4<f32>;
      if (REG_M == 8u) { a1 = tileA4(ra + 4u * WG_Y); }
      if (REG_N == 8u) { b1 = tileB4(rb + 4u * WG_X); }
      accumulate(&blk, tileA4(ra), a1, tileB4(rb), b1);
    }
    workgroupBarrier();
  }
  storeBlock(blk, row0 + lid.y, col0 + lid.x);
}

// ---- direct: operands read from storage ------------------------------------

fn gatherA(at: vec4<u32>) -> vec4<f32> {
  return vec4(a[at.x], a[at.y], a[at.z], a[at.w]);
}

fn gatherB(at: vec4<u32>) -> vec4<f32> {
  return vec4(b[at.x], b[at.y], b[at.z], b[at.w]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn direct(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let M = params.M;
  let N = params.N;
  let K = params.K;
  let row0 = wid.y * TILE_M + lid.y;
  let col0 = wid.x * TILE_N + lid.x;
  let quad = vec4(0u, 1u, 2u, 3u);
  // op(A)[m, k] = a[m·strideAm + k·strideAk]; op(B)[k, n] = b[k·strideBk + n·strideBn].
  let strideAm = select(K, 1u, TRANS_A);
  let strideAk = select(1u, M, TRANS_A);
  let strideBk = select(N, 1u, TRANS_B);
  let strideBn = select(1u, K, TRANS_B);
  let rowsA0 = min(row0 + WG_Y * quad, vec4(M - 1u)) * strideAm;
  let rowsA1 = min(row0 + WG_Y * (quad + 4u), vec4(M - 1u)) * strideAm;
  let colsB0 = min(col0 + WG_X * quad, vec4(N - 1u)) * strideBn;
  let colsB1 = min(col0 + WG_X * (quad + 4u), vec4(N - 1u)) * strideBn;

  var blk: Block;
  for (var k = 0u; k < K; k++) {
    let ka = k * strideAk;
    let kb = k * strideBk;
    var a1: vec4<f32>;
    var b1: vec4<f32>;
    if (REG_M == 8u) { a1 = gatherA(rowsA1 + ka); }
    if (REG_N == 8u) { b1 = gatherB(colsB1 + kb); }
    accumulate(&blk, gatherA(rowsA0 + ka), a1, gatherB(colsB0 + kb), b1);
  }
  storeBlock(blk, row0, col0);
}
