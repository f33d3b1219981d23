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
// Two entry points compute the same thing:
//   main    the classic shared-memory tiled GEMM (e.g. Volkov & Demmel, SC08), for
//           GPUs: the workgroup walks K in steps of TILE_K, copies the A and B slices
//           of each step into workgroup memory (zero past the edges of the matrix, so
//           any M, N, K >= 1 works), synchronises, and accumulates from there;
//           with STAGES = 2 it loads the next tile while it multiplies this one.
//           (TILE_M + TILE_N)·TILE_K·STAGES·4 bytes must fit in workgroup memory.
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
  // the pixel grid that `pixel` decodes (for CONV_DATA: the whole dx), the image
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
// 0: a plain matmul; 1, 2, 3: the convolution GEMMs CONV_FORWARD, CONV_DATA, CONV_WEIGHT.
override CONV: u32 = 0u;
// CONV_FORWARD's weight stored [C·kh·kw, O] instead of Conv2d's [O, C·kh·kw]: a
// transposed conv's weight [Cin, Cout·kh·kw] read as a 1×1 conv's (see col2im).
override CONV_B_KN: bool = false;
// conv_direct walks CONV_FORWARD's or CONV_DATA's K tap by tap, each tap's channels
// in an inner loop (src/ops/conv.ts says when), instead of one k at a time.
override TAP_LOOP: bool = false;

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

// ---- convolutions as implicit GEMMs ----------------------------------------
//
// A 2-D convolution over NCHW images is a GEMM whose A operand is the im2col
// matrix, read in place (never materialised), and whose C is scattered back to
// NCHW; the register block, epilogue and entry points above are the matmul's. With
// x [B, C, H, W], a Conv2d weight w [O, C, kh, kw] and y [B, O, Ho, Wo]
// (Ho = (H + 2·pad - dilation·(kh - 1) - 1) / stride + 1), three GEMMs give the
// convolution, its two gradients and, by adjointness, the transposed convolution:
//
//   CONV_FORWARD  y  = conv(x, w)          M = B·Ho·Wo  N = O  K = C·kh·kw
//                 rows: output pixels, k: taps (c, i, j); A = x at
//                 (ho·stride - pad + i·dilation, wo·stride - pad + j·dilation).
//   CONV_DATA     dx = conv_data(dy, w)    M = B·Hc·Wc  N = C  K = O·th·tw
//                 rows: the input pixels of one class, k: the class's taps (o, i, j);
//                 A = dy at ((h + pad - i·dilation) / stride, ...). Also
//                 ConvTranspose2d's forward (weight [in, out, kh, kw]).
//   CONV_WEIGHT   dwᵀ = conv_weight(x, dy) M = C·kh·kw  N = O  K = B·Ho·Wo
//                 rows: taps (c, i, j), k: output pixels; stored transposed as dw
//                 [O, C, kh, kw]. Both layers' weight gradient.
//
// Each A element is an image base + a row part + a k part, summed as (offset, h, w)
// triples: `rowPart` decodes a row, `kPartAt` the K loop's position (a pixel or a tap).
// B[k, n] is w (the first two modes) or dy (the third), read at n·groupB() + kBAt(k).
// ConvTranspose2d's input gradient is CONV_FORWARD of its output gradient.
//
// CONV_DATA by pixel classes (the sub-pixel split of a strided transposed conv):
// tap i reaches input row h only where stride divides h + pad - i·dilation, which
// depends on h mod stride alone. src/ops/conv.ts runs one dispatch per class
// (h mod stride, w mod stride); within a class the reaching taps are every
// tap_step-th, from cls_tap0, and their source rows step by src_step, so no tap is
// read as a zero and no index needs a division by the stride (a stride-2 layer
// read 4× the taps and ran ~10× slower when it masked them). With few output
// channels (src/ops/conv.ts says how few) CONV_DATA runs instead as a 1×1
// CONV_FORWARD to C·kh·kw columns, summed by shaders/col2im.wgsl.

const CONV_FORWARD: u32 = 1u;
const CONV_DATA: u32 = 2u;
const CONV_WEIGHT: u32 = 3u;

// (image base offset, h, w) of the top-left tap of output pixel (b, y, x).
fn gridPixel(b: u32, y: u32, x: u32) -> vec3<i32> {
  let s = i32(params.stride);
  let pad = i32(params.pad);
  return vec3(i32(b * params.src_c * params.src_h * params.src_w), i32(y) * s - pad, i32(x) * s - pad);
}

// (n / d, n % d) with one division: the CPU adapters divide lane by lane, and
// SwiftShader does not merge a division and a remainder of the same operands.
fn divmod(n: u32, d: u32) -> vec2<u32> {
  let q = n / d;
  return vec2(q, n - q * d);
}

