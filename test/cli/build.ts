// vitest global setup for the CLI tests: `npm run build`, exactly the package's own
// build (dist/cli.js and the chunks it shares with the library entries), so the tests
// never run a stale one.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
}
