// The non-finite guard of a training step. After the backward pass, `scan` looks at
// every gradient and at the batch's (loss, recon, kl); `decide` (one invocation,
// dispatched next in the same pass, so it sees scan's writes) turns what scan found
// into the step's verdict in `health`, and the optimizer kernels (shaders/adam.wgsl,
// GUARDED) read it: a step with any NaN or infinity anywhere updates nothing, not
// even the step counter, as if it had not been taken. decide also keeps the counts
// that the trainer reads back with the loss (skipped steps in all and in a row) and
// adds only finite steps' stats (and a count of them) into the epoch's sums, so one bad batch costs one
// step, not the run. Nothing here reads back or waits: the host sees the verdicts
// when it reads `health` with the losses it reads anyway.
//
// Where n % 4 == 0 (every model's gradient buffer), `scan4` in shaders/guard_vec4.wgsl
// replaces `scan`, four gradients per load.
//
// Finiteness is tested on the bits (exponent all ones) rather than with comparisons,
// which a compiler assuming finite math may fold away.
import package::lib::health::Health;

struct Params {
  n: u32,
}

const WG: u32 = 256u;
const EXPONENT: u32 = 0x7f800000u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32, 3>;
@group(0) @binding(3) var<storage, read_write> found: atomic<u32>;
@group(0) @binding(4) var<storage, read_write> health: Health;
// (loss, recon, kl, steps) summed over the epoch's finite steps.
@group(0) @binding(5) var<storage, read_write> epoch_sum: array<f32, 4>;

fn bad(x: f32) -> u32 {
  return u32((bitcast<u32>(x) & EXPONENT) == EXPONENT);
}

// The first invocation also looks at the step's (loss, recon, kl).
fn statsSeen(gid: vec3<u32>) -> u32 {
  if (gid.x == 0u) {
    return bad(stats[0]) | bad(stats[1]) | bad(stats[2]);
  }
  return 0u;
}

// One atomic per invocation that saw something, none on a healthy step.
fn report(seen: u32) {
  if (seen != 0u) {
    atomicOr(&found, 1u);
  }
}

// Any n, a value at a time (shaders/guard_vec4.wgsl: four at a time, for n % 4 == 0).
@compute @workgroup_size(WG)
fn scan(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  var seen = statsSeen(gid);
  let stride = groups.x * WG;
  for (var i = gid.x; i < params.n; i += stride) {
    seen |= bad(grads[i]);
  }
  report(seen);
}

@compute @workgroup_size(1)
fn decide() {
  let skip = atomicExchange(&found, 0u);
  health.loss = stats[0];
  health.recon = stats[1];
  health.kl = stats[2];
  health.skip = skip;
  if (skip != 0u) {
    health.skipped_total += 1u;
    health.skipped_in_row += 1u;
    return;
  }
  health.skipped_in_row = 0u;
  for (var k = 0u; k < 3u; k++) {
    epoch_sum[k] += stats[k];
  }
  epoch_sum[3] += 1.0;
}
