// matmul, vec4-A variant: shaders/matmul_vec4.wgsl's op(A) side along k (A stored
// [M, K], K % 4 == 0) with op(B) read a value at a time as in `direct`, either way
// round: for the products whose B cannot be read as vec4s (B [K, N] with
// N % 4 != 0). A separate file because op(B) is bound as array<f32> here.

import package::matmul::{params, kSlice, Block, accumulate, storeBlock, index16, gatherB16, operandsAt, WG_X, WG_Y, TILE_M, TILE_N};
import package::matmul_vec4::quadA;

@compute @workgroup_size(WG_X, WG_Y)
fn direct4a(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let row0 = wid.y * TILE_M + lid.y;
  let col0 = wid.x * TILE_N + lid.x;
  let rows = index16(row0, WG_Y, params.M - 1u, params.K / 4u);
  let o = operandsAt(row0, col0);

  let ks = kSlice(wid.z) / 4u;
  var blk: Block;
  for (var k4 = ks.x; k4 < ks.y; k4++) {
    let qa = quadA(rows, k4);
    let k = 4u * k4 * o.strideBk;
    accumulate(&blk, qa.k0, gatherB16(o.colsB, k));
    accumulate(&blk, qa.k1, gatherB16(o.colsB, k + o.strideBk));
    accumulate(&blk, qa.k2, gatherB16(o.colsB, k + 2u * o.strideBk));
    accumulate(&blk, qa.k3, gatherB16(o.colsB, k + 3u * o.strideBk));
  }
  storeBlock(blk, row0, col0, wid.z);
}
