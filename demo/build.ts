// Builds the browser demo into dist/demo/, the folder `npm run demo` serves:
//   app.js (+ .map)      demo/app.ts with the library's browser entry, one ES module
//   index.html, style.css copied from demo/
//   digits.bin           the embedded MNIST split (9,000 train + 1,000 test digits) as
//                        encodeDatasetBinary writes it: one ~7.9 MB fetch instead of
//                        ~21 MB of JSON, decoded in the page by decodeDatasetBinary
// Run as `npm run build:demo`; the browser tests call buildDemo() so they never
// test a stale bundle.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { wgslPlugin } from '../shaders/link.mjs';
import { encodeDatasetBinary } from '../src/data/binary.js';
import { loadEmbeddedMnist } from '../src/data/mnist-embedded.js';
import { DEMO_BUNDLE, DEMO_SOURCE } from './paths.js';

export const DATASET_FILE = 'digits.bin';
const STATIC_FILES = ['index.html', 'style.css'];

export async function buildDemo(out = DEMO_BUNDLE): Promise<void> {
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: [join(DEMO_SOURCE, 'app.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    plugins: [wgslPlugin],
    sourcemap: true,
    outfile: join(out, 'app.js'),
    logLevel: 'warning',
  });
  for (const f of STATIC_FILES) await copyFile(join(DEMO_SOURCE, f), join(out, f));
  await writeFile(join(out, DATASET_FILE), encodeDatasetBinary(loadEmbeddedMnist()));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildDemo().then(
    () => process.stderr.write(`webgpu-vae demo: built ${DEMO_BUNDLE}\n`),
    (e: Error) => {
      process.stderr.write(`webgpu-vae demo: build failed: ${e.message}\n`);
      process.exit(1);
    },
  );
}
