// The launch of a grid-stride kernel over one flat buffer: the optimiser updates
// (shaders/adam.wgsl) and the guard's scan (shaders/guard.wgsl), 256 invocations a
// workgroup, each looping past the grid's end. Where such a kernel has a vec4 form
// (shaders/adam_vec4.wgsl, guard_vec4.wgsl), a buffer whose length is a multiple of
// 4 takes it, four values per invocation: every model's flat buffer is one
// (src/nn/parameters.ts aligns each parameter to 64 values).
import type { Shader } from '../gpu/shader.js';

/** @workgroup_size of the stream kernels (WG in their shaders). */
const WORKGROUP = 256;
/** Grid cap; past 1024 * 256 items each invocation loops (enough to fill a large GPU). */
const MAX_WORKGROUPS = 1024;

/** The 1-D grid for `items` work items (values, or vec4s). */
export function streamGrid(items: number): [number] {
  return [Math.min(Math.ceil(items / WORKGROUP), MAX_WORKGROUPS)];
}

/** Shader, entry and grid for n values: the vec4 entry where n % 4 == 0, else the scalar one. */
export function streamLaunch(n: number, scalar: { shader: Shader; entry: string }, vec4: { shader: Shader; entry: string }): { shader: Shader; entry: string; workgroups: [number] } {
  return n % 4 === 0 ? { ...vec4, workgroups: streamGrid(n / 4) } : { ...scalar, workgroups: streamGrid(n) };
}
