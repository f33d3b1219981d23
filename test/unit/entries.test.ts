// The browser entry must bundle for the browser: no Node module reachable from
// src/index.ts. esbuild fails to resolve `node:*` (and the Dawn package) under
// platform 'browser', so a stray import breaks this test, not a user's page.
import { build } from 'esbuild';
import { wgslPlugin } from '../../shaders/link.mjs';
import { describe, expect, it } from 'vitest';

describe('package entries', () => {
  it('bundles src/index.ts for the browser without Node modules', async () => {
    const result = await build({
      entryPoints: ['src/index.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      plugins: [wgslPlugin],
      logLevel: 'silent',
    });
    const text = result.outputFiles[0].text;
    expect(text).not.toMatch(/from\s*["']node:/);
    expect(text).not.toMatch(/dawn\.node/);
  });

  it('keeps Dawn out of the browser bundle but in the Node entry', async () => {
    const node = await build({
      entryPoints: ['src/node.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      external: ['webgpu'],
      plugins: [wgslPlugin],
      logLevel: 'silent',
    });
    // Loaded on first use (an optional dependency), so the entry imports without it.
    expect(node.outputFiles[0].text).toMatch(/import\(\s*["']webgpu["']\s*\)/);
    expect(node.outputFiles[0].text).not.toMatch(/from\s*["']webgpu["']/);
  });
});
