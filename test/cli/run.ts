// Runs the built command as a user would, capturing stdout, stderr and the exit code.
import { spawnSync } from 'node:child_process';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and expects success, returning the parsed --json line. */
export function cliJson(...args: string[]): Record<string, any> {
  const r = cli(...args, '--json');
  if (r.code !== 0) throw new Error(`webgpu-vae ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}
