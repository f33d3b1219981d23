// The package's bundles, with shaders linked by shaders/link.mjs (esbuild's command
// line takes no plugins). Usage, with esbuild's own flag syntax for the few it needs:
//   node shaders/bundle.mjs ENTRY... (--outfile=F | --outdir=D) [--platform=node|browser]
//        [--packages=external] [--sourcemap] [--banner:js=TEXT] [--log-level=L]
// Always bundles as ES modules.
import { build } from 'esbuild';
import { wgslPlugin } from './link.mjs';

const entryPoints = [];
const options = { bundle: true, format: 'esm', plugins: [wgslPlugin], logLevel: 'info' };
for (const arg of process.argv.slice(2)) {
  const m = /^--([\w-]+)(?::(\w+))?(?:=(.*))?$/.exec(arg);
  if (!m) {
    entryPoints.push(arg);
    continue;
  }
  const [, key, sub, value] = m;
  if (key === 'outfile' || key === 'outdir' || key === 'platform' || key === 'packages') options[key] = value;
  else if (key === 'sourcemap') options.sourcemap = true;
  else if (key === 'log-level') options.logLevel = value;
  else if (key === 'banner' && sub) options.banner = { [sub]: value };
  else {
    process.stderr.write(`shaders/bundle.mjs: unknown flag ${arg}\n`);
    process.exit(2);
  }
}
await build({ ...options, entryPoints });
