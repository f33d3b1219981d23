// What a normal run prints on stderr: the adapter line, progress, the result; nothing
// a user cannot act on. Dawn's start-up warnings (printed from C++ on llvmpipe at
// every adapter creation) are filtered by the launcher; run in-process (as the
// launcher's child, unfiltered) they appear, which shows the filter is what removes them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-stderr-'));
const args = ['dist/cli.js', 'train', '--epochs', '1', '--limit-train', '256', '--limit-test', '64', '--hidden', '16', '--latent', '2', '--batch-size', '64', '--adapter', 'llvmpipe'];
const ALLOWED = [/^webgpu-vae: adapter llvmpipe/, /^epoch 1\/1: train [\d.]+ {2}test [\d.]+ /, /^wrote .*\{model\.safetensors, config\.json, metrics\.jsonl, training-state\.safetensors, reconstructions\.png, samples\.png\}$/];

function train(out: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [...args, '--out', join(dir, out)], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr.trimEnd().split('\n');
}

describe('stderr of a normal run', () => {
  it('holds only the adapter line, the epoch line and the result', () => {
    const lines = train('filtered');
    expect(lines).toHaveLength(ALLOWED.length);
    lines.forEach((line, i) => expect(line).toMatch(ALLOWED[i]));
  });

  it("would hold Dawn's warnings without the launcher's filter", () => {
    const lines = train('unfiltered', { WEBGPU_VAE_CHILD: '1' });
    expect(lines.filter((l) => /artificially reduced/.test(l))).toHaveLength(2);
  });
});
