// The guard's scan four gradients at a time: the `scan` entry of shaders/guard.wgsl
// (the same test on the bits, stats and report, imported from there) with the
// gradients bound as vec4s, for n % 4 == 0 (every model's flat buffer, as for
// shaders/adam_vec4.wgsl). A separate file because of that binding's type.

import package::guard::{params, bad, statsSeen, report, WG};

@group(0) @binding(1) var<storage, read> grads: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn scan4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  var seen = statsSeen(gid);
  let stride = groups.x * WG;
  for (var i = gid.x; i < params.n / 4u; i += stride) {
    let g = grads[i];
    seen |= bad(g.x) | bad(g.y) | bad(g.z) | bad(g.w);
  }
  report(seen);
}