// A row's part: pixel m = (b, y, x) of the grid (CONV_FORWARD), of the class grid
// (CONV_DATA: h, w are the source position of the class's first tap), or tap
// m = (c, i, j) (CONV_WEIGHT: channel offset, dh, dw).
fn rowPart(m: u32) -> vec3<i32> {
  if (CONV == CONV_WEIGHT) {
    let ct = divmod(m, params.kernel_h * params.kernel_w);
    let ij = vec2<i32>(divmod(ct.y, params.kernel_w)) * i32(params.dilation);
    return vec3(i32(ct.x * params.src_h * params.src_w), ij.x, ij.y);
  }
  if (CONV == CONV_DATA) {
    let bp = divmod(m, params.cls_grid.x * params.cls_grid.y);
    let at = params.cls_src0 + vec2<i32>(divmod(bp.y, params.cls_grid.y));
    return vec3(i32(bp.x * params.src_c * params.src_h * params.src_w), at.x, at.y);
  }
  let bp = divmod(m, params.grid_h * params.grid_w);
  let yx = divmod(bp.y, params.grid_w);
  return gridPixel(bp.x, yx.x, yx.y);
}

// The K loop's position as counters: for CONV_FORWARD and CONV_DATA the channel and
// the tap (c, i, j) or the class's tap (o, th, tw), with k = tap·channels + channel,
// so that conv_direct's tap loop can walk a tap's channels with its padding test and
// index decode done once per tap; for CONV_WEIGHT the output pixel (b, ho, wo).
// conv_direct's counter loop advances either without a division.
fn kExtent() -> vec2<u32> {
  if (CONV == CONV_DATA) { return params.cls_taps; }
  if (CONV == CONV_WEIGHT) { return vec2(params.grid_h, params.grid_w); }
  return vec2(params.kernel_h, params.kernel_w);
}

fn cursorOf(k: u32) -> vec3<u32> {
  let e = kExtent();
  if (CONV == CONV_WEIGHT) {
    let ot = divmod(k, e.x * e.y);
    return vec3(ot.x, divmod(ot.y, e.y));
  }
  let tc = divmod(k, params.src_c);
  return vec3(tc.y, divmod(tc.x, e.y));
}

// The next position; `select`, not branches (see im2col).
fn advance(cur: vec3<u32>) -> vec3<u32> {
  let e = kExtent();
  if (CONV == CONV_WEIGHT) {
    var n = cur + vec3(0u, 0u, 1u);
    n = select(n, vec3(n.x, n.y + 1u, 0u), n.z == e.y);
    return select(n, vec3(n.x + 1u, 0u, 0u), n.y == e.x);
  }
  var n = cur + vec3(1u, 0u, 0u);
  n = select(n, vec3(0u, n.y, n.z + 1u), n.x == params.src_c);
  return select(n, vec3(0u, n.y + 1u, 0u), n.z == e.y);
}

// A tap's (dh, dw), for CONV_FORWARD and CONV_DATA.
fn tapPart(t: vec2<u32>) -> vec2<i32> {
  if (CONV == CONV_DATA) { return -vec2<i32>(t) * i32(params.src_step); }
  return vec2<i32>(t) * i32(params.dilation);
}

// A tap's part of B's index, and the step from one channel to the next, for
// CONV_FORWARD (w[n, c, i, j], or [c, i, j, n] with CONV_B_KN) and CONV_DATA
// (w[o, n, i, j] at the class's tap (i, j) = cls_tap0 + tap_step·(th, tw)).
fn tapB(t: vec2<u32>) -> u32 {
  if (CONV == CONV_DATA) {
    let ij = params.cls_tap0 + params.tap_step * t;
    return ij.x * params.kernel_w + ij.y;
  }
  return select(1u, params.N, CONV_B_KN) * (t.x * params.kernel_w + t.y);
}

fn channelStepB() -> u32 {
  let taps = params.kernel_h * params.kernel_w;
  if (CONV == CONV_DATA) { return params.N * taps; }
  return select(1u, params.N, CONV_B_KN) * taps;
}

// A position's part of A's coordinates (offset, dh, dw).
fn kPartAt(cur: vec3<u32>) -> vec3<i32> {
  if (CONV == CONV_WEIGHT) { return gridPixel(cur.x, cur.y, cur.z); }
  return vec3(i32(cur.x * params.src_h * params.src_w), tapPart(cur.yz));
}

// B's column stride: w [·, N, kh, kw] for the first two modes, dy [B, N, Ho, Wo] for CONV_WEIGHT.
fn groupB() -> u32 {
  if (CONV == CONV_WEIGHT) { return params.grid_h * params.grid_w; }
  if (CONV == CONV_DATA) { return params.kernel_h * params.kernel_w; }
  return select(params.K, 1u, CONV_B_KN);
}

