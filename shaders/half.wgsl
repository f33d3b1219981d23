// f32 <-> f16 storage (src/ops/half.ts): `to_half` rounds n f32 values into packed
// halves, two per u32 word with element 2i in the low half (pack2x16float's layout,
// which is also array<f16>'s on a device with shader-f16); `to_float` widens them
// back, exactly. One word per invocation, grid-stride (src/ops/stream.ts).
//
// pack2x16float leaves values outside f16's finite range indeterminate, so NaN,
// infinities and overflow are encoded on the bits here (tested on the bits, not with
// comparisons a compiler may fold under finite-math assumptions): NaN stays NaN, and
// |x| >= 65520 (where round-to-nearest goes to infinity) becomes ±infinity. Finite
// values round to one of their two neighbouring halves, as WGSL allows either.
//
// Binding convention: `params` at 0, the inputs, then the outputs; each entry reads
// one input and writes one output.

struct Params {
  n: u32,
}

const WG: u32 = 256u;
const F32_EXPONENT: u32 = 0x7f800000u;
// 65520 as f32: the smallest magnitude that rounds to f16 infinity.
const F32_HALF_OVERFLOW: u32 = 0x477ff000u;
const HALF_EXPONENT: u32 = 0x7c00u;
const HALF_QUIET_NAN: u32 = 0x7e00u;
const HALF_MAX: f32 = 65504.0;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> wide: array<f32>;
@group(0) @binding(2) var<storage, read> packed: array<u32>;
@group(0) @binding(3) var<storage, read_write> packed_out: array<u32>;
@group(0) @binding(4) var<storage, read_write> wide_out: array<f32>;

// One f32 as the low 16 bits of a word.
fn halfBits(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  let sign = (bits >> 16u) & 0x8000u;
  let magnitude = bits & 0x7fffffffu;
  if (magnitude > F32_EXPONENT) { return sign | HALF_QUIET_NAN; }
  if (magnitude >= F32_HALF_OVERFLOW) { return sign | HALF_EXPONENT; }
  return pack2x16float(vec2(clamp(x, -HALF_MAX, HALF_MAX), 0.0)) & 0xffffu;
}

// The low 16 bits of `h` as an f32: infinities and NaN on the bits (unpack2x16float
// leaves them indeterminate), every finite half exactly.
fn halfValue(h: u32) -> f32 {
  let bits = h & 0xffffu;
  if ((bits & HALF_EXPONENT) == HALF_EXPONENT) {
    return bitcast<f32>(((bits & 0x8000u) << 16u) | F32_EXPONENT | ((bits & 0x3ffu) << 13u));
  }
  return unpack2x16float(bits).x;
}

@compute @workgroup_size(WG)
fn to_half(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WG;
  for (var w = gid.x; w < (params.n + 1u) / 2u; w += stride) {
    let i = 2u * w;
    // An odd n leaves the last word's high half zero.
    var high = 0u;
    if (i + 1u < params.n) { high = halfBits(wide[i + 1u]) << 16u; }
    packed_out[w] = halfBits(wide[i]) | high;
  }
}

@compute @workgroup_size(WG)
fn to_float(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * WG;
  for (var w = gid.x; w < (params.n + 1u) / 2u; w += stride) {
    let i = 2u * w;
    let word = packed[w];
    wide_out[i] = halfValue(word);
    if (i + 1u < params.n) { wide_out[i + 1u] = halfValue(word >> 16u); }
  }
}
