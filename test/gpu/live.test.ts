// Live uniform values: a plain Live is set by its owner, a derived one is recomputed
// on every read (so on every replay of a captured program) and cannot be set.
import { describe, expect, it } from 'vitest';
import { Live } from '../../src/gpu/program.js';
import { defineShader } from '../../src/gpu/define-shader.js';
import scaleWgsl from './fixtures/scale.wgsl';
import { testGpu } from './device.js';

const scale = defineShader('scale', scaleWgsl);

describe('Live', () => {
  it('holds a value its owner sets, as before', () => {
    const live = new Live(3);
    expect(live.value).toBe(3);
    live.value = -2.5;
    expect(live.value).toBe(-2.5);
    expect(live.isDerived).toBe(false);
  });

  it('derives a value on every read and refuses to be set', () => {
    const base = new Live(2);
    let reads = 0;
    const twice = Live.derived(() => {
      reads += 1;
      return 2 * base.value;
    });
    expect(twice.isDerived).toBe(true);
    expect(twice.value).toBe(4);
    base.value = 5;
    expect(twice.value).toBe(10);
    expect(reads).toBe(2);
    expect(() => {
      twice.value = 1;
    }).toThrow(/derived value cannot be set/);
    expect(twice.value).toBe(10);
    expect(() => Live.derived(7 as unknown as () => number)).toThrow(TypeError);
  });

  it('re-derives on every replay, and a throwing derivation refuses the replay', async () => {
    const gpu = await testGpu();
    const x = gpu.upload([1, 2, 3], [3], 'x');
    const y = gpu.empty([3], 'y');
    const a = new Live(2);
    const b = Live.derived(() => {
      if (a.value < 0) throw new RangeError(`a = ${a.value}`);
      return 1 / a.value; // formed in float64 on the CPU
    });
    const program = gpu.capture('derived', () => gpu.run({ shader: scale, bindings: { x, y }, params: { n: 3, a, b }, workgroups: [1] }));
    expect(Array.from(await gpu.read(y))).toEqual([2.5, 4.5, 6.5]);
    for (const v of [4, 0.5]) {
      a.value = v;
      gpu.replay(program);
      expect(Array.from(await gpu.read(y))).toEqual([1, 2, 3].map((xi) => Math.fround(Math.fround(v * xi) + Math.fround(1 / v))));
    }
    a.value = -1;
    expect(() => gpu.replay(program)).toThrow(/a = -1/);
    a.value = 8;
    gpu.replay(program);
    expect(Array.from(await gpu.read(y))).toEqual([8.125, 16.125, 24.125]);
    gpu.disposeProgram(program);
    gpu.release(x, y);
  });
});