// A position's part of B's index (its column's part is n·groupB()).
fn kBAt(cur: vec3<u32>) -> u32 {
  if (CONV == CONV_WEIGHT) { return ((cur.x * params.N) * params.grid_h + cur.y) * params.grid_w + cur.z; }
  return cur.x * channelStepB() + tapB(cur.yz);
}

// The image at (base, h, w), zero in the padding; an index is only formed for a
// pixel inside the image. The conditions combine with `&`, not `&&`:
// short-circuiting would be control flow, which the CPU adapters run as masked
// SIMD branches (SwiftShader took minutes to compile the kernel that way). A
// negative h or w wraps to a huge u32, so one unsigned comparison per axis checks
// both sides.
fn inImage(h: vec4<i32>, w: vec4<i32>) -> vec4<bool> {
  return (vec4<u32>(h) < vec4(params.src_h)) & (vec4<u32>(w) < vec4(params.src_w));
}

fn im2col(base: i32, h: i32, w: i32) -> f32 {
  let inside = (u32(h) < params.src_h) & (u32(w) < params.src_w);
  let v = a[u32(select(0, base + h * i32(params.src_w) + w, inside))];
  return select(0.0, v, inside);
}

// Four rows' values at one k: `at` is each element's index (the row's and the k
// position's parts summed, so no multiply per element), h and w its place for the
// padding test.
fn im2col4(at: vec4<i32>, h: vec4<i32>, w: vec4<i32>) -> vec4<f32> {
  let inside = inImage(h, w);
  let i = vec4<u32>(select(vec4(0), at, inside));
  return select(vec4(0.0), vec4(a[i.x], a[i.y], a[i.z], a[i.w]), inside);
}

// Where C[row, col] is stored, rowOut(row) + colOut(col): row-major for the
// matmul, transposed for CONV_WEIGHT, NCHW (row = (b, pixel), col = channel) for
// CONV_FORWARD, and for CONV_DATA at the class pixel's place in the whole dx.
fn rowOut(row: u32) -> u32 {
  if (CONV == 0u) { return row * params.N; }
  if (CONV == CONV_WEIGHT) { return row; }
  let area = params.grid_h * params.grid_w;
  if (CONV == CONV_DATA) {
    let bp = divmod(row, params.cls_grid.x * params.cls_grid.y);
    let at = params.cls_first + params.stride * divmod(bp.y, params.cls_grid.y);
    return bp.x * params.N * area + at.x * params.grid_w + at.y;
  }
  let bp = divmod(row, area);
  return bp.x * params.N * area + bp.y;
}

fn colOut(col: u32) -> u32 {
  if (CONV == 0u) { return col; }
  if (CONV == CONV_WEIGHT) { return col * params.M; }
  return col * params.grid_h * params.grid_w;
}

// The row parts of four rows: each one's index part (base + h·src_w + w) and its
// (h, w) for the padding test.
struct Rows4 {
  at: vec4<i32>,
  h: vec4<i32>,
  w: vec4<i32>,
}

fn rows4(first: u32, step: u32) -> Rows4 {
  let last = params.M - 1u;
  let r0 = rowPart(min(first, last));
  let r1 = rowPart(min(first + step, last));
  let r2 = rowPart(min(first + 2u * step, last));
  let r3 = rowPart(min(first + 3u * step, last));
  let h = vec4(r0.y, r1.y, r2.y, r3.y);
  let w = vec4(r0.z, r1.z, r2.z, r3.z);
  return Rows4(vec4(r0.x, r1.x, r2.x, r3.x) + h * i32(params.src_w) + w, h, w);
}

// The block's rows, four per Rows4 as in Vec16 (those past REG_M are not decoded).
struct Rows16 {
  r0: Rows4,
  r1: Rows4,
  r2: Rows4,
  r3: Rows4,
}

fn rows16(first: u32) -> Rows16 {
  var r: Rows16;
  r.r0 = rows4(first, WG_Y);
  if (reaches(REG_M, 1u)) { r.r1 = rows4(first + 4u * WG_Y, WG_Y); }
  if (reaches(REG_M, 2u)) {
    r.r2 = rows4(first + 8u * WG_Y, WG_Y);
    r.r3 = rows4(first + 12u * WG_Y, WG_Y);
  }
  return r;
}

// kp is the k position's part (offset, dh, dw), kAt its index part.
fn convA4(r: Rows4, kp: vec3<i32>, kAt: i32) -> vec4<f32> {
  return im2col4(r.at + kAt, r.h + kp.y, r.w + kp.z);
}

