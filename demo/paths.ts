// Where the demo's sources and bundle live. The tools run both from source (vitest
// imports them) and bundled into dist/demo-tools/, so paths are found from the
// package root (the nearest folder holding package.json), not from the file itself.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}; run the demo tools from the webgpu-vae checkout`);
    dir = up;
  }
  return dir;
}

const PACKAGE_ROOT = packageRoot();
/** The demo's sources: the page (index.html, style.css) and app.ts with its modules. */
export const DEMO_SOURCE = join(PACKAGE_ROOT, 'demo');
/** The bundle: the only folder the demo server serves. */
export const DEMO_BUNDLE = join(PACKAGE_ROOT, 'dist', 'demo');
