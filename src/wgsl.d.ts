// WGSL sources are imported as their linked text and its reflection: shaders/link.mjs's
// plugins (for esbuild and vitest) turn `import src, { reflection } from '...wgsl'` into both.
declare module '*.wgsl' {
  const source: string;
  export default source;
  /** What shaders/reflect.mjs read from `source` at build time. */
  export const reflection: import('./gpu/shader.js').ShaderReflection;
}

// wgsl_reflect's `main` is a CommonJS file inside a `"type": "module"` package, which
// Node's ESM loader rejects; its ESM build is imported by path, with the package's types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}

// The same, linked with wesl conditions (shaders/link.mjs, conditionsOf): one variant
// of a kernel file per combination, e.g. the matmul's f16 operands.
declare module '*.wgsl?half_a' {
  const source: string;
  export default source;
  export const reflection: import('./gpu/shader.js').ShaderReflection;
}
declare module '*.wgsl?half_b' {
  const source: string;
  export default source;
  export const reflection: import('./gpu/shader.js').ShaderReflection;
}
declare module '*.wgsl?half_a&half_b' {
  const source: string;
  export default source;
  export const reflection: import('./gpu/shader.js').ShaderReflection;
}
