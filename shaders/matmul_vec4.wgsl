// matmul, vec4 variant: the `direct` entry of shaders/matmul.wgsl (same register
// block, epilogue and overrides, imported from there) for op(A)·op(B) where both
// operands are contiguous along k: A stored [M, K] and B stored [N, K] (TRANS_B, a
// Linear layer's forward x·Wᵀ), with K % 4 == 0 (src/ops/matmul.ts checks). Each
// invocation reads four k at once, one vec4 per row of its block and one per
// column, and transposes each 4 × 4 group in registers into the block's column of
// op(A) (or row of op(B)) at k, k+1, k+2 and k+3. A quarter of the loads, and of
// the bounds clamps a robust implementation adds to each.
//
// A separate file because the operands are bound as array<vec4<f32>>: the same
// buffers, viewed four floats at a time.

import package::matmul::{params, kSlice, Block, Vec16, accumulate, reaches, storeBlock, index16, Index16, REG_M, REG_N, WG_X, WG_Y, TILE_M, TILE_N};

@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;

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
  return across(a[at.x], a[at.y], a[at.z], a[at.w]);
}

fn gatherB4(at: vec4<u32>) -> mat4x4<f32> {
  return across(b[at.x], b[at.y], b[at.z], b[at.w]);
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

@compute @workgroup_size(WG_X, WG_Y)
fn direct4(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let row0 = wid.y * TILE_M + lid.y;
  let col0 = wid.x * TILE_N + lid.x;
  let K4 = params.K / 4u;
  // Rows and columns past the edge read the last one, as in `direct`.
  let rows = index16(row0, WG_Y, params.M - 1u, K4);
  let cols = index16(col0, WG_X, params.N - 1u, K4);

  // Every K range and slice boundary is a multiple of 4 when K is (src/ops/gemm-split.ts).
  let ks = kSlice(wid.z) / 4u;
  var blk: Block;
  for (var k4 = ks.x; k4 < ks.y; k4++) {
    let qa = quadA(rows, k4);
    let qb = quadB(cols, k4);
    accumulate(&blk, qa.k0, qb.k0);
    accumulate(&blk, qa.k1, qb.k1);
    accumulate(&blk, qa.k2, qb.k2);
    accumulate(&blk, qa.k3, qb.k3);
  }
  storeBlock(blk, row0, col0, wid.z);
}
