// A WGSL module and what it declares: per entry point, its bindings (name, slot,
// access) and the layout of its uniform struct, as shaders/reflect.mjs reads them.
// The library's own kernels are reflected at build time (a `.wgsl` import carries its
// `reflection`), so no WGSL parser ships in a bundle of the library; a caller's WGSL
// is reflected at run time by defineShader (src/gpu/define-shader.ts). The WGSL file
// is the single source of truth; TypeScript never restates a binding slot or an offset.
//
// Binding convention (every shader in shaders/ follows it, and says so in its header):
//   bind group 0 only; binding 0 is the uniform struct `params` when the kernel has
//   scalar arguments; then read-only storage inputs; then read-write storage outputs.
//   Specialisation is by `override` constants, never by editing the text.
import { KernelError } from './errors.js';

export type Access = 'uniform' | 'read' | 'read_write';

export interface BindingInfo {
  name: string;
  binding: number;
  access: Access;
  /** A storage binding's scalar type (u32 for array<vec2<u32>>, null for a struct); absent for the uniform. */
  scalar?: ScalarType | null;
}

export type ScalarType = 'u32' | 'i32' | 'f32';

export interface UniformMember {
  name: string;
  offset: number;
  scalar: ScalarType;
  /** 1 for scalars, 2..4 for vectors. */
  components: number;
}

export interface UniformLayout {
  /** Size in bytes, already rounded to the struct's alignment. */
  size: number;
  members: UniformMember[];
}

/** What shaders/reflect.mjs reads from a WGSL module (plain JSON, so the build can store it). */
export interface ShaderReflection {
  entries: EntryInfo[];
  overrides: string[];
}

export interface EntryInfo {
  name: string;
  bindings: BindingInfo[];
  uniform: UniformLayout | null;
}

export interface Shader {
  /** Label used for pipelines, bind groups and error messages. */
  readonly name: string;
  readonly source: string;
  entry(name: string): EntryInfo;
  readonly overrides: ReadonlySet<string>;
}

/**
 * A shader from its text and its reflection, or from a function that reflects it on
 * first use (defineShader's run-time path).
 */
export function shaderOf(name: string, source: string, reflection: ShaderReflection | (() => ShaderReflection)): Shader {
  let indexed: { entries: Map<string, EntryInfo>; overrides: Set<string> } | null = null;
  const index = () => {
    if (indexed) return indexed;
    const r = typeof reflection === 'function' ? reflection() : reflection;
    return (indexed = { entries: new Map(r.entries.map((e) => [e.name, e])), overrides: new Set(r.overrides) });
  };
  return {
    name,
    source,
    entry(entryName: string) {
      const info = index().entries.get(entryName);
      if (!info) {
        const known = [...index().entries.keys()].join(', ');
        throw new KernelError(name, `no compute entry point '${entryName}' (the shader has: ${known})`);
      }
      return info;
    },
    get overrides() {
      return index().overrides;
    },
  };
}

/** Packs named values into the uniform's bytes, checking every member is given once. */
export function packUniform(shader: string, layout: UniformLayout, values: Record<string, number | readonly number[]>): ArrayBuffer {
  const bytes = new ArrayBuffer(layout.size);
  const view = new DataView(bytes);
  const expected = new Set(layout.members.map((m) => m.name));
  for (const key of Object.keys(values)) {
    if (!expected.has(key)) throw new KernelError(shader, `unknown uniform field '${key}' (the shader declares: ${[...expected].join(', ')})`);
  }
  for (const m of layout.members) {
    const v = values[m.name];
    if (v === undefined) throw new KernelError(shader, `uniform field '${m.name}' was not given`);
    const parts = typeof v === 'number' ? [v] : v;
    if (parts.length !== m.components) throw new KernelError(shader, `uniform field '${m.name}' wants ${m.components} values, got ${parts.length}`);
    parts.forEach((x, i) => {
      const at = m.offset + 4 * i;
      if (m.scalar === 'f32') view.setFloat32(at, x, true);
      else {
        if (!Number.isInteger(x)) throw new KernelError(shader, `uniform field '${m.name}' is ${m.scalar} but got ${x}`);
        if (m.scalar === 'u32') {
          if (x < 0 || x > 0xffffffff) throw new KernelError(shader, `uniform field '${m.name}' = ${x} does not fit in u32`);
          view.setUint32(at, x, true);
        } else view.setInt32(at, x, true);
      }
    });
  }
  return bytes;
}

/** The source with line numbers, for the debug print of a kernel that fails to compile. */
export function numberedSource(source: string): string {
  return source
    .split('\n')
    .map((line, i) => `${String(i + 1).padStart(4)}  ${line}`)
    .join('\n');
}
