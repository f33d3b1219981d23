// Row gather: out[r, :] = src[index[offset + r], :] for r < rows.
// Used to build each training batch on the GPU from a dataset uploaded once and a
// shuffled index list uploaded once per epoch; `offset` (a uniform, updated per
// step on replay) selects the batch's slice of the index list.
//
// Binding convention: @group(0); binding 0 the `params` uniform, then read-only
// inputs (src, index), then the read-write output (out).
// An index at or past `src_rows` yields a row of zeros instead of reading out of
// bounds (the host validates indices; this only keeps a bad one harmless).
struct Params {
  rows: u32,      // rows gathered (batch size)
  cols: u32,      // values per row (784 for MNIST)
  offset: u32,    // first entry of `index` used
  src_rows: u32,  // rows in src
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override WG: u32 = 64u;

// Grid: x covers columns in steps of WG, y covers rows (one row per workgroup row).
@compute @workgroup_size(WG)
fn gather_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.y;
  let c = gid.x;
  if (r >= params.rows || c >= params.cols) { return; }
  let s = index[params.offset + r];
  var v = 0.0;
  if (s < params.src_rows) { v = src[s * params.cols + c]; }
  out[r * params.cols + c] = v;
}
