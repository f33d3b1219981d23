// Resume: a run continued from its training state ends with the parameters of a run
// never interrupted, bit for bit on the same adapter, and with the same metrics lines
// (none doubled or missing), whether it stopped at an epoch's end, on Ctrl-C in the
// middle of an epoch, by SIGKILL at any moment with --checkpoint-every, or by a lost
// device. A resume
// that asks for different settings is refused.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { cli } from './run.js';

const adapter = ['--adapter', process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'llvmpipe'];
// 64 steps per epoch, so a signal lands inside an epoch far more often than between two.
const settings = ['--limit-train', '1024', '--limit-test', '64', '--hidden', '16', '--latent', '2', '--batch-size', '16', '--seed', '5', ...adapter];
const EPOCHS = 3;
const dir = mkdtempSync(join(tmpdir(), 'webgpu-vae-resume-'));
const reference = join(dir, 'uninterrupted');

function train(...args: string[]) {
  const r = cli('train', ...args);
  if (r.code !== 0) throw new Error(`train ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** Every parameter's bits, by name. */
function parameterBits(run: string): Record<string, number[]> {
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(run, 'model.safetensors'))));
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, Array.from(new Uint32Array(t.data.slice().buffer))]));
}

/** metrics.jsonl without the wall-clock fields. */
function metrics(run: string): Record<string, unknown>[] {
  return readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { samples_per_s: _rate, seconds: _seconds, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

function expectSameRun(run: string): void {
  const got = parameterBits(run);
  const want = parameterBits(reference);
  expect(Object.keys(got)).toEqual(Object.keys(want));
  for (const name of Object.keys(want)) expect(got[name], name).toEqual(want[name]);
  expect(metrics(run)).toEqual(metrics(reference));
}

/** Starts a run, and once its first training state exists waits `delayMs` and sends `signal`. */
function trainUntilSignal(out: string, signal: NodeJS.Signals, delayMs: number, extra: string[] = []): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli.js', 'train', '--out', out, '--epochs', String(EPOCHS), ...settings, ...extra]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (!existsSync(join(out, 'training-state.safetensors'))) return;
      clearInterval(poll);
      setTimeout(() => child.kill(signal), delayMs);
    }, 5);
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr });
    });
  });
}

beforeAll(() => {
  train('--out', reference, '--epochs', String(EPOCHS), ...settings);
}, 120_000);

describe('train --resume', () => {
  it('continues a finished run to more epochs as if it had never stopped', () => {
    const run = join(dir, 'in-two-parts');
    train('--out', run, '--epochs', '1', ...settings);
    train('--resume', run, '--epochs', String(EPOCHS), ...adapter);
    expectSameRun(run);
  });

  it('on Ctrl-C saves the position inside the epoch, exits 130, and resumes exactly', async () => {
    const run = join(dir, 'interrupted');
    const r = await trainUntilSignal(run, 'SIGINT', 20);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(new RegExp(`interrupted at epoch \\d+, step \\d+ of 64; .*training-state.safetensors holds it: continue with 'webgpu-vae train --resume .* --epochs ${EPOCHS}'`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    train('--resume', run, ...adapter);
    expectSameRun(run);
  }, 120_000);

  it('after SIGKILL at any moment, resumes from the last --checkpoint-every state exactly', async () => {
    for (const delayMs of [0, 37, 150]) {
      const run = join(dir, `killed-${delayMs}`);
      const r = await trainUntilSignal(run, 'SIGKILL', delayMs, ['--checkpoint-every', '5']);
      expect(r.signal).toBe('SIGKILL');
      train('--resume', run, '--checkpoint-every', '5', ...adapter);
      expectSameRun(run);
    }
  }, 180_000);

  it('after the device is lost mid-run, names the last checkpoint, and resumes from it exactly', () => {
    const run = join(dir, 'device-lost');
    // WEBGPU_VAE_FAULT (src/cli/faults.ts) destroys the device after 150 steps, in epoch 3.
    const r = spawnSync(process.execPath, ['dist/cli.js', 'train', '--out', run, '--epochs', String(EPOCHS), '--checkpoint-every', '20', ...settings], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, WEBGPU_VAE_FAULT: 'lose-device:150' },
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/WebGPU device lost \(destroyed\).*; the last checkpoint is .*training-state\.safetensors \(epoch 3, step 12\): continue with 'webgpu-vae train --resume .*device-lost'/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    train('--resume', run, ...adapter);
    expectSameRun(run);
  });

  it('refuses settings that differ from the run, an --out, a shorter run and a directory without a state', () => {
    const cases: [string[], RegExp][] = [
      [['--resume', reference, '--hidden', '32'], /--hidden 32 differs from the run's --hidden 16; a resume continues .* with its own settings: drop --hidden, or start a new run with --out/],
      [['--resume', reference, '--out', join(dir, 'elsewhere')], /--out cannot be combined with --resume/],
      [['--resume', reference, '--epochs', '2'], /--epochs 2: the run in .* already has 3 epochs; ask for 3 or more/],
      [['--resume', join(dir, 'nowhere')], /--resume .*nowhere: no training-state.safetensors there/],
    ];
    for (const [args, message] of cases) {
      const r = cli('train', ...args, ...adapter);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    // The same value as the run's is not a difference.
    expect(cli('train', '--resume', reference, '--hidden', '16', '--epochs', String(EPOCHS), ...adapter).code).toBe(0);
  });
});
