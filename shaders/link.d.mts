// Types of shaders/link.mjs (plain JavaScript, so that the package's build scripts
// run in Node without a TypeScript step).
import type { Plugin } from 'esbuild';

/** The wesl conditions named by an import's query: `?half_a&half_b` gives { half_a: true, half_b: true }. */
export function conditionsOf(query: string): Record<string, boolean>;
/** WGSL without its // comments, every line kept (block comments are refused). */
export function withoutComments(path: string, wgsl: string): string;
/** A shader's WGSL with its `import package::...` lines linked in and its `@if`s decided by `conditions`. */
export function linkShader(path: string, source?: string, conditions?: Record<string, boolean>): Promise<string>;
/** The JavaScript module a `.wgsl` import becomes: the linked text (default) and its `reflection`. */
export function shaderModule(path: string, source?: string, conditions?: Record<string, boolean>): Promise<string>;
/** esbuild: `.wgsl` imports load as their linked text and its reflection. */
export const wgslPlugin: Plugin;
/** vitest / vite: the same, as a transform. */
export const wgslVitePlugin: { name: string; transform(code: string, id: string): Promise<{ code: string; map: null } | undefined> };
