// matmul, tiled vec4 variant: the `main` entry of shaders/matmul.wgsl (K tiles
// staged in workgroup memory, single or double buffered, the same register block
// and epilogue, imported from there) moving every value four at a time, for GPUs.
// It takes the alignments of `direct4` (src/ops/matmul.ts, vec4Entry): K % 4 == 0,
// M % 4 == 0 with TRANS_A, N % 4 == 0 without TRANS_B; and TILE_K % 4 == 0.
//
// - Storage to tile: each side of a K tile is read as vec4s along the dimension it
//   is contiguous in. Along m or n (A [K, M], B [K, N]) a vec4 is four adjacent
//   entries of one k's tile row, stored as it is. Along k (A [M, K], B [N, K]) an
//   invocation reads four rows' vec4s at the same four k and transposes them in
//   registers into those k's vec4s of the four rows (as `direct4` does).
// - Tile to registers: an invocation's rows and columns come in runs of 4 (GROUP_M
//   and GROUP_N in shaders/matmul.wgsl), so each quadrant of its block column of
//   op(A) (or row of op(B)) at one k is one vec4 of the tile: (REG_M + REG_N) / 4
//   workgroup loads per k, against REG_M + REG_N in `main`.
// Neighbouring invocations read neighbouring vec4s of storage (along k, four
// invocations share one row's 64 bytes) and of the tiles. On the CPU adapters
// it runs slower than `direct4`, as `main` does than `direct` (no GPU has timed it
// yet); the tuner compares it with `main` on a GPU.
//
// A separate file because the operands are bound as vec4s (of floats or of halves:
// shaders/matmul_operands4.wgsl).

import package::matmul::{params, kSlice, Block, Vec16, accumulate, reaches, storeBlock, TRANS_A, TRANS_B, REG_M, REG_N, WG_X, WG_Y, TILE_M, TILE_N, TILE_K, STAGES};

import package::matmul_operands4::{loadA, loadB};

// Both sides' tiles as vec4s of four adjacent rows (columns) at one k, one stage
// after the other: stage s's op(A) part at s·TILE_STAGE holds A_k[m4] at
// k·TILE_M4 + m4 (rows 4·m4 .. 4·m4 + 3 of the tile at its k-th k); its op(B) part
// follows at TILE_M4·TILE_K, likewise with TILE_N4 vec4s per k. One array so that
// one function stages either side.
override TILE_K4: u32 = TILE_K / 4u;
override TILE_M4: u32 = TILE_M / 4u;
override TILE_N4: u32 = TILE_N / 4u;
override TILE_STAGE: u32 = (TILE_M4 + TILE_N4) * TILE_K;
var<workgroup> tiles: array<vec4<f32>, TILE_STAGE * STAGES>;

// One side of the product as the K tiles see it.
struct Side {
  isB: bool,
  // The tile's first row (column) of C, and M (N).
  first: u32,
  size: u32,
  // Stored with k contiguous: A [M, K], or B [N, K] (TRANS_B).
  alongK: bool,
  // vec4s per k in the tile (TILE_M4 or TILE_N4), and where the side's part of stage 0 starts.
  width4: u32,
  base: u32,
}

fn read4(isB: bool, at: u32) -> vec4<f32> {
  if (isB) { return loadB(at); }
  return loadA(at);
}

// Row `row` of the side (K4 vec4s long) at k = 4·k4 .. 4·k4 + 3, zero past its edge
// (K % 4 == 0, so a vec4 lies wholly inside K or wholly past it).
fn rowAt(s: Side, row: u32, k4: u32, K4: u32) -> vec4<f32> {
  if (row >= s.size || 4u * k4 >= params.k_end) { return vec4(0.0); }
  return read4(s.isB, row * K4 + k4);
}

