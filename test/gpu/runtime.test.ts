// The runtime itself: reflected bindings and uniforms, pipeline cache, pool reuse,
// readback ring, clear errors for bad calls and for shaders that do not compile.
import { describe, expect, it } from 'vitest';
import { defineShader } from '../../src/gpu/define-shader.js';
import { KernelError } from '../../src/gpu/errors.js';
import { sizeClass } from '../../src/gpu/pool.js';
import scaleWgsl from './fixtures/scale.wgsl';
import brokenWgsl from './fixtures/broken.wgsl';
import { testGpu } from './device.js';
import { assertClose } from '../tolerance.js';

const scale = defineShader('scale', scaleWgsl);

describe('runtime', () => {
  it('runs a reflected kernel and reads the result back', async () => {
    const gpu = await testGpu();
    const n = 1000;
    const x = gpu.upload(Float32Array.from({ length: n }, (_, i) => i), [n], 'x');
    const y = gpu.empty([n], 'y');
    gpu.run({ shader: scale, bindings: { x, y }, params: { n, a: 2, b: 0.5 }, constants: { ADD: 1 }, workgroups: [Math.ceil(n / 64)] });
    const out = await gpu.read(y);
    assertClose(out, Array.from({ length: n }, (_, i) => 2 * i + 1.5), { atol: 0, rtol: 0 }, 'scale');
    gpu.release(x, y);
  });

  it('caches pipelines by shader, entry and constants, and reuses pooled buffers', async () => {
    const gpu = await testGpu();
    const x = gpu.upload([1, 2, 3], [3], 'x');
    const y = gpu.empty([3], 'y');
    const call = { shader: scale, bindings: { x, y }, params: { n: 3, a: 1, b: 0 }, workgroups: [1] as const };
    for (let i = 0; i < 3; i++) {
      gpu.run(call); // warm up: one pipeline, the pool's buffers, every readback slot
      await gpu.read(y);
    }
    const compiled = gpu.pipelines.compiled;
    const created = gpu.pool.stats.buffersCreated;
    const staging = gpu.readback.created;
    for (let i = 0; i < 5; i++) {
      gpu.run(call);
      await gpu.read(y);
    }
    expect(gpu.pipelines.compiled).toBe(compiled);
    expect(gpu.pool.stats.buffersCreated).toBe(created);
    expect(gpu.readback.created).toBe(staging);
    gpu.run({ ...call, constants: { ADD: 2 } });
    expect(gpu.pipelines.compiled).toBe(compiled + 1);
    expect(await gpu.read(y)).toEqual(new Float32Array([3, 4, 5]));
    gpu.release(x, y);
  });

  it('rejects missing, unknown and aliased bindings and bad uniforms by name', async () => {
    const gpu = await testGpu();
    const x = gpu.upload([1, 2], [2], 'x');
    const y = gpu.empty([2], 'y');
    const ok = { shader: scale, bindings: { x, y }, params: { n: 2, a: 1, b: 0 }, workgroups: [1] as const };
    expect(() => gpu.run({ ...ok, bindings: { x } as any })).toThrow(/binding 'y' was not given/);
    expect(() => gpu.run({ ...ok, bindings: { x, y, z: y } })).toThrow(/unknown binding\(s\) z/);
    expect(() => gpu.run({ ...ok, bindings: { x: y, y } })).toThrow(/overlap/);
    expect(() => gpu.run({ ...ok, params: { n: 2, a: 1 } })).toThrow(/uniform field 'b' was not given/);
    expect(() => gpu.run({ ...ok, params: { n: -1, a: 1, b: 0 } })).toThrow(/does not fit in u32/);
    expect(() => gpu.run({ ...ok, constants: { NOPE: 1 } })).toThrow(KernelError);
    expect(() => gpu.run({ ...ok, entry: 'other' })).toThrow(/no compute entry point 'other'/);
    gpu.release(x, y);
  });

  it('reports a shader that does not compile with the kernel name and line', async () => {
    const gpu = await testGpu();
    const broken = defineShader('broken', brokenWgsl);
    const y = gpu.empty([1], 'y');
    gpu.run({ shader: broken, bindings: { y }, workgroups: [1] });
    const err = await gpu.finish().then(() => null, (e) => e as Error);
    expect(err).toBeInstanceOf(KernelError);
    expect(err!.message).toMatch(/broken:main/);
    expect(err!.message).toMatch(/broken\.wgsl:4:\d+/);
    gpu.release(y);
  });

  it('buckets sizes so reuse wastes little', () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(1000)).toBe(1024);
    for (const n of [70_000, 313_600, 1_000_003]) {
      expect(sizeClass(n)).toBeGreaterThanOrEqual(n);
      expect(sizeClass(n) / n).toBeLessThan(1.13);
    }
  });
});

describe('captured programs', () => {
  it('replays a step with no new bind groups or buffers, re-reading live uniforms', async () => {
    const { Live } = await import('../../src/gpu/program.js');
    const gpu = await testGpu();
    const x = gpu.upload([1, 2, 3], [3], 'x');
    const out = gpu.empty([3], 'out');
    const b = new Live(0);
    const program = gpu.capture('step', () => {
      const tmp = gpu.empty([3], 'tmp');
      gpu.run({ shader: scale, bindings: { x, y: tmp }, params: { n: 3, a: 2, b }, workgroups: [1] });
      gpu.run({ shader: scale, bindings: { x: tmp, y: out }, params: { n: 3, a: 1, b: 1 }, workgroups: [1] });
      gpu.release(tmp); // its buffer now belongs to the program
    });
    expect(Array.from(await gpu.read(out))).toEqual([3, 5, 7]);
    expect(program.arena.length).toBeGreaterThan(0);
    const groups = gpu.bindGroupsCreated;
    const buffers = gpu.pool.stats.buffersCreated;
    for (const shift of [10, 20]) {
      b.value = shift;
      gpu.replay(program);
      expect(Array.from(await gpu.read(out))).toEqual([13, 15, 17].map((v) => v + shift - 10));
    }
    expect(gpu.bindGroupsCreated).toBe(groups);
    expect(gpu.pool.stats.buffersCreated).toBe(buffers);
    // The program's scratch buffer is not handed to anyone else while it lives.
    const other = gpu.empty([3], 'other');
    expect(program.arena).not.toContain(other.buffer);
    gpu.disposeProgram(program);
    gpu.release(x, out, other);
  });
});

describe('write ordering', () => {
  it('a write after recorded work does not overtake it', async () => {
    const gpu = await testGpu();
    const x = gpu.upload([1, 2, 3], [3], 'x');
    const y = gpu.empty([3], 'y');
    gpu.run({ shader: scale, bindings: { x, y }, params: { n: 3, a: 1, b: 0 }, workgroups: [1] });
    gpu.write(x, [10, 20, 30]); // must land after the dispatch above has read x
    expect(Array.from(await gpu.read(y))).toEqual([1, 2, 3]);
    gpu.release(x, y);
  });
});
