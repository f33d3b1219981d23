// vitest global setup for the CLI tests: bundle src/cli/main.ts into dist/cli.js
// exactly as `npm run build:cli` does, so the tests never run a stale build.
import { build } from 'esbuild';
import { wgslPlugin } from '../../shaders/link.mjs';

export default async function setup(): Promise<void> {
  await build({
    entryPoints: ['src/cli/main.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    plugins: [wgslPlugin],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
}
