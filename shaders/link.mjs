// How a shader in shaders/ becomes the WGSL the GPU compiles. A kernel file is WGSL
// plus, at most, `import package::lib::NAME::{...};` lines naming helpers kept once
// in shaders/lib/*.wesl (math series, activations, grid indexing). The `wesl`
// linker resolves them at build time into one plain WGSL module (only what is
// referenced, names unchanged), which the bundles inline as text, with what
// wgsl_reflect reads from exactly that text (shaders/reflect.mjs) beside it. Used by
// every bundle (the esbuild plugin below, through shaders/bundle.mjs, demo/build.ts
// and the tests' builds) and by vitest (vitest.config.ts), so there is one path from
// source to shader.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { link } from 'wesl';
import { reflectWgsl } from './reflect.mjs';

const LIB = findLib(dirname(fileURLToPath(import.meta.url)));

/**
 * shaders/lib beside this file, or, when this file was bundled into a tool under
 * dist/ (npm run build:demo bundles demo/build.ts with it), the first shaders/lib
 * found walking up from the bundle.
 */
function findLib(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    for (const lib of [join(dir, 'lib'), join(dir, 'shaders', 'lib')]) if (existsSync(join(lib, 'math.wesl'))) return lib;
    if (dirname(dir) === dir) throw new Error(`shaders/lib/*.wesl not found above ${from}; run the build from the webgpu-vae checkout`);
  }
}

/** The shared modules, keyed as the linker wants them (lib/NAME.wesl). */
function libSources() {
  return Object.fromEntries(readdirSync(LIB).filter((f) => f.endsWith('.wesl')).map((f) => [`lib/${f}`, readFileSync(join(LIB, f), 'utf8')]));
}

/**
 * The other kernel files beside `path`, as modules `package::NAME`: a variant that
 * needs an `enable` directive (e.g. shaders/matmul_subgroup.wgsl) imports the rest of
 * its kernel from the plain file instead of copying it, since a directive cannot be
 * switched off by an override.
 */
function siblingSources(path) {
  const dir = dirname(path);
  const self = basename(path);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.wgsl') && f !== self)
      .map((f) => [f.replace(/\.wgsl$/, '.wesl'), readFileSync(join(dir, f), 'utf8')]),
  );
}

/**
 * The link-time conditions of an import's query, `x.wgsl?half_a&half_b` giving
 * { half_a: true, half_b: true }: wesl's `@if(name)` declarations, so one file links
 * into a variant per combination (shaders/matmul_operands4.wgsl's f16 operands).
 */
export function conditionsOf(query) {
  const names = query.replace(/^\?/, '').split('&').filter(Boolean);
  for (const n of names) if (!/^\w+$/.test(n)) throw new Error(`shader import condition '${n}' is not a plain name (write x.wgsl?name&other)`);
  return Object.fromEntries(names.map((n) => [n, true]));
}

/**
 * The WGSL without its comments: what a bundle carries and the GPU compiles. The
 * comments are for readers of shaders/ (about 40% of the text); a bundle embedding
 * every kernel is ~100 KB smaller without them. Every line stays, emptied where it
 * held only a comment, so a compiler's line numbers still point into the file (for
 * a kernel that imports nothing; a linked one never matched its file). WGSL has no
 * string literals, so `//` always starts a comment; block comments are refused
 * (none is used) rather than parsed, since they nest.
 */
export function withoutComments(path, wgsl) {
  if (wgsl.includes('/*')) throw new Error(`${path}: use // comments; the build strips them, and block comments are not stripped`);
  return wgsl.replace(/[ \t]*\/\/[^\n]*/g, '');
}

/** A shader's WGSL with its imports linked in, its `@if`s decided and its comments dropped. */
export async function linkShader(path, source = readFileSync(path, 'utf8'), conditions = {}) {
  if (!/^\s*import\s/m.test(source) && !/@if\s*\(/.test(source)) return withoutComments(path, source);
  const root = basename(path).replace(/\.wgsl$/, '').replace(/\W/g, '_');
  const kernels = /^\s*import\s+package::(?!lib::)/m.test(source) ? siblingSources(path) : {};
  try {
    const linked = await link({ weslSrc: { ...libSources(), ...kernels, [`${root}.wesl`]: source }, rootModuleName: root, conditions });
    return withoutComments(path, linked.dest);
  } catch (e) {
    throw new Error(`${path}: linking its shared WGSL modules failed: ${e instanceof Error ? e.message : e}`);
  }
}

/**
 * The module a `.wgsl` import becomes: the linked text as its default export and, as
 * `reflection`, what shaders/reflect.mjs reads from that text at build time.
 */
export async function shaderModule(path, source = readFileSync(path, 'utf8'), conditions = {}) {
  const linked = await linkShader(path, source, conditions);
  let reflection;
  try {
    reflection = reflectWgsl(basename(path), linked);
  } catch (e) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : e}`);
  }
  return `export default ${JSON.stringify(linked)};\nexport const reflection = ${JSON.stringify(reflection)};\n`;
}

/** esbuild: `import src, { reflection } from '...wgsl'`. */
export const wgslPlugin = {
  name: 'wgsl',
  setup(build) {
    build.onLoad({ filter: /\.wgsl$/ }, async (args) => ({ contents: await shaderModule(args.path, undefined, conditionsOf(args.suffix ?? '')), loader: 'js', watchFiles: Object.keys(libSources()).map((k) => join(LIB, basename(k))) }));
  },
};

/** vitest / vite: the same, as a transform. */
export const wgslVitePlugin = {
  name: 'wgsl-linked-text',
  async transform(code, id) {
    const [path, query = ''] = id.split('?');
    if (path.endsWith('.wgsl')) return { code: await shaderModule(path, code, conditionsOf(query)), map: null };
  },
};
