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
import { conv2dBackwardWeight, convTranspose2d } from '../../src/ops/conv.js';
import { matmul, type GemmProblem } from '../../src/ops/matmul.js';
import { Trainer } from '../../src/train/trainer.js';
import { matmulCandidates } from '../../src/tune/candidates.js';
import { defaultTuneFile, fileStore } from '../../src/tune/file-store.js';
import { memoryStore } from '../../src/tune/store.js';
import { problemKey } from '../../src/tune/table.js';
import { adapterKey, tune } from '../../src/tune/tuner.js';
import { Vae } from '../../src/models/vae.js';
import { uniform } from '../random.js';
import { conv2dGradRef, convTranspose2dRef } from '../reference/conv.js';
import { matmulRef } from '../reference/matmul.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';
import { tolerance } from './matmul-check.js';
import { tinyConfig, tinyImages } from './tiny.js';
import { imageDataset } from '../../src/data/dataset.js';
import { mulberry32 } from '../../src/random.js';

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
    const next = mulberry32(13);
    const images6 = (n: number) => imageDataset({ images: Float32Array.from({ length: n * 36 }, () => next()), rows: 6, cols: 6, name: 'tiny 6x6' });
    const cases = [
      { name: 'dense', config: tinyConfig(), data: { train: tinyImages(48, 2, 11), test: tinyImages(16, 2, 12) } },
      // The conv step's GEMMs are tuned too (conv-forward, -data by columns, -weight).
      { name: 'conv', config: tinyConfig({ network: 'conv', channels: [3, 4], inputSize: 36, imageRows: 6, imageCols: 6 }), data: { train: images6(48), test: images6(16) } },
    ];
    for (const { name, config, data } of cases) {
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
        if (mode === 'quick') expect(tuned.length, name).toBeGreaterThanOrEqual(4);
        else expect(tuned, name).toEqual([]);
        if (mode === 'quick' && name === 'conv') expect(tuned.filter((k) => k.startsWith('conv-')).length).toBeGreaterThanOrEqual(3);
        trainer.dispose();
        model.dispose();
        await gpu.finish();
        gpu.destroy();
        gpu.device.destroy();
      }
      // Every configuration sums k in the same order, so tuning changes no bit.
      expect(results[1], name).toEqual(results[0]);
    }
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

describe('tuning the conv GEMMs', () => {
  it('times the conv GEMMs met, never with the subgroup entry, and runs the choice with the same bits as the default', async () => {
    const gpu = await testGpu();
    gpu.tuning.clear();
    // A conv's weight gradient (CONV_WEIGHT), and a transposed conv to one channel,
    // which runs by columns: its 1x1 GEMM is what is tuned (src/ops/conv.ts).
    const s = { B: 2, C: 3, H: 9, W: 8, O: 5, kh: 3, kw: 3, stride: 2, padding: 1, dilation: 1, outputPadding: 1 };
    const xData = uniform(2 * 3 * 9 * 8, 21), gData = uniform(2 * 5 * 5 * 4, 22);
    const t = { B: 2, C: 4, H: 5, W: 4, O: 1, kh: 3, kw: 3, stride: 2, padding: 1, dilation: 1, outputPadding: 1 };
    const tData = uniform(2 * 4 * 5 * 4, 23), wtData = uniform(4 * 9, 24);
    const x = gpu.upload(xData, [2, 3, 9, 8], 'x'), g = gpu.upload(gData, [2, 5, 5, 4], 'g');
    const tx = gpu.upload(tData, [2, 4, 5, 4], 'tx'), wt = gpu.upload(wtData, [4, 1, 3, 3], 'wt');
    const run = () => [
      conv2dBackwardWeight(gpu, x, g, [3, 3], { stride: 2, padding: 1 }),
      convTranspose2d(gpu, tx, wt, { stride: 2, padding: 1, outputPadding: 1 }),
    ];
    const untuned = run();
    const before = await Promise.all(untuned.map((y) => gpu.read(y)));
    const reports = await tune(gpu, { mode: 'quick', store: memoryStore() });
    expect(reports.map((r) => r.key).sort()).toEqual(['conv-forward-kn 1x1/1 64x12x4', 'conv-weight 3x3/2 28x8x64']);
    for (const r of reports) {
      expect(r.config.entry).not.toBe('subgroup');
      expect(matmulCandidates(gpu, r.problem, 'quick').map((c) => JSON.stringify(c))).toContain(JSON.stringify(r.config));
    }
    const calls: KernelCall[] = [];
    const launch = gpu.run.bind(gpu);
    gpu.run = (call) => {
      calls.push(call);
      launch(call);
    };
    let tuned: ReturnType<typeof run>;
    try {
      tuned = run();
    } finally {
      gpu.run = launch;
    }
    const gemms = calls.filter((c) => c.entry === 'conv_direct' || c.entry === 'main');
    expect(gemms).toHaveLength(2);
    for (const [i, r] of [reports.find((r) => r.key.startsWith('conv-weight'))!, reports.find((r) => r.key.startsWith('conv-forward'))!].entries()) {
      expect(gemms[i].constants).toMatchObject({ REG_M: r.config.regM, REG_N: r.config.regN, WG_X: r.config.wgX, WG_Y: r.config.wgY });
    }
    // Every configuration sums k in the same order: the same bits, and the float64 values.
    const after = await Promise.all(tuned.map((y) => gpu.read(y)));
    expect(after).toEqual(before);
    const refs = [conv2dGradRef(xData, uniform(5 * 3 * 9, 25), gData, s).dw, convTranspose2dRef(tData, wtData, t).y];
    for (const [i, ref] of refs.entries()) assertClose(after[i], ref, { atol: 1e-5, rtol: 1e-5 }, `tuned conv GEMM ${i}`);
    gpu.release(x, g, tx, wt, ...untuned, ...tuned);
    gpu.tuning.clear();
  });
});

