// Types of shaders/link.mjs (plain JavaScript, so that the package's build scripts
// run in Node without a TypeScript step).
import type { Plugin } from 'esbuild';

/** A shader's WGSL with its `import package::lib::...` lines linked in. */
export function linkShader(path: string, source?: string): Promise<string>;
/** The JavaScript module a `.wgsl` import becomes: the linked text (default) and its `reflection`. */
export function shaderModule(path: string, source?: string): Promise<string>;
/** esbuild: `.wgsl` imports load as their linked text and its reflection. */
export const wgslPlugin: Plugin;
/** vitest / vite: the same, as a transform. */
export const wgslVitePlugin: { name: string; transform(code: string, id: string): Promise<{ code: string; map: null } | undefined> };
