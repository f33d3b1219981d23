// Bring your own device: a program that creates its device with its own code (Dawn's
// `create`, as in the `webgpu` README) and hands it to `new Gpu(device)`. A device with
// default limits is refused at once with the limit to request; one created with
// requiredLimits(adapter) runs the kernels, recognised as the CPU adapter it is; the
// host's own errors stay the host's while the library's are still reported; a host
// shader that shares a name with ours is another shader; and `wrap` turns a caller's
// buffer into a tensor after checking it.
import { create } from 'webgpu';
import { afterAll, describe, expect, it } from 'vitest';
import { Gpu } from '../../src/gpu/runtime.js';
import { cpuImplementation } from '../../src/gpu/describe.js';
import { requiredLimits } from '../../src/gpu/limits.js';
import { GpuValidationError, LimitError, ShapeError } from '../../src/gpu/errors.js';
import { defineShader } from '../../src/gpu/define-shader.js';
import { BufferUsage } from '../../src/gpu/flags.js';
import { fill } from '../../src/ops/elementwise.js';
import { matmul } from '../../src/ops/matmul.js';
import { matmulRef } from '../reference/matmul.js';
import { uniform } from '../random.js';
import { assertClose } from '../tolerance.js';
import scaleWgsl from './fixtures/scale.wgsl';

const kind = process.env.WEBGPU_VAE_TEST_ADAPTER as 'llvmpipe' | 'swiftshader';

// A host keeps Dawn's instance referenced as long as its devices live: Dawn tears
// the instance down when it is collected, and the process dies in a driver thread.
const instances: GPU[] = [];

/** The caller's own acquisition, as a host application would write it (no library code). */
async function callerAdapter(): Promise<{ instance: GPU; adapter: GPUAdapter }> {
  const { instance, adapter } = await openAdapter();
  instances.push(instance);
  return { instance, adapter };
}

async function openAdapter(): Promise<{ instance: GPU; adapter: GPUAdapter }> {
  if (kind === 'llvmpipe') {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    const instance = create(['backend=opengles']);
    return { instance, adapter: (await instance.requestAdapter({ featureLevel: 'compatibility' }))! };
  }
  process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
  const instance = create(['backend=vulkan']);
  const adapter = (await instance.requestAdapter())!;
  delete process.env.VK_ICD_FILENAMES;
  return { instance, adapter };
}

const devices: GPUDevice[] = [];
afterAll(() => devices.forEach((d) => d.destroy()));

async function callerGpu(): Promise<{ gpu: Gpu; device: GPUDevice; adapter: GPUAdapter }> {
  const { instance, adapter } = await callerAdapter();
  const device = await adapter.requestDevice({ requiredLimits: requiredLimits(adapter) });
  devices.push(device);
  // `owner` keeps Dawn's instance alive as long as the runtime: dropping it ends the process.
  return { gpu: new Gpu(device, { owner: instance }), device, adapter };
}

describe(`a caller's own ${kind} device`, () => {
  it('with default limits is refused at once, naming the limit to request', async () => {
    const { adapter } = await callerAdapter();
    const device = await adapter.requestDevice();
    devices.push(device);
    expect(() => new Gpu(device)).toThrow(LimitError);
    expect(() => new Gpu(device)).toThrow(/allows \d+ storage buffers per shader stage \(maxStorageBuffersPerShaderStage\) and the kernels bind up to 9; create it with adapter.requestDevice\(\{ requiredLimits: requiredLimits\(adapter\) \}\)/);
  });

  it('with requiredLimits runs a matmul against the float64 reference, configured for its CPU adapter', async () => {
    const { gpu } = await callerGpu();
    expect(cpuImplementation(gpu.adapter)).toBe(kind);
    const [M, N, K] = [37, 29, 53];
    const a = uniform(M * K, 1);
    const b = uniform(K * N, 2);
    const c = await gpu.read(matmul(gpu, gpu.upload(a, [M, K], 'a'), gpu.upload(b, [K, N], 'b')));
    const ref = matmulRef(a, b, M, N, K);
    assertClose(c, ref.c, { atol: 1e-5, rtol: 1e-5 }, 'caller-device matmul');
    gpu.destroy();
  });

  it("leaves the host's errors to the host, and still reports its own", async () => {
    const { gpu, device } = await callerGpu();
    const seen: string[] = [];
    device.addEventListener('uncapturederror', (e) => seen.push((e as GPUUncapturedErrorEvent).error.message));
    // The host's mistake: a mappable storage buffer is invalid.
    device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.STORAGE });
    const t = gpu.upload([1, 2, 3, 4], [4], 't');
    await gpu.read(t);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(1);
    // The library's mistake (here forced: a kernel on a destroyed buffer) is the library's.
    const gone = gpu.empty([4], 'gone');
    gone.buffer.destroy();
    fill(gpu, gone, 1);
    await expect(gpu.read(t)).rejects.toThrow(GpuValidationError);
    expect(seen).toHaveLength(1);
    gpu.destroy();
  });

  it("keeps a host shader named like one of the library's apart from it", async () => {
    const { gpu } = await callerGpu();
    const ours = defineShader('scale', scaleWgsl);
    // The host's 'scale' computes something else: y = x * 10.
    const theirs = defineShader('scale', scaleWgsl.replace('params.a * x[i]', '10.0 * x[i]'));
    expect(theirs.source).not.toBe(ours.source);
    const x = gpu.upload([1, 2, 3, 4], [4], 'x');
    const run = async (shader: typeof ours) => {
      const y = gpu.empty([4], 'y');
      gpu.run({ shader, bindings: { x, y }, params: { n: 4, a: 2, b: 0 }, workgroups: [1] });
      return Array.from(await gpu.read(y));
    };
    expect(await run(ours)).toEqual([2, 4, 6, 8]);
    expect(await run(theirs)).toEqual([10, 20, 30, 40]);
    gpu.destroy();
  });

  it("wraps a caller's buffer after checking its usage, alignment and size", async () => {
    const { gpu, device } = await callerGpu();
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    const buffer = device.createBuffer({ label: 'host-data', size: 1024, usage });
    const align = device.limits.minStorageBufferOffsetAlignment;
    const t = gpu.wrap(buffer, [2, 3], { offset: align });
    fill(gpu, t, 7);
    expect(Array.from(await gpu.read(t))).toEqual([7, 7, 7, 7, 7, 7]);
    // The bytes before the offset are the host's, untouched (zero-initialised).
    expect(Array.from(await gpu.read(gpu.wrap(buffer, [align / 4])))).toEqual(new Array(align / 4).fill(0));
    gpu.release(t); // not pooled: the buffer stays the caller's
    expect(() => gpu.wrap(device.createBuffer({ label: 'uniforms', size: 64, usage: BufferUsage.UNIFORM }), [4])).toThrow(/wrap\('uniforms'\): the buffer lacks GPUBufferUsage.STORAGE/);
    expect(() => gpu.wrap(buffer, [4], { offset: 4 })).toThrow(new RegExp(`offset 4 must be a multiple of ${align}`));
    expect(() => gpu.wrap(buffer, [300])).toThrow(ShapeError);
    expect(() => gpu.wrap(buffer, [300])).toThrow(/\[300\] from byte 0 needs 1200 bytes; the buffer has 1024/);
    gpu.destroy();
  });
});
