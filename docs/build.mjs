// The API reference, generated from the published declarations (dist/types/) by
// Microsoft's API Extractor (which carries its own TypeScript; TypeDoc's peer range
// stops before the TypeScript 7 this project builds with) and API Documenter:
// `npm run docs` writes one Markdown page per export to docs/api/. The Node entry is
// documented: it re-exports the whole browser entry and adds Dawn, files and the digits.
//   node docs/build.mjs [TYPES_DIR (dist/types)] [OUT_DIR (docs/api)]
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const types = resolve(process.argv[2] ?? join(root, 'dist/types'));
const out = resolve(process.argv[3] ?? join(root, 'docs/api'));
const model = join(dirname(out), `${basename(out)}-model`);
rmSync(model, { recursive: true, force: true });
mkdirSync(model, { recursive: true });

const config = ExtractorConfig.prepare({
  configObject: {
    projectFolder: root,
    mainEntryPointFilePath: join(types, 'node.d.ts'),
    compiler: { overrideTsconfig: { compilerOptions: { lib: ['ES2022', 'DOM'], types: ['@webgpu/types', 'node'], strict: true, skipLibCheck: true } } },
    docModel: { enabled: true, apiJsonFilePath: join(model, '<unscopedPackageName>.api.json') },
    apiReport: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    // The doc comments are prose for readers, not TSDoc: do not fail on their syntax.
    messages: { tsdocMessageReporting: { default: { logLevel: 'none' } }, extractorMessageReporting: { default: { logLevel: 'none' } }, compilerMessageReporting: { default: { logLevel: 'warning' } } },
  },
  configObjectFullPath: join(root, 'docs/api-extractor.json'),
  packageJsonFullPath: join(root, 'package.json'),
});
const result = Extractor.invoke(config, { localBuild: true });
if (!result.succeeded) {
  console.error(`docs: API Extractor failed (${result.errorCount} errors)`);
  process.exit(1);
}
const documenter = spawnSync(process.execPath, [join(root, 'node_modules/@microsoft/api-documenter/bin/api-documenter'), 'markdown', '-i', model, '-o', out], { stdio: 'inherit' });
process.exit(documenter.status ?? 1);
