// The shaders' shared code is kept once: helpers live in shaders/lib/*.wesl and the
// kernels import them (shaders/link.mjs links them at build time). This test fails
// when a function is defined in two files again, and checks that every kernel links
// to plain WGSL that wgsl_reflect reads, with its entry points and no imports left.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { conditionsOf, linkShader } from '../../shaders/link.mjs';
import { reflectWgsl } from '../../shaders/reflect.mjs';

const kernels = readdirSync('shaders').filter((f) => f.endsWith('.wgsl'));
const modules = readdirSync('shaders/lib').filter((f) => f.endsWith('.wesl')).map((f) => `lib/${f}`);

/** Top-level function names declared in a file (entry points included). */
const functions = (file: string) => [...readFileSync(`shaders/${file}`, 'utf8').matchAll(/^fn (\w+)\(/gm)].map((m) => m[1]);

describe('shaders', () => {
  it('define each helper function once across shaders/ and shaders/lib/', () => {
    const where = new Map<string, string[]>();
    for (const file of [...kernels, ...modules]) for (const fn of functions(file)) where.set(fn, [...(where.get(fn) ?? []), file]);
    // Entry points may share a name across kernel families (forward, backward, add, ...).
    const isEntry = (fn: string, file: string) => new RegExp(`@compute[^\\n]*\\n(?:@[^\\n]*\\n)*fn ${fn}\\(`).test(readFileSync(`shaders/${file}`, 'utf8'));
    const copies = [...where].filter(([fn, files]) => files.filter((f) => !isEntry(fn, f)).length > 1);
    expect(copies).toEqual([]);
  });

  it('link to WGSL that wgsl_reflect reads, imports resolved, entry points kept', async () => {
    for (const file of kernels) {
      const source = readFileSync(`shaders/${file}`, 'utf8');
      const linked = await linkShader(`shaders/${file}`, source);
      expect(linked, file).not.toMatch(/^\s*import\s/m);
      expect(linked, `${file}: comments dropped`).not.toMatch(/\/\//);
      // A kernel the linker leaves alone keeps its lines, so compile errors' line numbers point into it.
      if (!/^\s*import\s|@if\s*\(/m.test(source)) expect(linked.split('\n').length, `${file}: lines kept`).toBe(source.split('\n').length);
      const entries = [...source.matchAll(/@compute[^\n]*\n(?:@[^\n]*\n)*fn (\w+)\(/g)].map((m) => m[1]);
      expect(new WgslReflect(linked).entry.compute.map((e) => e.name).sort(), file).toEqual(entries.sort());
    }
  });

  it("link a variant per import query's conditions: the vec4 matmuls' f16 operands bound as u32 words", async () => {
    const scalars = async (file: string, query: string) => {
      const linked = await linkShader(`shaders/${file}`, undefined, conditionsOf(query));
      const entry = reflectWgsl(file, linked).entries[0];
      return Object.fromEntries(entry.bindings.filter((b) => b.name === 'a' || b.name === 'b').map((b) => [b.name, b.scalar]));
    };
    for (const file of ['matmul_vec4.wgsl', 'matmul_tiled4.wgsl']) {
      expect(await scalars(file, ''), file).toEqual({ a: 'f32', b: 'f32' });
      expect(await scalars(file, '?half_a'), file).toEqual({ a: 'u32', b: 'f32' });
      expect(await scalars(file, '?half_b'), file).toEqual({ a: 'f32', b: 'u32' });
      expect(await scalars(file, '?half_a&half_b'), file).toEqual({ a: 'u32', b: 'u32' });
    }
    expect(() => conditionsOf('?half-a')).toThrow(/not a plain name/);
  });

  it('refuse block comments, which the comment stripping does not parse', async () => {
    await expect(linkShader('shaders/block.wgsl', '/* a note */\nfn f() -> f32 { return 1.0; }\n')).rejects.toThrow(/shaders\/block\.wgsl: use \/\/ comments/);
  });

  it('name the shader when linking fails', async () => {
    await expect(linkShader('shaders/broken.wgsl', 'import package::lib::math::no_such_helper;\nfn f() -> f32 { return no_such_helper(1.0); }\n')).rejects.toThrow(/shaders\/broken\.wgsl: linking its shared WGSL modules failed/);
  });
});
