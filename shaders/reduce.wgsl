// Sums over one axis of a row-major matrix x [rows, cols]:
//   sum_cols  y[c] = scale * sum_r x[r, c]    (bias gradients: sum over the batch)
//   sum_rows  y[r] = scale * sum_c x[r, c]    (per-sample sums; a mean is the sum
//                                              of a [1, n] view with scale 1/n)
// ACCUMULATE adds into y instead (y += scale * sum), for gradients that autograd
// sums over several uses.
//
// Binding convention (shared by every shader in shaders/): @group(0) only;
// @binding(0) is `var<uniform> params: Params`; then `var<storage, read>` inputs;
// then `var<storage, read_write>` outputs. Both entries bind params, x → y.
//
// A workgroup owns TILE outputs, and LANES invocations (a power of two) share each
// output. Invocations next to each other in x read floats next to each other:
// sum_cols puts the TILE columns along x, sum_rows puts the LANES along x.
// Summation order is fixed by the shape alone (no atomics, nothing that depends
// on scheduling), so results are bitwise reproducible run to run:
//   1. each lane adds its strided share of the reduced axis sequentially, in
//      index order (lane, lane + LANES, lane + 2 LANES, ...);
//   2. the LANES partial sums of an output are combined by a pairwise tree in
//      workgroup memory (p[l] += p[l + stride], stride halving), as in Harris,
//      "Optimizing Parallel Reduction in CUDA" (NVIDIA, 2007).
// The rounding error is then at most about (length / LANES + log2(LANES)) ulps of
// sum |x|, inside the (length - 1) ulps that bound any summation order.
//
// Why LANES is an override chosen per shape (src/ops/reduce.ts) rather than a
// fixed 16: on SwiftShader every invocation of a kernel with a barrier costs
// microseconds, so invocations (outputs x LANES) must stay few; a GPU prefers
// more lanes. Giving each lane a few hundred elements serves both.
//
// Large shapes: workgroups form a 2-D grid (a dimension holds at most 65535; see
// workgroupGrid in src/ops/elementwise.ts) linearised as wid.y * groups.x + wid.x.
// Invocations past the end add nothing and skip the store but still reach every
// barrier: the barriers sit in control flow that depends only on overrides.

struct Params {
  rows: u32,
  cols: u32,
  scale: f32,
}

override ACCUMULATE: bool = false;
// TILE * LANES <= MAX_WG; the wrapper picks them.
override TILE: u32 = 16u;
override LANES: u32 = 16u;

const MAX_WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, MAX_WG>;

// Stores `sum` as partial[item * LANES + lane] and returns, in lane 0, the tree
// sum of the LANES partials of the workgroup's output number `item`.
fn tree_sum(item: u32, lane: u32, sum: f32) -> f32 {
  let base = item * LANES;
  partial[base + lane] = sum;
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride /= 2u) {
    if (lane < stride) {
      partial[base + lane] += partial[base + lane + stride];
    }
    workgroupBarrier();
  }
  return partial[base];
}

fn store(i: u32, sum: f32) {
  let v = params.scale * sum;
  if (ACCUMULATE) {
    y[i] = y[i] + v;
  } else {
    y[i] = v;
  }
}

@compute @workgroup_size(TILE, LANES)
fn sum_cols(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let col = (wid.y * groups.x + wid.x) * TILE + lid.x;
  var sum = 0.0;
  if (col < params.cols) {
    for (var r = lid.y; r < params.rows; r += LANES) {
      sum += x[r * params.cols + col];
    }
  }
  let total = tree_sum(lid.x, lid.y, sum);
  if (lid.y == 0u && col < params.cols) {
    store(col, total);
  }
}

@compute @workgroup_size(LANES, TILE)
fn sum_rows(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let row = (wid.y * groups.x + wid.x) * TILE + lid.y;
  var sum = 0.0;
  if (row < params.rows) {
    let base = row * params.cols;
    for (var c = lid.x; c < params.cols; c += LANES) {
      sum += x[base + c];
    }
  }
  let total = tree_sum(lid.y, lid.x, sum);
  if (lid.x == 0u && row < params.rows) {
    store(row, total);
  }
}
