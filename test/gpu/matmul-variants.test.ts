// Every configuration the tuner may pick, on any class of adapter, against the
// float64 reference on this adapter: the CPU adapters' spaces (llvmpipe's and
// SwiftShader's), the GPU space (tiled `main` and `main4`, single and double
// buffered, and the subgroup entry with this device's subgroup width), in both
// depths. Each runs a shape that fills no tile exactly (rows, columns and K all
// ragged), with the transpose combination rotating across configurations (for the
// vec4 entries with every side a multiple of 4, 'direct4a' among the layouts it
// reads), and a bias + activation epilogue on every other one; and a K long enough
// that the tiled entries walk many K tiles and `subgroup` many chunks, with a
// ragged last one.
import { describe, expect, it } from 'vitest';
import { checkConfig, describeMatmulConfig, maxSubgroupSize, readsVec4, type MatmulConfig } from '../../src/ops/matmul.js';
import { candidateSpace } from '../../src/tune/candidates.js';
import { testGpu } from './device.js';
import { check, TRANSPOSES } from './matmul-check.js';

const ADAPTERS = ['llvmpipe', 'swiftshader', 'gpu'] as const;

describe('matmul variants the tuner may pick', async () => {
  const gpu = await testGpu();
  const width = maxSubgroupSize(gpu);
  const seen = new Map<string, MatmulConfig>();
  for (const adapter of ADAPTERS) {
    // The space for that adapter class with this device's subgroups (0 where it has none).
    for (const c of [...candidateSpace(adapter, width, 'quick'), ...candidateSpace(adapter, width, 'full')]) seen.set(describeMatmulConfig(c), c);
  }
  const runnable = [...seen.values()].filter((c) => {
    try {
      checkConfig(gpu, c);
      return true;
    } catch {
      return false;
    }
  });

  it('includes every entry point this device can run', () => {
    const entries = new Set(runnable.map((c) => c.entry));
    for (const entry of ['direct', 'main', 'direct4', 'direct4a', 'main4'] as const) expect(entries.has(entry), entry).toBe(true);
    for (const entry of ['main', 'main4']) expect(runnable.some((c) => c.entry === entry && c.stages === 2), entry).toBe(true);
    // SwiftShader has the `subgroups` feature, llvmpipe does not.
    expect(entries.has('subgroup')).toBe(gpu.device.features.has('subgroups'));
    if (gpu.adapter.kind === 'swiftshader') expect(width).toBeGreaterThan(0);
  });

  it.each(runnable.map((c, i) => [describeMatmulConfig(c), c, i] as const))('%s', async (_name, config, i) => {
    // The vec4 entries take the layouts they read (src/ops/matmul.ts, vec4Entry), K a multiple of 4.
    const vec4 = readsVec4(config);
    const t = config.entry === 'direct4a' ? TRANSPOSES[i % 2] : TRANSPOSES[i % 4];
    const tileM = config.regM * config.wgY;
    const tileN = config.regN * config.wgX;
    // One tile and a ragged part of the next in each direction (for the vec4
    // entries a multiple of 4, which a side read along m or n needs).
    const M = tileM + (vec4 ? 4 : 3);
    const N = tileN + (vec4 ? 4 : 5);
    // The same constants in both, so one pipeline per configuration (a tiled one takes seconds to build on SwiftShader).
    const epilogue = i % 2 ? { bias: true, activation: 'gelu' as const } : {};
    await check({ M, N, K: vec4 ? 36 : 37, entry: config.entry, ...t, config, ...epilogue });
    await check({ M: vec4 ? 4 : 5, N: vec4 ? 8 : 7, K: vec4 ? 204 : 203, entry: config.entry, ...t, config, ...epilogue });
  });
});
