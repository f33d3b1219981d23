// A caller's own WGSL as a Shader: reflected at run time by shaders/reflect.mjs (and so
// wgsl_reflect), on first use. The library's kernels never come here (theirs is read
// at build time), so a bundle that does not call defineShader carries no WGSL parser.
import { reflectWgsl } from '../../shaders/reflect.mjs';
import { KernelError } from './errors.js';
import { shaderOf, type Shader } from './shader.js';

/** Wraps a WGSL source; reflection runs once, on first use. */
export function defineShader(name: string, source: string): Shader {
  return shaderOf(name, source, () => {
    try {
      return reflectWgsl(name, source);
    } catch (e) {
      throw new KernelError(name, (e as Error).message);
    }
  });
}
