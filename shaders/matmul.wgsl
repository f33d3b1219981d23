// matmul: C[M,N] = op(A) · op(B), then an optional fused epilogue
//   C = act(op(A) · op(B) + bias)        (HAS_BIAS: bias[N] broadcast over rows)
// or, with ACCUMULATE, C = act(C + op(A) · op(B) + bias): gradients add up (a
// caller's accumulate takes no bias or activation; src/ops/matmul.ts checks), and
// a K split across launches (src/ops/gemm-split.ts) applies the epilogue last. A
// small C with a long K is summed in K slices along workgroup z instead, each slice
// into its own copy of C, added up after by a reduction (the same file says when).
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
// Register blocking: each invocation owns a REG_M × REG_N block of C (4, 8 or 16
// each), held as up to sixteen 4 × 4 quadrants in mat4x4 registers and updated with
// outer products of 4-vectors, with constant indices only: SwiftShader keeps a
// dynamically indexed private array in memory, which made a loop-based block 3-4×
// slower there. The CPU adapters load an operand lane by lane, which costs them far
// more than a multiply-add, so their blocks are big: a 16 × 16 block loads 32 values
// per 256 multiply-adds where 8 × 8 loads 16 per 64, and ran 1.4-1.6× faster on
// llvmpipe (the spilled accumulators cost less than the loads they save). An invocation's rows and columns are interleaved
// (row = ty + i·WG_Y, col = tx + j·WG_X) so neighbouring invocations touch
// neighbouring words. A workgroup owns a TILE_M × TILE_N tile of C
// (TILE_M = REG_M·WG_Y, TILE_N = REG_N·WG_X, at most 256 invocations).
//
// The entry points all compute the same thing:
//   main    the classic shared-memory tiled GEMM (e.g. Volkov & Demmel, SC08), for
//           GPUs: the workgroup walks K in steps of TILE_K, copies the A and B slices
//           of each step into workgroup memory (zero past the edges of the matrix, so
//           any M, N, K >= 1 works), synchronises, and accumulates from there;
//           with STAGES = 2 it loads the next tile while it multiplies this one.
//           (TILE_M + TILE_N)·TILE_K·STAGES·4 bytes must fit in workgroup memory.
//   main4   (shaders/matmul_tiled4.wgsl): `main` moving four values at a time, from
//           storage to the tiles and from the tiles to the registers, where the sides
//           allow (as for direct4).
//   subgroup (shaders/matmul_subgroup.wgsl, where the adapter has `subgroups`):
//           `direct` with op(A) shared across a subgroup by shuffles.
//   direct4, direct4a (shaders/matmul_vec4.wgsl, matmul_vec4a.wgsl): `direct`
//           reading each operand (or op(A) only) a vec4 at a time along the
//           dimension it is contiguous in, where the sides allow (K % 4 == 0, ...).
//   direct  for CPU adapters: reads op(A) and op(B) straight from storage, with no
//           barriers. Rows and columns past the edge read a clamped (valid) index and
//           are never stored. A CPU's caches do the tiling, while a barrier costs a
//           coroutine switch per SIMD group; this ran about 2× faster than `main` on
//           llvmpipe and SwiftShader alike.
// The convolutions are GEMMs too (shaders/matmul_conv.wgsl): with CONV = 1..3 `main`
// and the epilogue decode their operands and output, and conv_direct is their `direct`.
// src/ops/matmul.ts picks the entry point and tiles (the tuner's choice for the
// shape class on this device, src/tune/, else defaults by adapter class), and
// launches a (N / TILE_N) × (M / TILE_M) × slices grid, refusing one over 65535 a side.
// Global loads here are scalar. vec4 loads measured no faster on either CPU
// adapter with 8 × 8 blocks (within 1% on llvmpipe); with 16 × 16 blocks they ran
// SwiftShader's products 1.2-1.4x faster, so they became the vec4 entries.
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

import package::lib::activations::activate;
import package::matmul_conv::{CONV, rowOut, colOut, rowPart, kPartAt, cursorOf, im2col, groupB, kBAt};

