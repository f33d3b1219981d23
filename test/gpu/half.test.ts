// f16 storage against its references: toF16's rounding against the format's
// definition (test/reference/half.ts) on values across every binade, the subnormals,
// ties, overflow and the non-finite ones; toF32 on all 65,536 bit patterns against
// the decoder the runtime reads f16 tensors with (src/gpu/half-bits.ts); the matmul
// with f16 operands against the float64 reference, both on the halves it was given
// (at the f32 product's own bound) and on the f32 values they were rounded from (at
// a bound that adds the rounding); and the refusals.
import { describe, expect, it } from 'vitest';
import { KernelError, ShapeError } from '../../src/gpu/errors.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import { halfValue } from '../../src/half-bits.js';
import { activation } from '../../src/ops/elementwise.js';
import { toF16, toF32 } from '../../src/ops/half.js';
import { matmul, type MatmulConfig } from '../../src/ops/matmul.js';
import { Tensor } from '../../src/tensor.js';
import { halfCandidates } from '../reference/half.js';
import { matmulRef } from '../reference/matmul.js';
import { rng, uniform } from '../random.js';
import { assertClose } from '../tolerance.js';
import { testGpu } from './device.js';
import { configFor, tolerance, TRANSPOSES } from './matmul-check.js';

/** The raw 16-bit patterns of an f16 tensor. */
async function halfBits(gpu: Gpu, h: Tensor): Promise<Uint16Array> {
  const words = new Tensor([Math.ceil(h.size / 2)], h.buffer, h.byteOffset, false, 'u32');
  const read = await gpu.read(words);
  return new Uint16Array(read.buffer, read.byteOffset, h.size);
}

// Values in every binade from the subnormals to past the overflow, both signs; the
// exact halves and the midpoints between neighbours (ties); the edges 65504, 65519,
// 65520; zeros, infinities, NaN.
function roundingInputs(): Float32Array {
  const r = rng(7);
  const values: number[] = [1.5, 0, -0, Infinity, -Infinity, NaN, 65504, 65519, 65519.99, 65520, -65520, 1e6, -3e38, 2 ** -14, 2 ** -24, 2 ** -25, 2 ** -26, 3 * 2 ** -25];
  for (let e = -30; e <= 16; e++) {
    for (let i = 0; i < 40; i++) {
      const v = (1 + r()) * 2 ** e;
      values.push(r() < 0.5 ? -v : v);
    }
    const ulp = 2 ** (Math.max(e, -14) - 10);
    values.push(2 ** e + ulp / 2, 2 ** e + (3 * ulp) / 2, -(2 ** e + ulp / 2));
  }
  return Float32Array.from(values);
}

