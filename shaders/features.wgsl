// Feature-axis kernels on row-major [rows, features] matrices: joining and cutting
// column blocks (a VAE family concatenates conditions onto inputs and splits a
// head's output into pieces), and the elementwise sums and products their
// gradients need.
//
// Binding convention (shared by every shader in shaders/): @group(0) only;
// @binding(0) is `var<uniform> params: Params`; then `var<storage, read>` inputs;
// then `var<storage, read_write>` outputs. Slots are unique in this file, so each
// entry point binds the subset it uses, in that order:
//   concat_cols  params, a, b → out   out[r, :start] = a[r], out[r, start:] = b[r]
//   slice_cols   params, x → out      out[r, c] = x[r, start + c]     (ACCUMULATE: +=)
//   place_cols   params, src → dst    dst[r, start + c] = src[r, c]   (ACCUMULATE: +=)
//   add          params, a, b → out   out = a + b
//   mul          params, a, m → out   out = a * m                     (ACCUMULATE: +=)
//   scaled_add   params, x, s → y     y = s[0] * x                    (ACCUMULATE: +=)
// place_cols writes only the window's columns; the rest of dst keeps its values.
// scaled_add reads its scale from a buffer, not the uniform, so a scalar computed
// on the GPU (an upstream gradient) scales a tensor without a readback.
//
// One invocation per element of the narrow side (concat: of out), which keeps
// every write unique, so no invocation races another. The grid is 2-D for large n
// (workgroupGrid in src/ops/elementwise.ts); invocations past n do nothing.

import package::lib::grid::flat_index;

struct Params {
  // Elements to process: out's for concat, slice and the elementwise ops, src's for place.
  n: u32,
  // Columns of the narrow side: slice's out, place's src.
  width: u32,
  // Columns of the wide side: concat's out, slice's x, place's dst.
  stride: u32,
  // First column of the window in the wide side; for concat, a's columns (where b begins).
  start: u32,
}

// slice_cols, place_cols, mul and scaled_add: add into the output instead of
// overwriting it (autograd sums gradients).
override ACCUMULATE: bool = false;

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> m: array<f32>;
@group(0) @binding(5) var<storage, read> s: array<f32>;
@group(0) @binding(6) var<storage, read> src: array<f32>;
@group(0) @binding(7) var<storage, read_write> out: array<f32>;
@group(0) @binding(8) var<storage, read_write> dst: array<f32>;
@group(0) @binding(9) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn concat_cols(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i >= params.n) { return; }
  let r = i / params.stride;
  let c = i % params.stride;
  // A branch, not select(): select would also read the other input at an index
  // that is out of range (or wrapped below 0) for this column.
  if (c < params.start) {
    out[i] = a[r * params.start + c];
  } else {
    out[i] = b[r * (params.stride - params.start) + (c - params.start)];
  }
}

@compute @workgroup_size(WG)
fn slice_cols(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i >= params.n) { return; }
  let v = x[(i / params.width) * params.stride + params.start + i % params.width];
  if (ACCUMULATE) {
    out[i] = out[i] + v;
  } else {
    out[i] = v;
  }
}

@compute @workgroup_size(WG)
fn place_cols(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i >= params.n) { return; }
  let j = (i / params.width) * params.stride + params.start + i % params.width;
  if (ACCUMULATE) {
    dst[j] = dst[j] + src[i];
  } else {
    dst[j] = src[i];
  }
}

@compute @workgroup_size(WG)
fn add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    out[i] = a[i] + b[i];
  }
}

@compute @workgroup_size(WG)
fn mul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    let v = a[i] * m[i];
    if (ACCUMULATE) {
      out[i] = out[i] + v;
    } else {
      out[i] = v;
    }
  }
}

@compute @workgroup_size(WG)
fn scaled_add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flat_index(gid, groups, WG);
  if (i < params.n) {
    let v = s[0] * x[i];
    if (ACCUMULATE) {
      y[i] = y[i] + v;
    } else {
      y[i] = v;
    }
  }
}
