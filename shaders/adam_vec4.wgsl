// Adam / AdamW four parameters at a time: the `adam` entry of shaders/adam.wgsl (the
// same update, guard and step state, imported from there) with the parameters,
// gradients and moments bound as vec4s, for n % 4 == 0 (a model's flat buffer
// always is: src/nn/parameters.ts aligns every parameter to 64 values). A quarter of
// the loads and stores, and of the bounds clamps a robust implementation adds to
// each; the arithmetic is the scalar update lane by lane, so the results are the
// scalar entry's, bit for bit (test/gpu/adam.test.ts).
//
// A separate file because the buffers are bound as array<vec4<f32>>.

import package::adam::{params, skipped, adamConstants, adamUpdate, WG};

@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> weights: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> v: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn adam4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  if (skipped()) {
    return;
  }
  let h = adamConstants();
  let stride = groups.x * WG;
  for (var i = gid.x; i < params.n / 4u; i += stride) {
    let p = weights[i];
    let g = grads[i];
    let m4 = m[i];
    let v4 = v[i];
    let x = adamUpdate(h, p.x, g.x, m4.x, v4.x);
    let y = adamUpdate(h, p.y, g.y, m4.y, v4.y);
    let z = adamUpdate(h, p.z, g.z, m4.z, v4.z);
    let w = adamUpdate(h, p.w, g.w, m4.w, v4.w);
    m[i] = vec4(x.m, y.m, z.m, w.m);
    v[i] = vec4(x.v, y.v, z.v, w.v);
    weights[i] = vec4(x.p, y.p, z.p, w.p);
  }
}
