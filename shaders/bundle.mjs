// The package's bundles, with shaders linked by shaders/link.mjs (esbuild's command
// line takes no plugins). Usage, with esbuild's own flag syntax for the few it needs:
//   node shaders/bundle.mjs [NAME=]ENTRY... (--outfile=F | --outdir=D) [--platform=node|browser]
//        [--packages=external] [--splitting] [--sourcemap] [--banner:js=TEXT] [--log-level=L]
// Always bundles as ES modules. NAME=ENTRY names an output (index=src/index.ts gives
// index.js); --splitting puts code shared by the entries into chunk-HASH.js files, once
// (beside the entries, where every tool that ships dist/*.js finds them).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { wgslPlugin } from './link.mjs';

const entryPoints = {};
const unnamed = [];
const options = { bundle: true, format: 'esm', plugins: [wgslPlugin], logLevel: 'info' };
for (const arg of process.argv.slice(2)) {
  const m = /^--([\w-]+)(?::(\w+))?(?:=(.*))?$/.exec(arg);
  if (!m) {
    const named = /^(\w+)=(.+)$/.exec(arg);
    if (named) entryPoints[named[1]] = named[2];
    else unnamed.push(arg);
    continue;
  }
  const [, key, sub, value] = m;
  if (key === 'outfile' || key === 'outdir' || key === 'platform' || key === 'packages') options[key] = value;
  else if (key === 'sourcemap') options.sourcemap = true;
  else if (key === 'splitting') Object.assign(options, { splitting: true, chunkNames: '[name]-[hash]' });
  else if (key === 'log-level') options.logLevel = value;
  else if (key === 'banner' && sub) options.banner = { [sub]: value };
  else {
    process.stderr.write(`shaders/bundle.mjs: unknown flag ${arg}\n`);
    process.exit(2);
  }
}
const named = Object.keys(entryPoints).length > 0;
if (named && unnamed.length) {
  process.stderr.write('shaders/bundle.mjs: name every entry (NAME=ENTRY) or none\n');
  process.exit(2);
}
// Chunk names carry a content hash: drop the previous build's, or dist/ gathers them.
if (options.splitting && options.outdir && existsSync(options.outdir)) {
  for (const f of readdirSync(options.outdir, { withFileTypes: true })) if (f.isFile() && /^chunk-\w+\.js(\.map)?$/.test(f.name)) rmSync(join(options.outdir, f.name));
}
await build({ ...options, entryPoints: named ? entryPoints : unnamed });
