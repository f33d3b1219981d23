// matmul, vec4 variant: the `direct` entry of shaders/matmul.wgsl (same register
// block, epilogue and overrides, imported from there) reading each operand a vec4
// at a time along the dimension it is contiguous in memory, for any transposition
// (src/ops/matmul.ts, vec4Entry, says which shapes qualify). K % 4 == 0 always, so
// the loop takes four k per step.
// - Along k (A [M, K]; B [N, K] with TRANS_B, as in a Linear layer's forward x·Wᵀ):
//   one vec4 per row of the block holds four k; each 4 × 4 group of rows is
//   transposed in registers into the block's columns of op(A) at k .. k+3.
// - Along m (A [K, M] with TRANS_A) or n (B [K, N]): the invocation's rows (columns)
//   come in runs of 4 adjacent ones (GROUP_M, GROUP_N in shaders/matmul.wgsl), and
//   one vec4 is a run's four values at one k, already a quarter of a block column.
// A quarter of the loads either way, and of the bounds clamps a robust
// implementation adds to each (SwiftShader ran 1.2-1.4x faster for it).
//
// A separate file because the operands are bound as vec4s: the same buffers, viewed
// four floats at a time, or four halves where an operand is f16
// (shaders/matmul_operands4.wgsl).

import package::matmul::{params, kSlice, Block, Vec16, accumulate, reaches, storeBlock, index16, Index16, TRANS_A, TRANS_B, REG_M, REG_N, WG_X, WG_Y, TILE_M, TILE_N};
import package::matmul_operands4::{loadA, loadB};

// Four k of a block side: k_t[i] is the value at k + t of row (or column) i of the
// side, for the 16 rows (columns) in Vec16 order.
struct Quad16 {
  k0: Vec16,
  k1: Vec16,
  k2: Vec16,
  k3: Vec16,
}

// Four rows' vec4s along k, transposed: column t is the 4-vector of the rows at k + t.
fn across(x: vec4<f32>, y: vec4<f32>, z: vec4<f32>, w: vec4<f32>) -> mat4x4<f32> {
  return transpose(mat4x4(x, y, z, w));
}

fn gatherA4(at: vec4<u32>) -> mat4x4<f32> {
  return across(loadA(at.x), loadA(at.y), loadA(at.z), loadA(at.w));
}

fn gatherB4(at: vec4<u32>) -> mat4x4<f32> {
  return across(loadB(at.x), loadB(at.y), loadB(at.z), loadB(at.w));
}

// Quadrants m0..m3 (rows 4q..4q+3, transposed groups) as each k's Vec16.
fn quad(m0: mat4x4<f32>, m1: mat4x4<f32>, m2: mat4x4<f32>, m3: mat4x4<f32>) -> Quad16 {
  return Quad16(
    Vec16(m0[0], m1[0], m2[0], m3[0]),
    Vec16(m0[1], m1[1], m2[1], m3[1]),
    Vec16(m0[2], m1[2], m2[2], m3[2]),
    Vec16(m0[3], m1[3], m2[3], m3[3]),
  );
}

// The block's rows of op(A) at k4·4 .. k4·4 + 3 (`at`: each row's first vec4);
// quadrants past REG_M stay zero and are never used.
fn quadA(at: Index16, k4: u32) -> Quad16 {
  var m1: mat4x4<f32>;
  var m2: mat4x4<f32>;
  var m3: mat4x4<f32>;
  if (reaches(REG_M, 1u)) { m1 = gatherA4(at.i1 + k4); }
  if (reaches(REG_M, 2u)) {
    m2 = gatherA4(at.i2 + k4);
    m3 = gatherA4(at.i3 + k4);
  }
  return quad(gatherA4(at.i0 + k4), m1, m2, m3);
}

fn quadB(at: Index16, k4: u32) -> Quad16 {
  var m1: mat4x4<f32>;
  var m2: mat4x4<f32>;
  var m3: mat4x4<f32>;
  if (reaches(REG_N, 1u)) { m1 = gatherB4(at.i1 + k4); }
  if (reaches(REG_N, 2u)) {
    m2 = gatherB4(at.i2 + k4);
    m3 = gatherB4(at.i3 + k4);
  }
  return quad(gatherB4(at.i0 + k4), m1, m2, m3);
}