// Copies the side's part of the K tile from k0 into stage `stage`.
fn stageSide(s: Side, stage: u32, k0: u32, flat: u32) {
  let threads = WG_X * WG_Y;
  let base = s.base + stage * TILE_STAGE;
  if (s.alongK) {
    let K4 = params.K / 4u;
    // Unit i: rows 4·r4 .. 4·r4 + 3 at tile k 4·q .. 4·q + 3 (q fastest, so that
    // neighbouring invocations read along a row).
    for (var i = flat; i < s.width4 * TILE_K4; i += threads) {
      let q = i % TILE_K4;
      let r4 = i / TILE_K4;
      let row = s.first + 4u * r4;
      let k4 = k0 / 4u + q;
      let ks = transpose(mat4x4(rowAt(s, row, k4, K4), rowAt(s, row + 1u, k4, K4), rowAt(s, row + 2u, k4, K4), rowAt(s, row + 3u, k4, K4)));
      let at = base + 4u * q * s.width4 + r4;
      tiles[at] = ks[0];
      tiles[at + s.width4] = ks[1];
      tiles[at + 2u * s.width4] = ks[2];
      tiles[at + 3u * s.width4] = ks[3];
    }
  } else {
    // Unit i: tile k i / width4, its vec4 i % width4; stored [K, size], size % 4 == 0.
    let size4 = s.size / 4u;
    for (var i = flat; i < s.width4 * TILE_K; i += threads) {
      let r4 = s.first / 4u + i % s.width4;
      let k = k0 + i / s.width4;
      var v = vec4(0.0);
      if (r4 < size4 && k < params.k_end) { v = read4(s.isB, k * size4 + r4); }
      tiles[base + i] = v;
    }
  }
}

fn stageTiles4(stage: u32, k0: u32, flat: u32, row0: u32, col0: u32) {
  stageSide(Side(false, row0, params.M, !TRANS_A, TILE_M4, 0u), stage, k0, flat);
  stageSide(Side(true, col0, params.N, TRANS_B, TILE_N4, TILE_M4 * TILE_K), stage, k0, flat);
}

// A block side's four quadrants at one k: vec4s `step` apart from `at`.
fn tile16(at: u32, step: u32, reg: u32) -> Vec16 {
  var v: Vec16;
  v.v0 = tiles[at];
  if (reaches(reg, 1u)) { v.v1 = tiles[at + step]; }
  if (reaches(reg, 2u)) {
    v.v2 = tiles[at + 2u * step];
    v.v3 = tiles[at + 3u * step];
  }
  return v;
}

fn multiplyTiles4(blk: ptr<function, Block>, stage: u32, lid: vec3<u32>) {
  let base = stage * TILE_STAGE;
  for (var k = 0u; k < TILE_K; k++) {
    let ra = base + k * TILE_M4 + lid.y;
    let rb = base + TILE_M4 * TILE_K + k * TILE_N4 + lid.x;
    accumulate(blk, tile16(ra, WG_Y, REG_M), tile16(rb, WG_X, REG_N));
  }
}

// The loop of `main` (shaders/matmul.wgsl says how the stages take turns), with
// this file's staging and tile reads; rows and columns start at 4·lid in the tile.
@compute @workgroup_size(WG_X, WG_Y)
fn main4(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let flat = lid.y * WG_X + lid.x;
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N;

  let ks = kSlice(wid.z);
  var blk: Block;
  if (STAGES == 1u) {
    for (var k0 = ks.x; k0 < ks.y; k0 += TILE_K) {
      stageTiles4(0u, k0, flat, row0, col0);
      workgroupBarrier();
      multiplyTiles4(&blk, 0u, lid);
      workgroupBarrier();
    }
  } else {
    stageTiles4(0u, ks.x, flat, row0, col0);
    workgroupBarrier();
    var stage = 0u;
    for (var k0 = ks.x; k0 < ks.y; k0 += TILE_K) {
      if (k0 + TILE_K < ks.y) { stageTiles4(1u - stage, k0 + TILE_K, flat, row0, col0); }
      multiplyTiles4(&blk, stage, lid);
      workgroupBarrier();
      stage = 1u - stage;
    }
  }
  storeBlock(blk, row0 + 4u * lid.y, col0 + 4u * lid.x, wid.z);
}
