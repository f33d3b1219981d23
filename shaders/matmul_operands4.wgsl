// The vec4 GEMM entries' operand bindings (`direct4` in shaders/matmul_vec4.wgsl,
// `main4` in matmul_tiled4.wgsl), read only through loadA / loadB: four values of an
// operand at once, as a vec4<f32>, from their index in vec4s.
//
// Each operand is f32 storage (array<vec4<f32>>) or, when the shader is linked with
// the condition half_a (half_b), f16 storage: four halves in two u32 words
// (src/ops/half.ts packs them), widened with unpack2x16float. The linker makes one
// shader per combination (src/ops/matmul.ts imports them with `?half_a` etc.), so
// the f32 kernels are exactly what they were, and an f16 operand halves its bytes.
// (A half operand's infinities and NaN widen to values unpack2x16float leaves
// indeterminate; toF16 makes them only from non-finite or overflowing inputs.)

@if(!half_a) @group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@if(half_a) @group(0) @binding(1) var<storage, read> a: array<vec2<u32>>;
@if(!half_b) @group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@if(half_b) @group(0) @binding(2) var<storage, read> b: array<vec2<u32>>;

fn widen(h: vec2<u32>) -> vec4<f32> {
  return vec4(unpack2x16float(h.x), unpack2x16float(h.y));
}

@if(!half_a) fn loadA(i: u32) -> vec4<f32> { return a[i]; }
@if(half_a) fn loadA(i: u32) -> vec4<f32> { return widen(a[i]); }
@if(!half_b) fn loadB(i: u32) -> vec4<f32> { return b[i]; }
@if(half_b) fn loadB(i: u32) -> vec4<f32> { return widen(b[i]); }
