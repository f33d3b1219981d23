// The autotuner on a real device: it times the classes the device met, keeps a
// choice per class that is one of the candidates (the default unless another was
// faster by the margin), writes them to its store and, from a store that has them,
// times nothing; matmuls then run the chosen configuration and still match the
// reference; a trainer tunes its step before capturing it, and the step's result
// is the one an untuned trainer computes. File stores: a missing, broken or foreign
// file counts as empty, and a save is atomic JSON in the user's cache directory.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeGpu, type AdapterChoice } from '../../src/gpu/node-device.js';
import type { KernelCall } from '../../src/gpu/runtime.js';
import { matmul, type GemmProblem } from '../../src/ops/matmul.js';
import { Trainer } from '../../src/train/trainer.js';
import { matmulCandidates } from '../../src/tune/candidates.js';
import { defaultTuneFile, fileStore } from '../../src/tune/file-store.js';
import { memoryStore } from '../../src/tune/store.js';
import { problemKey } from '../../src/tune/table.js';
import { adapterKey, tune } from '../../src/tune/tuner.js';
import { Vae } from '../../src/models/vae.js';
import { uniform } from '../random.js';
import { matmulRef } from '../reference/matmul.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';
import { tolerance } from './matmul-check.js';
import { tinyConfig, tinyImages } from './tiny.js';

const PROBLEMS: GemmProblem[] = [
  { M: 37, N: 70, K: 19, transA: false, transB: true },
  { M: 70, N: 9, K: 37, transA: true, transB: false },
];

describe('tuner', () => {
  it('times the classes met, picks a candidate, saves it, and reuses the store without timing', async () => {
    const gpu = await testGpu();
    gpu.tuning.clear();
    for (const p of PROBLEMS) expect(gpu.tuning.lookup(p)).toBeUndefined();
    const store = memoryStore();
    const lines: string[] = [];
    const reports = await tune(gpu, { mode: 'quick', store, log: (l) => lines.push(l) });
    expect(reports.map((r) => r.key).sort()).toEqual(PROBLEMS.map(problemKey).sort());
    for (const r of reports) {
      const candidates = matmulCandidates(gpu, r.problem, 'quick').map((c) => JSON.stringify(c));
      expect(candidates).toContain(JSON.stringify(r.config));
      expect(r.candidates).toBe(candidates.length);
      expect(r.ms).toBeGreaterThan(0);
      // The default is kept unless the choice beat it by the margin.
      expect(r.ms <= r.defaultMs * 0.97 || JSON.stringify(r.config) === candidates[0]).toBe(true);
      expect(gpu.tuning.lookup(r.problem)).toEqual(r.config);
    }
    expect(lines).toHaveLength(PROBLEMS.length);
    const saved = (await store.load())[adapterKey(gpu)];
    expect(Object.keys(saved).sort()).toEqual(PROBLEMS.map(problemKey).sort());

    // A fresh table (a later run) takes the choices from the store and times nothing.
    gpu.tuning.clear();
    for (const p of PROBLEMS) gpu.tuning.lookup(p);
    expect(await tune(gpu, { mode: 'quick', store })).toEqual([]);
    for (const r of reports) expect(gpu.tuning.lookup(r.problem)).toEqual(r.config);
    // 'full' retunes what was only tuned quickly.
    expect(gpu.tuning.pending('full')).toHaveLength(PROBLEMS.length);
    gpu.tuning.clear();
  });

  it('off times nothing and changes nothing', async () => {
    const gpu = await testGpu();
    gpu.tuning.clear();
    gpu.tuning.lookup(PROBLEMS[0]);
    const store = memoryStore();
    expect(await tune(gpu, { mode: 'off', store })).toEqual([]);
    expect(await store.load()).toEqual({});
    expect(gpu.tuning.lookup(PROBLEMS[0])).toBeUndefined();
  });

  it('ignores a cached choice this device cannot run', async () => {
    const gpu = await testGpu();
    gpu.tuning.clear();
    const p = PROBLEMS[0];
    const bad = { config: { entry: 'main' as const, regM: 8 as const, regN: 8 as const, wgX: 64, wgY: 64, tileK: 16 }, ms: 1, defaultMs: 2, mode: 'full' as const, problem: p };
    const store = memoryStore({ [adapterKey(gpu)]: { [problemKey(p)]: bad } });
    gpu.tuning.lookup(p);
    const reports = await tune(gpu, { mode: 'quick', store });
    expect(reports).toHaveLength(1);
    expect(reports[0].config.wgX * reports[0].config.wgY).toBeLessThanOrEqual(256);
    gpu.tuning.clear();
  });

  it('a trainer tunes its step before capturing it, and trains the same numbers as without tuning', async () => {
    const adapter = (process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'auto') as AdapterChoice;
    const data = { train: tinyImages(48, 2, 11), test: tinyImages(16, 2, 12) };
    const config = tinyConfig();
    const results: Float32Array[] = [];
    for (const mode of ['off', 'quick'] as const) {
      // A device of its own each time, so the second starts with an empty table.
      const gpu = await createNodeGpu({ adapter, log: null });
      const model = new Vae(gpu, config, { seed: 3 });
      const store = memoryStore();
      const trainer = new Trainer(gpu, model, data, { batchSize: 16, epochs: 1, lr: 1e-2, seed: 3, tune: { mode, store } });
      await trainer.trainEpoch(1);
      results.push(await model.parameters.readFlat());
      const tuned = Object.keys((await store.load())[adapterKey(gpu)] ?? {});
      // The step's products: forward, dx and dW of each layer (fewer classes where shapes coincide).
      if (mode === 'quick') expect(tuned.length).toBeGreaterThanOrEqual(4);
      else expect(tuned).toEqual([]);
      trainer.dispose();
      model.dispose();
      await gpu.finish();
      gpu.destroy();
      gpu.device.destroy();
    }
    // Every configuration sums k in the same order, so tuning changes no bit.
    expect(results[1]).toEqual(results[0]);
  });

  it('matmuls use the tuned choice', async () => {
    const gpu = await testGpu();
    gpu.tuning.clear();
    const p = PROBLEMS[1];
    const store = memoryStore();
    gpu.tuning.lookup(p);
    await tune(gpu, { mode: 'quick', store });
    const chosen = gpu.tuning.lookup(p)!;
    const aData = uniform(p.M * p.K, 5);
    const bData = uniform(p.K * p.N, 6);
    const a = gpu.upload(aData, [p.K, p.M], 'a');
    const b = gpu.upload(bData, [p.K, p.N], 'b');
    const calls: KernelCall[] = [];
    const run = gpu.run.bind(gpu);
    gpu.run = (call) => {
      calls.push(call);
      run(call);
    };
    let y;
    try {
      y = matmul(gpu, a, b, { transA: true });
    } finally {
      gpu.run = run;
    }
    const ref = matmulRef(aData, bData, p.M, p.N, p.K, { transA: true });
    assertClose(await gpu.read(y), ref.c, tolerance(ref, p.K, 'identity'), 'tuned matmul');
    expect(calls).toHaveLength(1);
    expect(calls[0].entry).toBe(chosen.entry);
    expect(calls[0].constants).toMatchObject({ REG_M: chosen.regM, REG_N: chosen.regN, WG_X: chosen.wgX, WG_Y: chosen.wgY });
    gpu.release(a, b, y);
    gpu.tuning.clear();
  });
});

