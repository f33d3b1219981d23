// The runtime's guards for long-running and embedded use: a tensor that a live
// captured program uses cannot be released; a request beyond the adapter's limits is
// refused before anything is dispatched, naming the limit and the fix; and after the
// device is lost, `lost` resolves and every use throws DeviceLostError, including a
// read that was in flight.
import { describe, expect, it } from 'vitest';
import { createNodeGpu, type AdapterChoice } from '../../src/gpu/node-device.js';
import { DeviceLostError, LimitError, TensorInUseError } from '../../src/gpu/errors.js';
import { axpy, fill } from '../../src/ops/elementwise.js';
import { defineShader } from '../../src/gpu/define-shader.js';
import scaleWgsl from './fixtures/scale.wgsl';
import { testGpu } from './device.js';

const scale = defineShader('scale', scaleWgsl);

const adapter = (process.env.WEBGPU_VAE_TEST_ADAPTER ?? 'auto') as AdapterChoice;

describe('captured programs own their tensors', () => {
  it('refuses to release a tensor a live program uses, and allows it once the program is disposed', async () => {
    const gpu = await testGpu();
    const x = gpu.upload([1, 2, 3], [3], 'x');
    const y = gpu.upload([0, 0, 0], [3], 'y');
    const program = gpu.capture('accumulate', () => {
      const t = gpu.empty([3], 'scratch');
      fill(gpu, t, 2);
      axpy(gpu, 1, t, y);
      axpy(gpu, 1, x, y);
      // Released inside the capture: the program's own scratch (its arena), not an error.
      gpu.release(t);
    });
    gpu.replay(program);
    expect(Array.from(await gpu.read(y))).toEqual([6, 8, 10]);
    for (const t of [x, y]) expect(() => gpu.release(t)).toThrow(TensorInUseError);
    expect(() => gpu.release(x)).toThrow(/is read or written by the captured program 'accumulate'; dispose the program \(gpu.disposeProgram\) before releasing it/);
    // The refused release did not happen: the program still replays on intact buffers.
    gpu.replay(program);
    expect(Array.from(await gpu.read(y))).toEqual([9, 12, 15]);
    gpu.disposeProgram(program);
    expect(() => gpu.replay(program)).toThrow(/replay of a disposed program/);
    gpu.release(x, y);
  });
});

describe('adapter limits', () => {
  it('refuses a buffer larger than maxBufferSize before creating it', async () => {
    const gpu = await testGpu();
    const max = gpu.device.limits.maxBufferSize;
    const created = gpu.pool.stats.buffersCreated;
    expect(() => gpu.empty([max / 4 + 1], 'huge')).toThrow(LimitError);
    expect(() => gpu.empty([max / 4 + 1], 'huge')).toThrow(/tensor 'huge' .* needs .* MiB, more than this adapter's largest buffer \(maxBufferSize .* MiB\); use a smaller batch \(--batch-size\) or another adapter/);
    expect(gpu.pool.stats.buffersCreated).toBe(created);
  });

  it('refuses a binding larger than maxStorageBufferBindingSize and a grid larger than the adapter dispatches', async () => {
    const gpu = await testGpu();
    const { maxStorageBufferBindingSize: binding, maxBufferSize: buffer, maxComputeWorkgroupsPerDimension: groups } = gpu.device.limits;
    if (binding < buffer) {
      // llvmpipe: 128 MiB bindings in 2 GiB buffers.
      const big = gpu.empty([binding / 4 + 64], 'big');
      expect(() => fill(gpu, big, 0)).toThrow(/binding 'y' .* is .* MiB, more than this adapter binds \(maxStorageBufferBindingSize .* MiB\); use a smaller batch/);
      gpu.release(big);
    }
    // A grid past the per-dimension maximum.
    const x = gpu.upload([1, 2, 3, 4], [4], 'x');
    const t = gpu.empty([4], 't');
    expect(() => gpu.prepare({ shader: scale, bindings: { x, y: t }, params: { n: 4, a: 1, b: 0 }, workgroups: [groups + 1] })).toThrow(
      new RegExp(`kernel 'scale.*' needs ${groups + 1} workgroups along one axis, more than this adapter dispatches \\(maxComputeWorkgroupsPerDimension ${groups}\\); use a smaller batch`),
    );
    gpu.release(x);
    gpu.release(t);
  });
});

describe('device loss', () => {
  it('resolves `lost`, fails an in-flight read and every later use with DeviceLostError', async () => {
    const gpu = await createNodeGpu({ adapter, log: null });
    const x = gpu.upload([1, 2, 3], [3], 'x');
    fill(gpu, x, 4);
    const reading = gpu.read(x);
    gpu.device.destroy();
    const lost = await gpu.lost;
    expect(lost).toBeInstanceOf(DeviceLostError);
    expect(lost.reason).toBe('destroyed');
    await expect(reading.then(() => 'read', (e: Error) => e)).resolves.toSatisfy((r) => r === 'read' || r instanceof DeviceLostError);
    await expect(gpu.read(x)).rejects.toThrow(DeviceLostError);
    expect(() => gpu.empty([3], 'after')).toThrow(DeviceLostError);
    expect(() => gpu.write(x, [1, 2, 3])).toThrow(DeviceLostError);
    expect(() => fill(gpu, x, 1)).toThrow(DeviceLostError);
    gpu.destroy();
  });
});
