// A WGSL module and what wgsl_reflect reads from it: per entry point, its bindings
// (name, slot, access) and the layout of its uniform struct. The WGSL file is the
// single source of truth; TypeScript never restates a binding slot or an offset.
//
// Binding convention (every shader in shaders/ follows it, and says so in its header):
//   bind group 0 only; binding 0 is the uniform struct `params` when the kernel has
//   scalar arguments; then read-only storage inputs; then read-write storage outputs.
//   Specialisation is by `override` constants, never by editing the text.
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { KernelError } from './errors.js';

export type Access = 'uniform' | 'read' | 'read_write';

export interface BindingInfo {
  name: string;
  binding: number;
  access: Access;
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

/** Wraps a WGSL source; reflection runs once, on first use. */
export function defineShader(name: string, source: string): Shader {
  let reflected: { entries: Map<string, EntryInfo>; overrides: Set<string> } | null = null;
  const reflect = () => (reflected ??= reflectShader(name, source));
  return {
    name,
    source,
    entry(entryName: string) {
      const info = reflect().entries.get(entryName);
      if (!info) {
        const known = [...reflect().entries.keys()].join(', ');
        throw new KernelError(name, `no compute entry point '${entryName}' (the shader has: ${known})`);
      }
      return info;
    },
    get overrides() {
      return reflect().overrides;
    },
  };
}

function reflectShader(name: string, source: string) {
  let reflect: WgslReflect;
  try {
    reflect = new WgslReflect(source);
  } catch (e) {
    throw new KernelError(name, `wgsl_reflect could not parse the shader: ${(e as Error).message}`);
  }
  const entries = new Map<string, EntryInfo>();
  for (const fn of reflect.entry.compute) {
    const bindings: BindingInfo[] = [];
    let uniform: UniformLayout | null = null;
    for (const r of fn.resources) {
      if (r.group !== 0) throw new KernelError(name, `binding '${r.name}' is in bind group ${r.group}; the convention is bind group 0 only`);
      // ResourceType: 0 uniform, 1 storage (see wgsl_reflect's ResourceType enum).
      if (r.resourceType === 0) {
        uniform = uniformLayout(name, r.type);
        bindings.push({ name: r.name, binding: r.binding, access: 'uniform' });
      } else if (r.resourceType === 1) {
        bindings.push({ name: r.name, binding: r.binding, access: r.access === 'read' ? 'read' : 'read_write' });
      } else {
        throw new KernelError(name, `binding '${r.name}' is neither a uniform nor a storage buffer`);
      }
    }
    bindings.sort((a, b) => a.binding - b.binding);
    entries.set(fn.name, { name: fn.name, bindings, uniform });
  }
  return { entries, overrides: new Set(reflect.overrides.map((o) => o.name)) };
}

// Uniform members are scalars or vectors of u32/i32/f32; that is all a kernel's
// scalar arguments need, and it keeps the writer trivial.
function uniformLayout(shader: string, type: any): UniformLayout {
  if (!type.isStruct) throw new KernelError(shader, `the uniform must be a struct, found '${type.name}'`);
  const members: UniformMember[] = type.members.map((m: any) => {
    const typeName: string = m.type.name;
    const format: string | undefined = m.type.format?.name;
    if (typeName === 'u32' || typeName === 'i32' || typeName === 'f32') {
      return { name: m.name, offset: m.offset, scalar: typeName, components: 1 };
    }
    const vec = /^vec([234])/.exec(typeName);
    if (vec && (format === 'u32' || format === 'i32' || format === 'f32')) {
      return { name: m.name, offset: m.offset, scalar: format, components: Number(vec[1]) };
    }
    throw new KernelError(shader, `uniform member '${m.name}' has type '${typeName}'; use u32, i32, f32 or vecN of them`);
  });
  return { size: Math.max(16, Math.ceil(type.size / 16) * 16), members };
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