describe('shape classes', () => {
  it('round skinny sides to a multiple of 4 and the rest to a power of two, per transposition', () => {
    expect(problemKey({ M: 128, N: 20, K: 400, transA: false, transB: true })).toBe('NT 128x20x512');
    expect(problemKey({ M: 1000, N: 784, K: 33, transA: true, transB: false })).toBe('TN 1024x1024x64');
    expect(problemKey({ M: 1, N: 32, K: 5, transA: false, transB: false })).toBe('NN 4x32x8');
    // The same class: a batch of 1000 shares the choices of 1024; a different transposition does not.
    const a = { M: 1000, N: 400, K: 784, transA: false, transB: true };
    expect(problemKey(a)).toBe(problemKey({ ...a, M: 1024 }));
    expect(problemKey(a)).not.toBe(problemKey({ ...a, transB: false }));
  });
});

describe('tuning file store', () => {
  it('lives in $XDG_CACHE_HOME/webgpu-vae, else ~/.cache/webgpu-vae', () => {
    expect(defaultTuneFile({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/webgpu-vae/tuning.json');
    expect(defaultTuneFile({ HOME: '/home/u' })).toMatch(/\.cache\/webgpu-vae\/tuning\.json$/);
  });

  it('treats a missing, unparsable or foreign file as empty, and saves JSON it reads back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tune-store-'));
    const path = join(dir, 'sub', 'tuning.json');
    const store = fileStore(path);
    expect(await store.load()).toEqual({});
    const cache = { adapter: { 'NN 4x4x4': { config: { entry: 'direct' as const, regM: 8 as const, regN: 8 as const, wgX: 8, wgY: 4, tileK: 16 }, ms: 1, defaultMs: 1, mode: 'quick' as const, problem: PROBLEMS[0] } } };
    await store.save(cache);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(cache);
    expect(await store.load()).toEqual(cache);
    writeFileSync(path, '{ not json');
    expect(await store.load()).toEqual({});
    writeFileSync(path, JSON.stringify({ adapter: { key: { ms: 'fast' } } }));
    expect(await store.load()).toEqual({});
  });
});
