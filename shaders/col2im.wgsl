// col2im: the second half of a CONV_DATA GEMM (a transposed conv's forward, a conv's
// input gradient) split the way PyTorch's col2im splits it, for layers with fewer
// output channels than a register block has columns (src/ops/conv.ts):
//
//   col[b, (c, i, j), hs, ws] = Σ_o x[b, o, hs, ws] · w[o, c, i, j]
//       one 1×1 CONV_FORWARD GEMM (shaders/matmul.wgsl, CONV_B_KN) with C·kh·kw
//       columns, where the direct GEMM would have C: every tap of every small-side
//       pixel, read once, with no im2col gather;
//   y[b, c, h, w] = act(bias[c] + Σ_{i,j} col[b, (c, i, j), hs, ws])
//       this kernel, over the taps whose source hs = (h + pad - i·dilation) / stride
//       (and ws likewise) is a whole number inside the small image [src_h, src_w];
//       with ACCUMULATE, y += Σ instead (gradients; no bias or activation).
//
// Binding convention: @group(0); binding 0 the `params` uniform, then the read-only
// inputs (col, bias), then the output (y; read too with ACCUMULATE). A launch without
// HAS_BIAS gets a placeholder for bias. One invocation per element of y, on the 2-D
// grid of 1-D workgroups of shaders/lib/grid.wesl.
import package::lib::activations::activate;
import package::lib::grid::flat_index;

struct Params {
  n: u32,          // elements of y: B·C·H·W
  channels: u32,   // C
  h: u32,          // y's height and width
  w: u32,
  src_h: u32,      // the small image's (col's) height and width
  src_w: u32,
  kernel_h: u32,
  kernel_w: u32,
  stride: u32,
  pad: u32,
  dilation: u32,
}

override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override ACCUMULATE: bool = false;
override WG: u32 = 64u;

// LEAKY_SLOPE in src/ops/activation.ts.
const LEAKY_SLOPE: f32 = 0.01;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> col: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// The source row (or column) of tap i for output row h, and whether it exists. The
// conditions combine with `&` (see im2col in shaders/matmul.wgsl).
fn source(at: u32, tap: u32, size: u32) -> vec2<i32> {
  let s = i32(params.stride);
  let hs = i32(at + params.pad) - i32(tap * params.dilation);
  let q = hs / s;
  let ok = (hs >= 0) & (q * s == hs) & (q < i32(size));
  return vec2(q, select(0, 1, ok));
}

@compute @workgroup_size(WG)
fn col2im(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let n = flat_index(gid, groups, WG);
  if (n >= params.n) { return; }
  let x = n % params.w;
  let row = n / params.w;
  let h = row % params.h;
  let bc = row / params.h;
  let area = params.src_h * params.src_w;

  var acc = 0.0;
  for (var i = 0u; i < params.kernel_h; i++) {
    let sh = source(h, i, params.src_h);
    for (var j = 0u; j < params.kernel_w; j++) {
      let sw = source(x, j, params.src_w);
      let ok = (sh.y & sw.y) == 1;
      let at = ((bc * params.kernel_h + i) * params.kernel_w + j) * area + u32(sh.x * i32(params.src_w) + sw.x);
      let v = col[select(0u, at, ok)];
      acc += select(0.0, v, ok);
    }
  }
  if (ACCUMULATE) {
    y[n] += acc;
    return;
  }
  if (HAS_BIAS) { acc += bias[bc % params.channels]; }
  y[n] = activate(acc, ACT, LEAKY_SLOPE);
}