describe('f16 storage', () => {
  it('toF16 rounds every value to a neighbouring half (odd length: the last word half-used)', async () => {
    const gpu = await testGpu();
    const data = roundingInputs();
    expect(data.length % 2).toBe(1);
    const x = gpu.upload(data, [data.length], 'x');
    const h = toF16(gpu, x);
    expect(h.dtype).toBe('f16');
    expect(h.byteLength).toBe(2 * data.length + 2);
    const got = await gpu.read(h);
    const words = await gpu.read(new Tensor([Math.ceil(h.size / 2)], h.buffer, h.byteOffset, false, 'u32'));
    gpu.release(x, h);
    expect(new Uint32Array(words.buffer, words.byteOffset, words.length).at(-1)! >>> 16, 'the last word\'s unused high half').toBe(0);
    const wrong: string[] = [];
    for (let i = 0; i < data.length; i++) {
      const allowed = halfCandidates(data[i]);
      const ok = Number.isNaN(data[i]) ? Number.isNaN(got[i]) : allowed.includes(got[i]);
      if (!ok && wrong.length < 5) wrong.push(`${data[i]} -> ${got[i]} (allowed ${allowed.join(' or ')})`);
    }
    expect(wrong).toEqual([]);
  });

  it('toF32 widens all 65,536 halves as the runtime decodes them, and toF16 gives each finite one back', async () => {
    const gpu = await testGpu();
    const words = Uint32Array.from({ length: 32768 }, (_, w) => (2 * w) | ((2 * w + 1) << 16));
    const packed = gpu.upload(words, [words.length], 'bits', 'u32');
    // A buffer of halves from elsewhere (an array<f16> of a shader-f16 program) comes in by wrap().
    const h = gpu.wrap(packed.buffer, [65536], { offset: packed.byteOffset, dtype: 'f16' });
    const wide = toF32(gpu, h);
    const again = toF16(gpu, wide);
    const [got, back] = [await gpu.read(wide), await halfBits(gpu, again)];
    gpu.release(packed, wide, again);
    const expected = Float64Array.from({ length: 65536 }, (_, bits) => halfValue(bits));
    assertClose(got, expected, { atol: 0, rtol: 0 }, 'toF32 of every half');
    const lost: string[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const nan = Number.isNaN(expected[bits]);
      const ok = nan ? Number.isNaN(halfValue(back[bits])) : back[bits] === bits;
      if (!ok && lost.length < 5) lost.push(`0x${bits.toString(16)} -> 0x${back[bits].toString(16)}`);
    }
    expect(lost).toEqual([]);
  });

  it('refuses what would read halves as floats or write them from the host', async () => {
    const gpu = await testGpu();
    const x = gpu.upload(uniform(8, 3), [2, 4], 'x');
    const h = toF16(gpu, x);
    expect(() => activation(gpu, h, 'relu')).toThrow(KernelError);
    expect(() => activation(gpu, h, 'relu')).toThrow(/packed halves; convert it with toF32/);
    expect(() => gpu.write(h, [1, 2])).toThrow(/toF16/);
    expect(() => toF16(gpu, h)).toThrow(ShapeError);
    expect(() => toF32(gpu, x)).toThrow(ShapeError);
    expect(() => toF32(gpu, h, { out: x.view([8]) })).toThrow(/shape/);
    gpu.release(x, h);
  });
});

// Inputs with |x| >= 2^-13, so that rounding to a half changes each by a relative
// 2^-10 at most (a neighbour, not the nearest, may be chosen), never by a subnormal's
// absolute step.
function operand(n: number, seed: number): Float32Array {
  const u = uniform(n, seed);
  return u.map((v) => Math.sign(v || 1) * Math.max(Math.abs(v), 2 ** -13));
}

interface HalfCase {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  half: { a: boolean; b: boolean };
  config: MatmulConfig;
  bias?: boolean;
  accumulate?: boolean;
}

let seed = 100;

async function checkHalf(c: HalfCase): Promise<void> {
  const gpu = await testGpu();
  const { M, N, K, transA, transB } = c;
  const aData = operand(M * K, seed++);
  const bData = operand(K * N, seed++);
  const biasData = c.bias ? uniform(N, seed++) : undefined;
  const oldC = c.accumulate ? uniform(M * N, seed++) : undefined;
  const a32 = gpu.upload(aData, transA ? [K, M] : [M, K], 'a');
  const b32 = gpu.upload(bData, transB ? [N, K] : [K, N], 'b');
  const a = c.half.a ? toF16(gpu, a32) : a32;
  const b = c.half.b ? toF16(gpu, b32) : b32;
  const bias = biasData && gpu.upload(biasData, [N], 'bias');
  const out = oldC && gpu.upload(oldC, [M, N], 'c');
  const y = matmul(gpu, a, b, { transA, transB, bias, activation: c.bias ? 'tanh' : 'identity', accumulate: c.accumulate, out, config: c.config });
  const [got, aSeen, bSeen] = [await gpu.read(y), await gpu.read(a), await gpu.read(b)];
  // Each once: an f32 operand is its own a32 (b32), and an accumulated y is `out`.
  gpu.release(...new Set([a32, b32, a, b, bias, y]));
  const act = c.bias ? 'tanh' : 'identity';
  const label = `${c.config.entry} f16 ${c.half.a ? 'A' : ''}${c.half.b ? 'B' : ''} [${M},${K}]·[${K},${N}] ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}${c.accumulate ? ' accumulate' : ''}`;

  // On the halves themselves: an f32 product of exactly those values.
  const exact = matmulRef(aSeen, bSeen, M, N, K, { transA, transB, bias: biasData, activation: act, accumulate: oldC });
  assertClose(got, exact.c, tolerance(exact, K, act), `${label}, against its halves`);

  // On the f32 values they were rounded from: each rounded operand is off by a
  // relative 2^-10 at most, so each product by (2·2^-10 + 2^-20) of its magnitude.
  const original = matmulRef(aData, bData, M, N, K, { transA, transB, bias: biasData, activation: act, accumulate: oldC });
  const f32 = tolerance(original, K, act);
  let maxAbsDot = 0;
  for (const v of original.absDot) maxAbsDot = Math.max(maxAbsDot, v);
  const rounding = (2 * 2 ** -10 + 2 ** -20) * maxAbsDot * (act === 'identity' ? 1 : 1.13);
  assertClose(got, original.c, { atol: f32.atol + rounding, rtol: f32.rtol }, `${label}, against the f32 values`);
}

