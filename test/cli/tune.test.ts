// `--tune` from the command line: a quick tuning times the step's GEMM classes once
// (one stderr line each), keeps them in $XDG_CACHE_HOME/webgpu-vae/tuning.json, and
// the next run takes them from there without timing; the tuned run trains the very
// parameters the untuned one does (tuning picks kernels, not results).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-tune-'));
process.env.XDG_CACHE_HOME = join(dir, 'cache');
const cacheFile = join(dir, 'cache', 'webgpu-vae', 'tuning.json');
const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
const tiny = ['--epochs', '1', '--limit-train', '256', '--limit-test', '64', '--hidden', '16', '--latent', '2', '--batch-size', '64', ...adapter];
const tunedLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('webgpu-vae: tuned GEMM '));

describe('train --tune', () => {
  it('tunes once, caches, reuses, and changes no parameter', () => {
    const off = cli('train', '--out', join(dir, 'off'), '--tune', 'off', ...tiny);
    expect(off.code).toBe(0);
    expect(tunedLines(off.stderr)).toEqual([]);
    expect(existsSync(cacheFile)).toBe(false);

    const first = cli('train', '--out', join(dir, 'first'), '--tune', 'quick', ...tiny);
    expect(first.code, first.stderr).toBe(0);
    const lines = tunedLines(first.stderr);
    // fc1, fc21/fc22, fc3, fc4: forward, dx and dW, some sharing a class.
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const l of lines) expect(l).toMatch(/^webgpu-vae: tuned GEMM [NT]{2} \d+x\d+x\d+( unaligned)?: \w+ \d+×\d+ tile.*, [\d.]+ ms \(default [\d.]+ ms, \d+ candidates\)$/);
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, Record<string, unknown>>;
    const [key] = Object.keys(cache);
    expect(key).toMatch(/^llvmpipe|^swiftshader/);
    expect(Object.keys(cache[key])).toHaveLength(lines.length);

    const second = cli('train', '--out', join(dir, 'second'), '--tune', 'quick', ...tiny);
    expect(second.code).toBe(0);
    expect(tunedLines(second.stderr)).toEqual([]);

    const params = (run: string) => readFileSync(join(dir, run, 'model.safetensors'));
    expect(params('first').equals(params('off'))).toBe(true);
    expect(params('second').equals(params('off'))).toBe(true);
  });
});
