// matmul, convolution GEMMs: what turns shaders/matmul.wgsl's GEMM into a 2-D
// convolution (CONV = 1..3), and conv_direct, the `direct` entry for them. The
// matmul imports from here what its shared parts need (rowOut and colOut in the
// epilogue; rowPart, kPartAt and the B index in `main`'s loads), so `main` runs
// the convolutions too (the wesl linker resolves imports both ways). A file of its
// own so that each file has one job: the convolutions' index arithmetic here, the
// GEMM there.
//
// A 2-D convolution over NCHW images is a GEMM whose A operand is the im2col
// matrix, read in place (never materialised), and whose C is scattered back to
// NCHW; the register block, epilogue and `main` entry are the matmul's. With
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

import package::matmul::{params, a, kSlice, Block, Vec16, Index16, accumulate, reaches, storeBlock, index16, gatherA, gatherB16, REG_M, WG_X, WG_Y, TILE_M, TILE_N};

// 0: a plain matmul; 1, 2, 3: the convolution GEMMs CONV_FORWARD, CONV_DATA, CONV_WEIGHT.
override CONV: u32 = 0u;
// CONV_FORWARD's weight stored [C·kh·kw, O] instead of Conv2d's [O, C·kh·kw]: a
// transposed conv's weight [Cin, Cout·kh·kw] read as a 1×1 conv's (see col2im).
override CONV_B_KN: bool = false;
// conv_direct walks CONV_FORWARD's or CONV_DATA's K tap by tap, each tap's channels
// in an inner loop (src/ops/conv.ts says when), instead of one k at a time.
override TAP_LOOP: bool = false;

const CONV_FORWARD: u32 = 1u;
const CONV_DATA: u32 = 2u;
const CONV_WEIGHT: u32 = 3u;

// (image base offset, h, w) of the top-left tap of output pixel (image, y, x).
// (No parameter is called `a` or `b`: the linker would rename the bindings.)
fn gridPixel(image: u32, y: u32, x: u32) -> vec3<i32> {
  let s = i32(params.stride);
  let pad = i32(params.pad);
  return vec3(i32(image * params.src_c * params.src_h * params.src_w), i32(y) * s - pad, i32(x) * s - pad);
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