const HALVES = [
  { a: false, b: true },
  { a: true, b: false },
  { a: true, b: true },
];

describe('matmul with f16 operands', () => {
  it('direct4 (the CPU tiles): every transposition and combination of f16 operands', async () => {
    const gpu = await testGpu();
    for (const [M, N, K] of [[36, 124, 8], [33, 20, 400]] as const) {
      for (const t of TRANSPOSES) {
        if ((t.transA && M % 4) || (!t.transB && N % 4)) continue;
        for (const half of HALVES) await checkHalf({ M, N, K, ...t, half, config: { ...configFor(gpu, 'direct4', M, N, K) } });
      }
    }
  });

  // A tiled vec4 pipeline takes ~2 s to build on SwiftShader: both operands f16 in
  // every layout, each single one in one.
  it('main4 (the GPU tiles, double-buffered): every transposition, each combination', async () => {
    const gpu = await testGpu();
    const [M, N, K] = [68, 124, 36];
    const cases = [...TRANSPOSES.map((t) => ({ ...t, half: { a: true, b: true } })), { ...TRANSPOSES[1], half: HALVES[0] }, { ...TRANSPOSES[2], half: HALVES[1] }];
    for (const c of cases) await checkHalf({ M, N, K, ...c, config: { ...configFor(gpu, 'main4', M, N, K), stages: 2 } });
  });

  // 4 x 65535 + 8: past the k a single vec4 launch sums on llvmpipe (its loop limit),
  // so the product is summed over launches, each offsetting its halves by whole vec4s.
  it('a K past 4 x 65535 is summed whole from f16 operands', async () => {
    const gpu = await testGpu();
    const K = 4 * 65535 + 8;
    await checkHalf({ M: 4, N: 4, K, transA: false, transB: true, half: { a: true, b: true }, config: configFor(gpu, 'direct4', 4, 4, K) });
  });

  it('epilogues: bias and activation, and accumulate', async () => {
    const gpu = await testGpu();
    const [M, N, K] = [36, 124, 8];
    for (const entry of ['direct4', 'main4'] as const) {
      const config = configFor(gpu, entry, M, N, K);
      await checkHalf({ M, N, K, transA: false, transB: true, half: { a: false, b: true }, config, bias: true });
      await checkHalf({ M, N, K, transA: true, transB: false, half: { a: true, b: true }, config, accumulate: true });
    }
  });

  it('picks the vec4 reader itself, and refuses shapes and configurations that cannot read halves', async () => {
    const gpu = await testGpu();
    const x = gpu.upload(operand(33 * 400, 9), [33, 400], 'x');
    const w32 = gpu.upload(operand(20 * 400, 10), [20, 400], 'w');
    const w = toF16(gpu, w32);
    const y = matmul(gpu, x, w, { transB: true });
    const exact = matmulRef(await gpu.read(x), await gpu.read(w), 33, 20, 400, { transB: true });
    assertClose(await gpu.read(y), exact.c, tolerance(exact, 400, 'identity'), 'default config, f16 weight');
    const odd32 = gpu.upload(operand(21 * 400, 11), [400, 21], 'odd');
    const odd = toF16(gpu, odd32);
    const bias32 = gpu.upload(uniform(20, 12), [20], 'bias');
    const bias = toF16(gpu, bias32);
    expect(() => matmul(gpu, x, odd)).toThrow(/f16 operands are read four halves at a time/);
    expect(() => matmul(gpu, x, w, { transB: true, config: configFor(gpu, 'direct', 33, 20, 400) })).toThrow(/reads f32 operands only/);
    expect(() => matmul(gpu, x, w, { transB: true, bias })).toThrow(/bias must be f32/);
    gpu.release(x, w32, w, y, odd32, odd, bias32, bias);
  });
});
