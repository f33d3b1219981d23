// What a kernel's WGSL declares, read by wgsl_reflect: per compute entry point its
// bindings (name, slot, access) and its uniform struct's layout, and the module's
// override constants, as plain JSON. The build runs it on every shader in shaders/
// (shaders/link.mjs puts the result beside the linked text, so a bundle of the library
// carries no WGSL parser); src/gpu/define-shader.ts runs it at run time on a caller's
// own WGSL. Either way the WGSL stays the single source of truth: nothing restates a
// binding slot or an offset. Plain JavaScript so the build scripts need no TypeScript.
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';

/** @returns {{ entries: { name: string, bindings: { name: string, binding: number, access: 'uniform' | 'read' | 'read_write', scalar?: 'u32' | 'i32' | 'f32' | null }[], uniform: null | { size: number, members: { name: string, offset: number, scalar: 'u32' | 'i32' | 'f32', components: number }[] } }[], overrides: string[] }} */
export function reflectWgsl(name, source) {
  let reflect;
  try {
    reflect = new WgslReflect(source);
  } catch (e) {
    throw new Error(`wgsl_reflect could not parse the shader: ${e instanceof Error ? e.message : e}`);
  }
  const entries = [];
  for (const fn of reflect.entry.compute) {
    const bindings = [];
    let uniform = null;
    for (const r of fn.resources) {
      if (r.group !== 0) throw new Error(`binding '${r.name}' is in bind group ${r.group}; the convention is bind group 0 only`);
      // ResourceType: 0 uniform, 1 storage (see wgsl_reflect's ResourceType enum).
      if (r.resourceType === 0) {
        uniform = uniformLayout(r.type);
        bindings.push({ name: r.name, binding: r.binding, access: 'uniform' });
      } else if (r.resourceType === 1) {
        bindings.push({ name: r.name, binding: r.binding, access: r.access === 'read' ? 'read' : 'read_write', scalar: scalarOf(r.type) });
      } else {
        throw new Error(`binding '${r.name}' is neither a uniform nor a storage buffer`);
      }
    }
    bindings.sort((a, b) => a.binding - b.binding);
    entries.push({ name: fn.name, bindings, uniform });
  }
  return { entries, overrides: reflect.overrides.map((o) => o.name) };
}

// The scalar type a storage binding holds (array<vec2<u32>> and atomic<u32> hold u32),
// or null for structs: the runtime binds an f16 tensor only where it is read as u32
// words, so a kernel never reads packed halves as floats.
function scalarOf(type) {
  let t = type;
  while (t.format) t = t.format;
  return ['f32', 'u32', 'i32'].includes(t.name) ? t.name : null;
}

// Uniform members are scalars or vectors of u32/i32/f32; that is all a kernel's
// scalar arguments need, and it keeps the writer trivial.
function uniformLayout(type) {
  if (!type.isStruct) throw new Error(`the uniform must be a struct, found '${type.name}'`);
  const members = type.members.map((m) => {
    const typeName = m.type.name;
    const format = m.type.format?.name;
    if (typeName === 'u32' || typeName === 'i32' || typeName === 'f32') return { name: m.name, offset: m.offset, scalar: typeName, components: 1 };
    const vec = /^vec([234])/.exec(typeName);
    if (vec && (format === 'u32' || format === 'i32' || format === 'f32')) return { name: m.name, offset: m.offset, scalar: format, components: Number(vec[1]) };
    throw new Error(`uniform member '${m.name}' has type '${typeName}'; use u32, i32, f32 or vecN of them`);
  });
  return { size: Math.max(16, Math.ceil(type.size / 16) * 16), members };
}