// ---- a side read along m or n: runs of 4 adjacent rows (columns) -----------

// The vec4 indices of a block side's four runs of 4 (GROUP_M, GROUP_N): first run
// `first`, then `step` apart, clamped to the last whole vec4 of the side.
fn runs4(first: u32, step: u32, last: u32) -> vec4<u32> {
  return min(vec4(first) + step * vec4(0u, 1u, 2u, 3u), vec4(last));
}

// op(A)'s block column at one k from A stored [K, M], `at` the vec4 index of row k.
fn runA(runs: vec4<u32>, at: u32) -> Vec16 {
  var v: Vec16;
  v.v0 = loadA(at + runs.x);
  if (reaches(REG_M, 1u)) { v.v1 = loadA(at + runs.y); }
  if (reaches(REG_M, 2u)) {
    v.v2 = loadA(at + runs.z);
    v.v3 = loadA(at + runs.w);
  }
  return v;
}

fn runB(runs: vec4<u32>, at: u32) -> Vec16 {
  var v: Vec16;
  v.v0 = loadB(at + runs.x);
  if (reaches(REG_N, 1u)) { v.v1 = loadB(at + runs.y); }
  if (reaches(REG_N, 2u)) {
    v.v2 = loadB(at + runs.z);
    v.v3 = loadB(at + runs.w);
  }
  return v;
}

// Four k of a side stored k-major ([K, M] or [K, N]), `width` vec4s per k.
fn runsA(runs: vec4<u32>, k4: u32, width: u32) -> Quad16 {
  let at = 4u * k4 * width;
  return Quad16(runA(runs, at), runA(runs, at + width), runA(runs, at + 2u * width), runA(runs, at + 3u * width));
}

fn runsB(runs: vec4<u32>, k4: u32, width: u32) -> Quad16 {
  let at = 4u * k4 * width;
  return Quad16(runB(runs, at), runB(runs, at + width), runB(runs, at + 2u * width), runB(runs, at + 3u * width));
}

// One entry for the four layouts, each operand read a vec4 at a time along the
// dimension it is contiguous in: op(A) along k (A [M, K]) or, with TRANS_A, along m
// (A [K, M], rows in runs of 4: GROUP_M); op(B) along k with TRANS_B (B [N, K]) or
// along n (B [K, N], GROUP_N). K is a multiple of 4, and so are M where A is read
// along m and N where B is read along n (src/ops/matmul.ts, vec4Entry, checks).
@compute @workgroup_size(WG_X, WG_Y)
fn direct4(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let row0 = wid.y * TILE_M + select(lid.y, 4u * lid.y, TRANS_A);
  let col0 = wid.x * TILE_N + select(lid.x, 4u * lid.x, !TRANS_B);
  let K4 = params.K / 4u;
  let M4 = params.M / 4u;
  let N4 = params.N / 4u;
  // Rows and columns past the edge read the last one (or the last run), as in `direct`.
  let rowsK = index16(row0, WG_Y, params.M - 1u, K4);
  let colsK = index16(col0, WG_X, params.N - 1u, K4);
  let rowsM = runs4(row0 / 4u, WG_Y, M4 - 1u);
  let colsN = runs4(col0 / 4u, WG_X, N4 - 1u);

  // Every K range and slice boundary is a multiple of 4 when K is (src/ops/gemm-split.ts).
  let ks = kSlice(wid.z) / 4u;
  var blk: Block;
  for (var k4 = ks.x; k4 < ks.y; k4++) {
    var qa: Quad16;
    var qb: Quad16;
    if (TRANS_A) { qa = runsA(rowsM, k4, M4); } else { qa = quadA(rowsK, k4); }
    if (TRANS_B) { qb = quadB(colsK, k4); } else { qb = runsB(colsN, k4, N4); }
    accumulate(&blk, qa.k0, qb.k0);
    accumulate(&blk, qa.k1, qb.k1);
    accumulate(&blk, qa.k2, qb.k2);
    accumulate(&blk, qa.k3, qb.k3);
  }
  storeBlock(blk, row0, col0, wid.z);
}
