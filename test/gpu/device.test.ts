// Device acquisition and the runtime's error surface: the adapter asked for is the
// one described, a caller's own GPUDevice works, and lost devices, validation
// errors and bad adapter names come back as typed errors with useful messages.
import { describe, expect, it } from 'vitest';
import { createNodeGpu } from '../../src/gpu/node-device.js';
import { adapterLine } from '../../src/gpu/describe.js';
import { DeviceLostError, GpuValidationError, NoAdapterError } from '../../src/gpu/errors.js';
import { Gpu } from '../../src/gpu/runtime.js';
import { defineShader } from '../../src/gpu/define-shader.js';
import scaleWgsl from './fixtures/scale.wgsl';
import { testGpu } from './device.js';

const scale = defineShader('scale', scaleWgsl);
const adapterName = process.env.WEBGPU_VAE_TEST_ADAPTER;

async function runScale(gpu: Gpu): Promise<Float32Array> {
  const x = gpu.upload([1, 2, 3], [3], 'x');
  const y = gpu.empty([3], 'y');
  gpu.run({ shader: scale, bindings: { x, y }, params: { n: 3, a: 10, b: 1 }, workgroups: [1] });
  const out = await gpu.read(y);
  gpu.release(x, y);
  return out;
}

describe('device acquisition', () => {
  it('describes the adapter it was asked for, with its feature level', async () => {
    const gpu = await testGpu();
    expect(gpu.adapter.kind).toBe(adapterName);
    const expected = adapterName === 'llvmpipe' ? 'compatibility' : 'core';
    expect(gpu.adapter.featureLevel).toBe(expected);
    expect(gpu.adapter.name).toMatch(adapterName === 'llvmpipe' ? /llvmpipe/i : /swiftshader/i);
    // The widest kernel needs more storage buffers than compatibility mode's default.
    expect(gpu.device.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(9);
  });

  it('runs on a device the caller brings', async () => {
    const owner = await testGpu();
    const byo = new Gpu(owner.device);
    expect(byo.adapter.kind).toBe('external');
    expect(await runScale(byo)).toEqual(new Float32Array([11, 21, 31]));
    byo.destroy();
  });

  it('names the choices when the adapter name is unknown', async () => {
    await expect(createNodeGpu({ adapter: 'tpu' as never, log: null })).rejects.toThrow(NoAdapterError);
    await expect(createNodeGpu({ adapter: 'tpu' as never, log: null })).rejects.toThrow(/auto, gpu, llvmpipe, swiftshader/);
  });

  it('surfaces a validation error in its own work as a typed error, and goes on working', async () => {
    const gpu = await testGpu();
    const gone = gpu.empty([4], 'gone');
    gone.buffer.destroy();
    gpu.write(gone, [1, 2, 3, 4]);
    await expect(gpu.finish()).rejects.toThrow(GpuValidationError);
    expect(await runScale(gpu)).toEqual(new Float32Array([11, 21, 31]));
  });

  it('labels the unsafe benchmark mode, and kernels still compute the same', async () => {
    const gpu = await createNodeGpu({ adapter: adapterName as never, log: null, unsafe: true });
    expect(gpu.adapter.unsafe).toBe(true);
    expect(adapterLine(gpu.adapter)).toMatch(/UNSAFE: robustness checks off/);
    expect(await runScale(gpu)).toEqual(new Float32Array([11, 21, 31]));
    gpu.destroy();
    gpu.device.destroy();
  });

  it('reports a lost device as DeviceLostError', async () => {
    const gpu = await createNodeGpu({ adapter: adapterName as never, log: null });
    gpu.device.destroy();
    await gpu.device.lost;
    expect(() => gpu.flush()).toThrow(DeviceLostError);
  });
});

describe('profiling', () => {
  it('times each dispatch by kernel name where timestamps exist, else says why not', async () => {
    const gpu = await testGpu();
    if (!gpu.canProfile) {
      expect(() => gpu.startProfiling()).toThrow(/timestamp-query/);
      return;
    }
    const x = gpu.upload([1, 2, 3], [3], 'x');
    const y = gpu.empty([3], 'y');
    gpu.startProfiling();
    for (let i = 0; i < 3; i++) gpu.run({ shader: scale, bindings: { x, y }, params: { n: 3, a: 1, b: 0 }, workgroups: [1] });
    const timings = await gpu.stopProfiling();
    expect(timings.map((t) => t.label)).toEqual(['scale:main', 'scale:main', 'scale:main']);
    for (const t of timings) expect(t.ms).toBeGreaterThanOrEqual(0);
    gpu.release(x, y);
  });
});
