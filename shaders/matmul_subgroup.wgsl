// matmul, subgroup variant: the `direct` entry of shaders/matmul.wgsl (same
// operands, register block, epilogue, bindings and overrides, imported from there),
// with op(A) shared through subgroup shuffles instead of loaded by every invocation.
//
// In `direct`, the invocations of one row of the workgroup (same local y) own the
// same rows of C, so each loads the same REG_M values of op(A) per k. Here lane l of
// a subgroup loads them for k0 + l only, and for each k of the chunk k0 ..
// k0 + width - 1 every lane takes them from lane k - k0 with subgroupShuffle: a
// width-th of the A loads. B is loaded as in `direct` (its columns differ per lane).
//
// This needs a subgroup to lie within one row of the workgroup: WG_X a multiple of
// the adapter's largest subgroup size, and subgroups made of consecutive
// invocations, as every implementation we know forms them (src/ops/matmul.ts checks
// the first; test/gpu/matmul-variants.test.ts would catch a device breaking the
// second). Only plain matmuls (CONV = 0) run it. A separate file because `enable
// subgroups` must not reach a device without the feature.

import package::matmul::{params, kSlice, Block, Vec16, accumulate, reaches, storeBlock, gatherA16, gatherB16, operandsAt, REG_M, WG_X, WG_Y, TILE_M, TILE_N};

enable subgroups;

@compute @workgroup_size(WG_X, WG_Y)
fn subgroup(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) width: u32,
) {
  let ks = kSlice(wid.z);
  let K = ks.y;
  let row0 = wid.y * TILE_M + lid.y;
  let col0 = wid.x * TILE_N + lid.x;
  let o = operandsAt(row0, col0);

  var blk: Block;
  for (var k0 = ks.x; k0 < K; k0 += width) {
    // This lane's share: op(A) at k0 + lane (a clamped index past K, never used).
    let mine = gatherA16(o.rowsA, min(k0 + lane, K - 1u) * o.strideAk);
    // The chunk's length is the same in every lane, so the shuffles stay in uniform
    // control flow.
    let count = min(width, K - k0);
    for (var j = 0u; j < count; j++) {
      var column: Vec16;
      column.v0 = subgroupShuffle(mine.v0, j);
      if (reaches(REG_M, 1u)) { column.v1 = subgroupShuffle(mine.v1, j); }
      if (reaches(REG_M, 2u)) {
        column.v2 = subgroupShuffle(mine.v2, j);
        column.v3 = subgroupShuffle(mine.v3, j);
      }
      accumulate(&blk, column, gatherB16(o.colsB, (k0 + j) * o.strideBk));
    }
  }
  storeBlock(blk, row0, col0, wid.z);
}