struct Params {
  M: u32,
  N: u32,
  // The whole K (operand strides), and the part this launch sums, k = k_begin ..
  // k_end-1. A long K is split into several launches (src/ops/gemm-split.ts):
  // llvmpipe ends an invocation's loops after 65535 iterations in all (Mesa
  // gallivm's guard against endless shader loops), which silently dropped the rest
  // of a long K.
  K: u32,
  k_begin: u32,
  k_end: u32,
  // K slices summed in parallel (src/ops/gemm-split.ts): workgroup z sums
  // k_split values of k from k_begin + z·k_split and stores its C at z·split_stride
  // of a scratch tensor, which a reduction then adds up. Unsplit: one slice, k_split
  // = K - k_begin, split_stride = 0.
  k_split: u32,
  split_stride: u32,
  // Convolution geometry, read only when CONV != 0 (the matmul passes zeros):
  // the pixel grid that `rowPart` decodes (for CONV_DATA: the whole dx), the image
  // the im2col operand reads (channels, height, width), the kernel, and stride /
  // padding / dilation.
  grid_h: u32,
  grid_w: u32,
  src_c: u32,
  src_h: u32,
  src_w: u32,
  kernel_h: u32,
  kernel_w: u32,
  stride: u32,
  pad: u32,
  dilation: u32,
  // CONV_DATA's pixel class (rows, columns): its grid, its first pixel, the source
  // position of that pixel's first tap, that tap's kernel index and the class's tap
  // count; the kernel-index and source steps between a class's taps.
  cls_grid: vec2<u32>,
  cls_first: vec2<u32>,
  cls_src0: vec2<i32>,
  cls_tap0: vec2<u32>,
  cls_taps: vec2<u32>,
  tap_step: u32,
  src_step: u32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override ACCUMULATE: bool = false;

// Register block (4, 8 or 16 each), invocations along N (x) and M (y), K step of `main`.
override REG_M: u32 = 8u;
override REG_N: u32 = 8u;
override WG_X: u32 = 8u;
override WG_Y: u32 = 8u;
override TILE_K: u32 = 16u;
// Tiles of `main` in workgroup memory: 1, or 2 for double buffering.
override STAGES: u32 = 1u;
// An invocation's rows (GROUP_M) or columns (GROUP_N) in runs of 4 adjacent ones,
// row = row0 + (r / 4)·4·WG_Y + r % 4 with row0 = tile + 4·ty, instead of
// interleaved: the vec4 entry reading a transposed A along m, or B along n
// (shaders/matmul_vec4.wgsl). storeBlock is the only other reader.
override GROUP_M: bool = false;
override GROUP_N: bool = false;

override TILE_M: u32 = REG_M * WG_Y;
override TILE_N: u32 = REG_N * WG_X;

// LEAKY_SLOPE in src/ops/activation.ts.
const LEAKY_SLOPE: f32 = 0.01;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

// K-major tiles: tileA[k·TILE_M + m] = op(A)[m, k], tileB[k·TILE_N + n] = op(B)[k, n].
// Stage s starts at s·TILE_M·TILE_K (A) and s·TILE_N·TILE_K (B).
var<workgroup> tileA: array<f32, TILE_M * TILE_K * STAGES>;
var<workgroup> tileB: array<f32, TILE_N * TILE_K * STAGES>;

// acc[r] += a[r] · b for r = 0..3: row r of a 4 × 4 quadrant is column r of the matrix.
fn outer4(acc: ptr<function, mat4x4<f32>>, a4: vec4<f32>, b4: vec4<f32>) {
  (*acc)[0] += a4.x * b4;
  (*acc)[1] += a4.y * b4;
  (*acc)[2] += a4.z * b4;
  (*acc)[3] += a4.w * b4;
}

// The register block as four quadrant rows: r_r.q_c holds block rows 4r..4r+3,
// columns 4c..4c+3; quadrants past REG_M × REG_N are never touched. (Rows of their
// own because a function may take one pointer into a variable, not four.)
struct BlockRow {
  q0: mat4x4<f32>,
  q1: mat4x4<f32>,
  q2: mat4x4<f32>,
  q3: mat4x4<f32>,
}

struct Block {
  r0: BlockRow,
  r1: BlockRow,
  r2: BlockRow,
  r3: BlockRow,
}

// A block's column of op(A) at one k (v_r: rows 4r..4r+3) or its row of op(B)
// (v_c: columns 4c..4c+3), as far as REG_M or REG_N reaches.
struct Vec16 {
  v0: vec4<f32>,
  v1: vec4<f32>,
  v2: vec4<f32>,
  v3: vec4<f32>,
}

// How many of a Vec16's four vectors a block side of `reg` uses.
fn reaches(reg: u32, quadrant: u32) -> bool {
  return reg > 4u * quadrant;
}

// One quadrant row of the block: op(A)'s 4-vector for its rows against op(B)'s row.
// (No parameter is called `a` or `b`: the linker would rename the bindings.)
fn accumulateRow(row: ptr<function, BlockRow>, a4: vec4<f32>, opB: Vec16) {
  outer4(&(*row).q0, a4, opB.v0);
  if (reaches(REG_N, 1u)) { outer4(&(*row).q1, a4, opB.v1); }
  if (reaches(REG_N, 2u)) {
    outer4(&(*row).q2, a4, opB.v2);
    outer4(&(*row).q3, a4, opB.v3);
  }
}

// Adds the outer product of the block's column of op(A) and row of op(B); quadrants
// beyond REG_M / REG_N are skipped (the branches fold away once the overrides are
// known).
fn accumulate(blk: ptr<function, Block>, opA: Vec16, opB: Vec16) {
  accumulateRow(&(*blk).r0, opA.v0, opB);
  if (reaches(REG_M, 1u)) { accumulateRow(&(*blk).r1, opA.v1, opB); }
  if (reaches(REG_M, 2u)) {
    accumulateRow(&(*blk).r2, opA.v2, opB);
    accumulateRow(&(*blk).r3, opA.v3, opB);
  }
}

// The K range [x, y) of slice z.
fn kSlice(z: u32) -> vec2<u32> {
  let begin = params.k_begin + z * params.k_split;
  return vec2(begin, min(params.k_end, begin + params.k_split));
}

// Where the block's i-th row (column) lies from its first: i·wg apart, or in runs
// of 4 (GROUP_M, GROUP_N).
fn blockOffset(i: u32, wg: u32, grouped: bool) -> u32 {
  return select(i * wg, (i / 4u) * 4u * wg + i % 4u, grouped);
}

// How many of the block's rows (columns), from `first`, lie inside a side of `size`:
// the offsets rise with i, so the inside ones come first.
fn blockReach(first: u32, size: u32, wg: u32, reg: u32, grouped: bool) -> u32 {
  if (first >= size) { return 0u; }
  let room = size - first;
  if (!grouped) { return min(reg, (room + wg - 1u) / wg); }
  // Runs before the last that reaches, all 4 in; then what of the last fits.
  let last = (room - 1u) / (4u * wg);
  return min(reg, 4u * last + min(4u, room - last * 4u * wg));
}

// Writes the block (rows row0 + blockOffset(r), columns col0 + blockOffset(j)) of K slice `slice`
// through the epilogue.
// The loops stop at the edge of C, and their bounds come from `params`, not from
// constants, so compilers keep one copy of the epilogue rather than unrolling up to
// 64 (which made a gelu pipeline take 0.3 s to build on llvmpipe). The dynamic
// indexing goes through a copy, so that `blk` itself stays in registers.
fn storeBlock(blk: Block, row0: u32, col0: u32, slice: u32) {
  let base = slice * params.split_stride;
  var quads = array<mat4x4<f32>, 16>(
    blk.r0.q0, blk.r0.q1, blk.r0.q2, blk.r0.q3, blk.r1.q0, blk.r1.q1, blk.r1.q2, blk.r1.q3,
    blk.r2.q0, blk.r2.q1, blk.r2.q2, blk.r2.q3, blk.r3.q0, blk.r3.q1, blk.r3.q2, blk.r3.q3,
  );
  let rows = blockReach(row0, params.M, WG_Y, REG_M, GROUP_M);
  let cols = blockReach(col0, params.N, WG_X, REG_N, GROUP_N);
  for (var r = 0u; r < rows; r++) {
    let row = row0 + blockOffset(r, WG_Y, GROUP_M);
    let rowAt = base + rowOut(row);
    for (var j = 0u; j < cols; j++) {
      let col = col0 + blockOffset(j, WG_X, GROUP_N);
      let at = rowAt + colOut(col);
      var x = quads[(r / 4u) * 4u + j / 4u][r % 4u][j % 4u];
      // A split K's last launch accumulates and applies the epilogue; a caller's
      // accumulate has neither bias nor activation (src/ops/matmul.ts checks).
      if (ACCUMULATE) { x += c[at]; }
      if (HAS_BIAS) { x += bias[col]; }
      c[at] = activate(x, ACT, LEAKY_SLOPE);
    }
  }
}

// ---- main: tiles staged in workgroup memory --------------------------------

// op(A)[m, k] and op(B)[k, n], zero outside the matrix.
fn loadA(m: u32, k: u32) -> f32 {
  if (m >= params.M || k >= params.k_end) { return 0.0; }
  if (CONV != 0u) {
    let at = rowPart(m) + kPartAt(cursorOf(k));
    return im2col(at.x, at.y, at.z);
  }
  if (TRANS_A) { return a[k * params.M + m]; }
  return a[m * params.K + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (k >= params.k_end || n >= params.N) { return 0.0; }
  if (CONV != 0u) { return b[n * groupB() + kBAt(cursorOf(k))]; }
  if (TRANS_B) { return b[n * params.K + k]; }
  return b[k * params.N + n];
}

// The values of a tile row that an invocation uses: WG_Y (A) or WG_X (B) apart.
fn tileA4(at: u32) -> vec4<f32> {
  return vec4(tileA[at], tileA[at + WG_Y], tileA[at + 2u * WG_Y], tileA[at + 3u * WG_Y]);
}

fn tileB4(at: u32) -> vec4<f32> {
  return vec4(tileB[at], tileB[at + WG_X], tileB[at + 2u * WG_X], tileB[at + 3u * WG_X]);
}

fn tileA16(at: u32) -> Vec16 {
  var v: Vec16;
  v.v0 = tileA4(at);
  if (reaches(REG_M, 1u)) { v.v1 = tileA4(at + 4u * WG_Y); }
  if (reaches(REG_M, 2u)) {
    v.v2 = tileA4(at + 8u * WG_Y);
    v.v3 = tileA4(at + 12u * WG_Y);
  }
  return v;
}

fn tileB16(at: u32) -> Vec16 {
  var v: Vec16;
  v.v0 = tileB4(at);
  if (reaches(REG_N, 1u)) { v.v1 = tileB4(at + 4u * WG_X); }
  if (reaches(REG_N, 2u)) {
    v.v2 = tileB4(at + 8u * WG_X);
    v.v3 = tileB4(at + 12u * WG_X);
  }
  return v;
}

// Copies the K tile starting at k0 into stage `stage` of the tiles, walking each tile
// along its contiguous dimension in memory so that neighbouring invocations read
// neighbouring words.
fn stageTiles(stage: u32, k0: u32, flat: u32, row0: u32, col0: u32) {
  let threads = WG_X * WG_Y;
  let baseA = stage * TILE_M * TILE_K;
  let baseB = stage * TILE_N * TILE_K;
  for (var i = flat; i < TILE_M * TILE_K; i += threads) {
    var m: u32;
    var k: u32;
    if (TRANS_A) { m = i % TILE_M; k = i / TILE_M; } else { k = i % TILE_K; m = i / TILE_K; }
    tileA[baseA + k * TILE_M + m] = loadA(row0 + m, k0 + k);
  }
  for (var i = flat; i < TILE_N * TILE_K; i += threads) {
    var n: u32;
    var k: u32;
    if (TRANS_B) { k = i % TILE_K; n = i / TILE_K; } else { n = i % TILE_N; k = i / TILE_N; }
    tileB[baseB + k * TILE_N + n] = loadB(k0 + k, col0 + n);
  }
}

// Accumulates one staged K tile into the block.
fn multiplyTiles(blk: ptr<function, Block>, stage: u32, lid: vec3<u32>) {
  for (var k = 0u; k < TILE_K; k++) {
    let ra = (stage * TILE_K + k) * TILE_M + lid.y;
    let rb = (stage * TILE_K + k) * TILE_N + lid.x;
    accumulate(blk, tileA16(ra), tileB16(rb));
  }
}

// STAGES = 1: load a tile, barrier, multiply, barrier. STAGES = 2 (double
// buffering): the next tile is loaded into the other stage while this one is
// multiplied, so one barrier per tile suffices: a stage is rewritten only after the
// barrier that ends the last iteration reading it.
@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let flat = lid.y * WG_X + lid.x;
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N;

  // A slice's length is a multiple of TILE_K (src/ops/gemm-split.ts), so a tile
  // ends inside one slice, and only the last reaches past K (loaded as zeros).
  let ks = kSlice(wid.z);
  var blk: Block;
  if (STAGES == 1u) {
    for (var k0 = ks.x; k0 < ks.y; k0 += TILE_K) {
      stageTiles(0u, k0, flat, row0, col0);
      workgroupBarrier();
      multiplyTiles(&blk, 0u, lid);
      workgroupBarrier();
    }
  } else {
    stageTiles(0u, ks.x, flat, row0, col0);
    workgroupBarrier();
    var stage = 0u;
    for (var k0 = ks.x; k0 < ks.y; k0 += TILE_K) {
      if (k0 + TILE_K < ks.y) { stageTiles(1u - stage, k0 + TILE_K, flat, row0, col0); }
      multiplyTiles(&blk, stage, lid);
      workgroupBarrier();
      stage = 1u - stage;
    }
  }
  storeBlock(blk, row0 + lid.y, col0 + lid.x, wid.z);
}

// ---- direct: operands read from storage ------------------------------------

fn gatherA(at: vec4<u32>) -> vec4<f32> {
  return vec4(a[at.x], a[at.y], a[at.z], a[at.w]);
}

fn gatherB(at: vec4<u32>) -> vec4<f32> {
  return vec4(b[at.x], b[at.y], b[at.z], b[at.w]);
}

// Storage indices of a block's rows or columns, four per vector as in Vec16.
struct Index16 {
  i0: vec4<u32>,
  i1: vec4<u32>,
  i2: vec4<u32>,
  i3: vec4<u32>,
}

// The indices (first + step·i, clamped to last)·scale for i = 0..15.
fn index16(first: u32, step: u32, last: u32, scale: u32) -> Index16 {
  let quad = vec4(0u, 1u, 2u, 3u);
  let at = vec4(first) + step * quad;
  return Index16(
    min(at, vec4(last)) * scale,
    min(at + 4u * step, vec4(last)) * scale,
    min(at + 8u * step, vec4(last)) * scale,
    min(at + 12u * step, vec4(last)) * scale,
  );
}

// op(A)'s block column at storage offset `offset` from each row's index.
fn gatherA16(at: Index16, offset: u32) -> Vec16 {
  var v: Vec16;
  v.v0 = gatherA(at.i0 + offset);
  if (reaches(REG_M, 1u)) { v.v1 = gatherA(at.i1 + offset); }
  if (reaches(REG_M, 2u)) {
    v.v2 = gatherA(at.i2 + offset);
    v.v3 = gatherA(at.i3 + offset);
  }
  return v;
}

fn gatherB16(at: Index16, offset: u32) -> Vec16 {
  var v: Vec16;
  v.v0 = gatherB(at.i0 + offset);
  if (reaches(REG_N, 1u)) { v.v1 = gatherB(at.i1 + offset); }
  if (reaches(REG_N, 2u)) {
    v.v2 = gatherB(at.i2 + offset);
    v.v3 = gatherB(at.i3 + offset);
  }
  return v;
}

// Where an invocation's operands start in storage, for `direct` and `subgroup`:
// op(A)[m, k] = a[m·strideAm + k·strideAk] and op(B)[k, n] = b[k·strideBk + n·strideBn],
// so rowsA + k·strideAk index the block's rows of op(A) at k and colsB + k·strideBk
// its columns of op(B). Rows and columns past the edge are clamped to the last.
struct Operands {
  rowsA: Index16,
  colsB: Index16,
  strideAk: u32,
  strideBk: u32,
}

fn operandsAt(row0: u32, col0: u32) -> Operands {
  let M = params.M;
  let N = params.N;
  let K = params.K;
  return Operands(
    index16(row0, WG_Y, M - 1u, select(K, 1u, TRANS_A)),
    index16(col0, WG_X, N - 1u, select(1u, K, TRANS_B)),
    select(1u, M, TRANS_A),
    select(N, 1u, TRANS_B),
  );
}

@compute @workgroup_size(WG_X, WG_Y)
fn direct(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let row0 = wid.y * TILE_M + lid.y;
  let col0 = wid.x * TILE_N + lid.x;
  let o = operandsAt(row0, col0);

  let ks = kSlice(wid.z);
  var blk: Block;
  for (var k = ks.x; k < ks.y; k++) {
    accumulate(&blk, gatherA16(o.rowsA, k * o.strideAk), gatherB16(o.colsB, k * o.strideBk));
  }
  storeBlock(blk, row0, col0, wid.z);
}
