// A process killed in the middle of saving a checkpoint leaves the previous one
// loadable (src/io/files.ts: temporary file, fsync, rename, directory fsync). A child
// (fixtures/checkpoint-writer.ts, bundled here) saves version after version; it is
// SIGKILLed at varied moments, many times, and after every kill the checkpoint must
// load, hold one version throughout (never a mix of two), and that version must be
// one that was written. Stray temporary files may remain, but under names no loader
// reads.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { wgslPlugin } from '../../shaders/link.mjs';
import { loadCheckpoint } from '../../src/vae/checkpoint-files.js';
import { writeVersion } from './fixtures/checkpoint-writer.js';

const KILLS = 30;
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-kill-'));
// Inside the repository, so the bundle's external packages resolve from node_modules.
const writer = 'dist/test/checkpoint-writer.mjs';

beforeAll(async () => {
  await build({ entryPoints: ['test/unit/fixtures/checkpoint-writer.ts'], bundle: true, format: 'esm', platform: 'node', packages: 'external', plugins: [wgslPlugin], outfile: writer, logLevel: 'warning' });
  await writeVersion(dir, 0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a writer at version `first`, kills it `delay` ms into its first save; resolves with the last version it reported done. */
function killDuringWrites(first: number, delay: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!timer && out.includes('writing')) timer = setTimeout(() => child.kill('SIGKILL'), delay);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited ${code ?? signal} before the kill:\n${out}`));
      const done = [...out.matchAll(/^wrote (\d+)$/gm)].map((m) => Number(m[1]));
      resolve(done.length ? done[done.length - 1] : first - 1);
    });
  });
}

it(`a checkpoint survives ${KILLS} kills in the middle of writes`, async () => {
  let weights = 0;
  let config = 0;
  let temps = 0;
  for (let k = 0; k < KILLS; k++) {
    // From 0 to ~3 saves in, so the kill lands at every stage of a save.
    const reported = await killDuringWrites(weights + 1, Math.floor(Math.random() * 60));
    const ckpt = await loadCheckpoint(dir);
    const versions = new Set(Object.values(ckpt.values).flatMap((v) => [...new Set(v)]));
    expect(versions.size, `kill ${k}: one version in every tensor`).toBe(1);
    const [w] = versions;
    // The version reported done, or the one in flight if its rename had happened.
    expect(w, `kill ${k}`).toBeGreaterThanOrEqual(Math.max(weights, reported));
    expect(w, `kill ${k}`).toBeLessThanOrEqual(reported + 1);
    // config.json follows model.safetensors, so it is never ahead of the weights.
    const c = Number(ckpt.config.training?.version);
    expect(c).toBeGreaterThanOrEqual(config);
    expect(c).toBeLessThanOrEqual(w);
    [weights, config] = [w, c];
    const stray = readdirSync(dir).filter((f) => f !== 'model.safetensors' && f !== 'config.json');
    for (const f of stray) expect(f).toMatch(/^\.(model\.safetensors|config\.json)\.\d+\.[0-9a-f]{12}\.tmp$/);
    temps = stray.length;
  }
  // Some kill did land inside a write (it left a temporary file).
  expect(temps).toBeGreaterThan(0);
  expect(weights).toBeGreaterThan(0);
}, 120_000);