describe('shape classes', () => {
  it('round skinny sides to a multiple of 4 and the rest to a power of two, per transposition and K alignment', () => {
    expect(problemKey({ M: 128, N: 20, K: 400, transA: false, transB: true })).toBe('NT 128x20x512');
    expect(problemKey({ M: 1000, N: 784, K: 33, transA: true, transB: false })).toBe('TN 1024x1024x64 unaligned');
    expect(problemKey({ M: 1, N: 32, K: 5, transA: false, transB: false })).toBe('NN 4x32x8 unaligned');
    // K = 37 and 40 round alike, but only 40 can run the vec4 entries.
    expect(problemKey({ M: 64, N: 64, K: 37, transA: false, transB: true })).not.toBe(problemKey({ M: 64, N: 64, K: 40, transA: false, transB: true }));
    // The same class: a batch of 1000 shares the choices of 1024; a different transposition does not.
    const a = { M: 1000, N: 400, K: 784, transA: false, transB: true };
    expect(problemKey(a)).toBe(problemKey({ ...a, M: 1024 }));
    expect(problemKey(a)).not.toBe(problemKey({ ...a, transB: false }));
  });

  it('key a conv GEMM by its mode, kernel and stride, then its rounded GEMM', () => {
    const conv = (mode: 'forward' | 'data' | 'weight', kernel: [number, number], stride: number, weightKN?: boolean): GemmProblem['conv'] => ({
      mode, imageShape: [], otherShape: [], outShape: [], M: 0, N: 0, K: 0, grid: [1, 1], src: [1, 1, 1], kernel, g: { stride, padding: 1, dilation: 1 }, weightKN,
    });
    const p = { M: 288, N: 64, K: 6272, transA: false, transB: false };
    expect(problemKey({ ...p, conv: conv('weight', [3, 3], 2) })).toBe('conv-weight 3x3/2 512x64x8192');
    expect(problemKey({ ...p, conv: conv('forward', [1, 1], 1, true) })).toBe('conv-forward-kn 1x1/1 512x64x8192');
    expect(problemKey({ ...p, conv: conv('data', [3, 3], 2) })).not.toBe(problemKey({ ...p, conv: conv('data', [3, 3], 1) }));
    expect(problemKey({ ...p, conv: conv('forward', [3, 3], 2) })).not.toBe(problemKey(p));
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