fn convA16(r: Rows16, kp: vec3<i32>, kAt: i32) -> Vec16 {
  var v: Vec16;
  v.v0 = convA4(r.r0, kp, kAt);
  if (reaches(REG_M, 1u)) { v.v1 = convA4(r.r1, kp, kAt); }
  if (reaches(REG_M, 2u)) {
    v.v2 = convA4(r.r2, kp, kAt);
    v.v3 = convA4(r.r3, kp, kAt);
  }
  return v;
}

// Four rows at one tap: where channel 0's values are (a valid index for a row in
// the padding, whose value is masked to zero) and which rows are inside the image.
struct Tap4 {
  at: vec4<u32>,
  inside: vec4<bool>,
}

fn tap4(r: Rows4, dhw: vec2<i32>) -> Tap4 {
  let inside = inImage(r.h + dhw.x, r.w + dhw.y);
  let at = r.at + dhw.x * i32(params.src_w) + dhw.y;
  return Tap4(vec4<u32>(select(vec4(0), at, inside)), inside);
}

fn tapA4(t: Tap4, channelAt: u32) -> vec4<f32> {
  return select(vec4(0.0), gatherA(t.at + channelAt), t.inside);
}

struct Tap16 {
  t0: Tap4,
  t1: Tap4,
  t2: Tap4,
  t3: Tap4,
}

fn tap16(r: Rows16, dhw: vec2<i32>) -> Tap16 {
  var t: Tap16;
  t.t0 = tap4(r.r0, dhw);
  if (reaches(REG_M, 1u)) { t.t1 = tap4(r.r1, dhw); }
  if (reaches(REG_M, 2u)) {
    t.t2 = tap4(r.r2, dhw);
    t.t3 = tap4(r.r3, dhw);
  }
  return t;
}

fn tapA16(t: Tap16, channelAt: u32) -> Vec16 {
  var v: Vec16;
  v.v0 = tapA4(t.t0, channelAt);
  if (reaches(REG_M, 1u)) { v.v1 = tapA4(t.t1, channelAt); }
  if (reaches(REG_M, 2u)) {
    v.v2 = tapA4(t.t2, channelAt);
    v.v3 = tapA4(t.t3, channelAt);
  }
  return v;
}

// CONV_FORWARD's and CONV_DATA's K loop with TAP_LOOP: the taps, and within one tap
// its channels, which share the padding test and the index decode: the inner loop
// reads A and B at a fixed stride like the matmul's (the padding costs a select).
fn tapLoop(blk: ptr<function, Block>, ks: vec2<u32>, rows: Rows16, cols: Index16) {
  let channels = params.src_c;
  let stepA = params.src_h * params.src_w;
  let stepB = channelStepB();
  let taps = kExtent();
  var k = ks.x;
  while (k < ks.y) {
    let tc = divmod(k, channels);
    let tap = divmod(tc.x, taps.y);
    let end = min(ks.y, k - tc.y + channels);
    let dhw = tapPart(tap);
    let t = tap16(rows, dhw);
    var at = tc.y * stepA;
    var kb = tc.y * stepB + tapB(tap);
    for (; k < end; k++) {
      accumulate(blk, tapA16(t, at), gatherB16(cols, kb));
      at += stepA;
      kb += stepB;
    }
  }
}

// The K loop by counters: every k decodes its own padding test and index.
fn counterLoop(blk: ptr<function, Block>, ks: vec2<u32>, rows: Rows16, cols: Index16) {
  var cur = cursorOf(ks.x);
  for (var k = ks.x; k < ks.y; k++) {
    let kp = kPartAt(cur);
    let kAt = kp.x + kp.y * i32(params.src_w) + kp.z;
    let kb = kBAt(cur);
    cur = advance(cur);
    accumulate(blk, convA16(rows, kp, kAt), gatherB16(cols, kb));
  }
}

// conv_direct: the `direct` entry's loop for a convolution GEMM (CONV 1..3): no
// workgroup memory, each row's decode hoisted out of the K loop, and k walked by
// counters, with no integer division per k (CPU adapters divide lane by lane;
// per-k decoding by division took most of a step).
@compute @workgroup_size(WG_X, WG_Y)
fn conv_direct(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let row0 = wid.y * TILE_M + lid.y;
  let col0 = wid.x * TILE_N + lid.x;
  let rows = rows16(row0);
  let cols = index16(col0, WG_X, params.N - 1u, groupB());

  let ks = kSlice(wid.z);
  var blk: Block;
  if (TAP_LOOP) {
    tapLoop(&blk, ks, rows, cols);
  } else {
    counterLoop(&blk, ks, rows, cols);
  }
  storeBlock(blk, row0, col0, wid.z);
}
