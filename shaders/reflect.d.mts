// Types of shaders/reflect.mjs (plain JavaScript, shared by the build and the runtime);
// the shapes themselves are the runtime's (src/gpu/shader.ts).
import type { ShaderReflection } from '../src/gpu/shader.js';

/** Reads a WGSL module's compute entry points, bindings, uniform layouts and overrides; throws on what the conventions forbid. */
export function reflectWgsl(name: string, source: string): ShaderReflection;
