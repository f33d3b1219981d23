// C = act(op(A)·op(B) + bias), or C += op(A)·op(B) for gradient accumulation
// (shaders/matmul.wgsl). The kernel configuration is, in order: the caller's
// `config`; the tuner's choice for this shape class on this device (gpu.tuning,
// src/tune/); the default by adapter class: CPU adapters run the `direct` entry point
// (no workgroup memory, about twice as fast there), GPUs the tiled `main` (`main4`
// with vec4 loads where the sides allow); and a skinny side (M or N of 1..32, as in
// a VAE's latent layers) gets a tile that fits it instead of a mostly padded one.
import src, { reflection } from '../../shaders/matmul.wgsl';
import subgroupSrc, { reflection as subgroupReflection } from '../../shaders/matmul_subgroup.wgsl';
import vec4Src, { reflection as vec4Reflection } from '../../shaders/matmul_vec4.wgsl';
import vec4aSrc, { reflection as vec4aReflection } from '../../shaders/matmul_vec4a.wgsl';
import convSrc, { reflection as convReflection } from '../../shaders/matmul_conv.wgsl';
import tiled4Src, { reflection as tiled4Reflection } from '../../shaders/matmul_tiled4.wgsl';
import { ShapeError } from '../gpu/errors.js';
import type { AdapterKind, Gpu } from '../gpu/runtime.js';
import { shaderOf, type Shader } from '../gpu/shader.js';
import type { ConvGemmShape } from './conv.js';
import type { Tensor } from '../tensor.js';
import { activationCode, type Activation } from './activation.js';
import { cpuImplementation } from '../gpu/describe.js';
import { kFields, kPerLaunch, launchConstants, runOverK } from './gemm-split.js';
import { halfReader, halfShader, type HalfOperands } from './matmul-half.js';

/** The GEMM family: the matmul and, as implicit GEMMs through its `main` entry, the convolutions (src/ops/conv.ts). */
export const gemmShader: Shader = shaderOf('matmul', src, reflection);
/** The convolutions' `direct` entry, conv_direct. */
export const convGemmShader: Shader = shaderOf('matmul_conv', convSrc, convReflection);
/** The matmul's subgroup variant, compiled only on a device with the `subgroups` feature. */
export const subgroupGemmShader: Shader = shaderOf('matmul_subgroup', subgroupSrc, subgroupReflection);
/** The matmul's vec4 variant: each operand read a vec4 at a time along k, m or n (vec4Entry says where). */
export const vec4GemmShader: Shader = shaderOf('matmul_vec4', vec4Src, vec4Reflection);
/** The matmul's vec4-A variant: op(A) read as in vec4GemmShader (A [M, K], K % 4 == 0), op(B) as in `direct`. */
export const vec4aGemmShader: Shader = shaderOf('matmul_vec4a', vec4aSrc, vec4aReflection);
/** The tiled `main` moving every value four at a time (storage to tiles, tiles to registers), for GPUs. */
export const tiled4GemmShader: Shader = shaderOf('matmul_tiled4', tiled4Src, tiled4Reflection);

/** The shader file of each entry point. */
const ENTRY_SHADERS: Record<MatmulConfig['entry'], Shader> = {
  main: gemmShader,
  direct: gemmShader,
  subgroup: subgroupGemmShader,
  direct4: vec4GemmShader,
  direct4a: vec4aGemmShader,
  main4: tiled4GemmShader,
};

/** Every GEMM kernel file (the tuner's cache key checksums their text). */
export const GEMM_SHADERS: readonly Shader[] = [gemmShader, convGemmShader, subgroupGemmShader, vec4GemmShader, vec4aGemmShader, tiled4GemmShader];

/** The convolution fields of the shader's uniform, unused by a plain matmul. */
const NO_CONV = {
  grid_h: 0, grid_w: 0, src_c: 0, src_h: 0, src_w: 0, kernel_h: 0, kernel_w: 0, stride: 0, pad: 0, dilation: 0,
  cls_grid: [0, 0], cls_first: [0, 0], cls_src0: [0, 0], cls_tap0: [0, 0], cls_taps: [0, 0], tap_step: 0, src_step: 0,
};

export interface MatmulOptions {
  /** A is stored [K, M] and used transposed. */
  transA?: boolean;
  /** B is stored [N, K] and used transposed (a Linear layer's weight). */
  transB?: boolean;
  /** bias[N], added to every row before the activation. */
  bias?: Tensor;
  activation?: Activation;
  /** C += op(A)·op(B) into `out`, which must be given; takes no bias or activation. */
  accumulate?: boolean;
  out?: Tensor;
  /** Overrides the automatic kernel choice (the tuner's table, then the defaults by adapter class). */
  config?: MatmulConfig;
}

export type ShapeClass = 'square' | 'skinny-n' | 'skinny-m' | 'skinny-k';

/** The shader's override constants that shape the work, plus its entry point. */
export interface MatmulConfig {
  /**
   * 'main' stages K tiles in workgroup memory; 'direct' reads operands from storage;
   * 'subgroup' is 'direct' sharing op(A) through subgroup shuffles (plain matmuls on
   * a device with the `subgroups` feature, wgX a multiple of its largest subgroup);
   * 'direct4' is 'direct' reading each operand a vec4 at a time along the
   * dimension it is contiguous in, 'direct4a' only op(A) along k: see vec4Entry;
   * 'main4' is 'main' with vec4 loads and tiles, where 'direct4' could run.
   */
  entry: 'main' | 'direct' | 'subgroup' | 'direct4' | 'direct4a' | 'main4';
  /** Rows and columns of C per invocation (REG_M, REG_N): 4, 8 or 16. */
  regM: 4 | 8 | 16;
  regN: 4 | 8 | 16;
  /** Invocations along N and M (WG_X, WG_Y); the tile of C is regM·wgY × regN·wgX. */
  wgX: number;
  wgY: number;
  /** K step of the tiled entries, 'main' and 'main4' (TILE_K; 'main4' a multiple of 4); unused by the others. */
  tileK: number;
  /** The tiled entries only: 2 double-buffers the tiles (one barrier per K step instead of two). Default 1. */
  stages?: 1 | 2;
}

/** Largest M or N treated as skinny. */
const SKINNY = 32;

/** The shape class of C[M,N] = [M,K]·[K,N]. */
export function shapeClass(M: number, N: number, K: number): ShapeClass {
  if (N <= SKINNY && N <= M) return 'skinny-n';
  if (M <= SKINNY) return 'skinny-m';
  if (K <= SKINNY) return 'skinny-k';
  return 'square';
}

// Chosen by timing the VAE's shapes (bench/matmul.ts) on llvmpipe and SwiftShader,
// configurations interleaved and the best of 5-8 rounds kept, on a shared 2-core CPU:
// - 'direct' everywhere on the CPU adapters: ~2× the GFLOP/s of 'main' there.
// - Big blocks: the CPU adapters load an operand lane by lane, at a cost far above a
//   multiply-add's, so what counts is how many multiply-adds share each load. 8 × 8
//   ran ~1.8× faster than 4 × 4 and 1.3× faster than 8 × 4; 16 × 16 1.3-1.6× faster
//   than 8 × 8 on llvmpipe on the VAE's 400- and 784-wide products and 1.2-1.3× on
//   the K = 20 ones, 16 × 8 1.2-1.4× (2026-12-03, paired rounds at batch 128 and
//   1024). On SwiftShader 16 × 16 (32 × 64 tiles) ran 1.01-1.40× faster than 8 × 8
//   on those products at both batches, 16 × 8 (64 × 32) 0.94-1.23×; N = 32 (the conv
//   GEMMs) takes 16 × 8, which fills its tile.
// - The CPU adapters run a workgroup as SIMD groups of consecutive invocations,
//   `lanes` wide (llvmpipe 8 with AVX2, SwiftShader 4). WG_X = lanes puts a SIMD
//   group on one row: its A values are the same and its B values adjacent (16 × 16
//   blocks in 64 × 64 tiles, WG_X = 4, ran 0.95-1.10× of 8 × 8 on llvmpipe, against
//   1.3-1.6× with WG_X = 8).
// - A skinny side gets 4 per invocation and just enough invocations to cover it:
//   N = 20 in a 64 × 20 tile ran 1.2-1.4× faster on llvmpipe than in 64 × 32 with
//   8 × 8 blocks (the same on SwiftShader); M = 20 in a 20 × 64 (llvmpipe) or
//   20 × 32 (SwiftShader) tile, 2-3× faster than in a 64-row tile. A side that
//   fills the square tile's width exactly is not skinny: N = 32 on SwiftShader ran
//   1.14× (K = 9) and 1.32× (K = 144) faster in 64 × 32 with 8 × 8 blocks than in
//   64 × 32 with 8 × 4, and the conv GEMMs of that shape, whose gathered A values
//   then feed 8 columns each, 1.3-1.4× (M = 25088, 2026-12-03).
// 'main' uses the usual GPU shape, 16 × 16 invocations with 4 × 4 blocks, and
// skinny tiles by the same rule ('main4' the same tiles); neither has been tuned
// on a GPU.
const fit = (n: number) => Math.ceil(n / 4);

/** A GEMM as the tuner's table keys it: a plain matmul's, or with `conv` a convolution GEMM's. */
export interface GemmProblem {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  /** How to replay a conv GEMM for timing (src/ops/conv.ts); its transposes are false. */
  conv?: ConvGemmShape;
}

/** The untuned configuration for a problem on this device: by adapter class and shape class. */
export function defaultMatmulConfig(gpu: Gpu, p: GemmProblem): MatmulConfig {
  return matmulConfig(cpuImplementation(gpu.adapter) ?? gpu.adapter.kind, p.M, p.N, p.K, p.conv ? undefined : p);
}

/**
 * The vec4 entry a plain product can take, by how its operands lie in memory. With
 * K % 4 == 0, 'direct4' reads each operand a vec4 at a time along the dimension it
 * is contiguous in: op(A) along k (A [M, K]) or along m (transA, A [K, M], where
 * M % 4 == 0), op(B) along k (transB, B [N, K]) or along n (B [K, N], where
 * N % 4 == 0). Where only op(A) lies along k, 'direct4a' reads it so and op(B) a
 * value at a time. The conv GEMMs gather op(A) and take neither.
 */
export function vec4Entry(p: { M: number; N: number; K: number; transA: boolean; transB: boolean }): 'direct4' | 'direct4a' | null {
  if (p.K % 4 !== 0) return null;
  if ((!p.transA || p.M % 4 === 0) && (p.transB || p.N % 4 === 0)) return 'direct4';
  return p.transA ? null : 'direct4a';
}

/** The entry each vec4 entry reads four values at a time for: the same tiles and sums with scalar loads. */
const SCALAR_TWIN: Partial<Record<MatmulConfig['entry'], MatmulConfig['entry']>> = { direct4: 'direct', direct4a: 'direct', main4: 'main' };

/** Whether a configuration runs one of the vec4 entries. */
export const readsVec4 = (c: MatmulConfig): boolean => SCALAR_TWIN[c.entry] !== undefined;

/** The configuration with scalar loads that a vec4 one is measured against (itself where it reads no vec4s). */
export const scalarTwin = (c: MatmulConfig): MatmulConfig => ({ ...c, entry: SCALAR_TWIN[c.entry] ?? c.entry });

/** Whether a configuration stages K tiles in workgroup memory ('main', 'main4'). */
export const isTiled = (c: MatmulConfig): boolean => c.entry === 'main' || c.entry === 'main4';

/**
 * Whether a configuration's entry can run this problem: the conv GEMMs run 'direct'
 * and 'main' only; 'direct4' and 'main4' need the alignments vec4Entry names for
 * 'direct4', 'direct4a' an untransposed A and K % 4 == 0.
 */
export function entryRuns(c: MatmulConfig, p: GemmProblem): boolean {
  if (p.conv) return c.entry === 'direct' || c.entry === 'main';
  if (c.entry === 'direct4' || c.entry === 'main4') return vec4Entry(p) === 'direct4';
  if (c.entry === 'direct4a') return !p.transA && p.K % 4 === 0;
  return true;
}

/**
 * The kernel configuration for an [M,K]·[K,N] product on an adapter of this kind.
 * With `operands` (a plain matmul's transposes), the CPU adapters read operands four
 * k at a time where the layout allows and that measured faster.
 */
export function matmulConfig(adapter: AdapterKind, M: number, N: number, K: number, operands?: { transA: boolean; transB: boolean }): MatmulConfig {
  const c = scalarConfig(adapter, M, N, K);
  const vec4 = operands && vec4Entry({ M, N, K, ...operands });
  // GPUs: 'main4' where its alignments hold. Not timed on a GPU yet (none was lent);
  // it moves a quarter of the instructions 'main' does between storage, workgroup
  // memory and registers, as the usual vec4 GEMMs (TF.js's WebGPU backend among
  // them) do on aligned shapes, and a tuner compares it with 'main' on first use.
  if (c.entry === 'main') return vec4 === 'direct4' && c.tileK % 4 === 0 ? { ...c, entry: 'main4' } : c;
  if (c.entry !== 'direct' || !operands || !vec4) return c;
  // Paired runs against 'direct' with the same tiles, on the VAE's twelve products
  // at batch 128 and 1024 (bench/matmul.ts, 2026-12-03, medians of three):
  // SwiftShader, whose every load is a gather plus a bounds clamp, ran 'direct4'
  // 1.17-1.38x faster on the 400- and 784-wide products (forwards, input and weight
  // gradients alike) and 1.03-1.47x on the latent ones; 'direct4a' 1.11-1.20x on the
  // input gradients. llvmpipe gained 1.26-1.86x on blocks under 16 x 16 (the
  // latent layers' 8 x 4 and 4 x 8, whose loads weigh most), 1.02-1.12x on the big
  // forwards (x·Wᵀ), and nothing on the other 16 x 16 products (0.93-1.06x; the
  // K = 20 forward 0.94x).
  const small = c.regM * c.regN < 256;
  const forward = !operands.transA && operands.transB && K > SKINNY;
  if (adapter === 'swiftshader' || small || forward) return { ...c, entry: vec4 };
  return c;
}

/** The configuration by adapter class and shape class, with scalar loads. */
function scalarConfig(adapter: AdapterKind, M: number, N: number, K: number): MatmulConfig {
  const cls = shapeClass(M, N, K);
  if (adapter === 'llvmpipe' || adapter === 'swiftshader') {
    const lanes = adapter === 'llvmpipe' ? 8 : 4;
    // N = 32 fills SwiftShader's 8-column tile exactly: no waste to avoid.
    const fills = N % (8 * lanes) === 0;
    if (cls === 'skinny-n' && !fills) return { entry: 'direct', regM: 8, regN: 4, wgX: fit(N), wgY: 8, tileK: 16 };
    if (cls === 'skinny-m') return { entry: 'direct', regM: 4, regN: 8, wgX: lanes, wgY: fit(M), tileK: 16 };
    // 16 columns per invocation where the tile's width is not mostly padding, or
    // where 16-column tiles fill N exactly (N = 64 on SwiftShader: the conv VAE's
    // 288 x 64 weight gradients then run in 32 x 64 tiles that also fill M = 288,
    // against 64 x 32 tiles that pad it to 320, and share each gathered im2col value
    // over 16 columns; 84-98% of their matmul twins against 75-88%, the twins no
    // slower).
    const regN = N > 64 || N % (16 * lanes) === 0 ? 16 : 8;
    return { entry: 'direct', regM: 16, regN, wgX: lanes, wgY: adapter === 'swiftshader' && regN === 8 ? 4 : 2, tileK: 16 };
  }
  if (cls === 'skinny-n') return { entry: 'main', regM: 4, regN: 4, wgX: fit(N), wgY: 16, tileK: 16 };
  if (cls === 'skinny-m') return { entry: 'main', regM: 4, regN: 4, wgX: 16, wgY: fit(M), tileK: 16 };
  return { entry: 'main', regM: 4, regN: 4, wgX: 16, wgY: 16, tileK: cls === 'skinny-k' ? 8 : 16 };
}

/** E.g. "direct 64×20 tile, 8×4 per invocation", "main 64×64×16 tile ×2 stages, 4×4 per invocation". */
export function describeMatmulConfig(c: MatmulConfig): string {
  const tile = `${c.regM * c.wgY}×${c.regN * c.wgX}${isTiled(c) ? `×${c.tileK}` : ''}`;
  const stages = isTiled(c) && c.stages === 2 ? ' ×2 stages' : '';
  return `${c.entry} ${tile} tile${stages}, ${c.regM}×${c.regN} per invocation`;
}

/**
 * The shader, entry point and shape constants of a plain matmul's configuration (the
 * conv GEMMs take the constants and their own entries); with f16 operands, the
 * variant of 'direct4' or 'main4' that reads them.
 */
export function configPipeline(c: MatmulConfig, half: HalfOperands = { a: false, b: false }): { shader: Shader; entry: string; constants: Record<string, number> } {
  const constants: Record<string, number> = { REG_M: c.regM, REG_N: c.regN, WG_X: c.wgX, WG_Y: c.wgY };
  if (isTiled(c)) Object.assign(constants, { TILE_K: c.tileK, STAGES: c.stages ?? 1 });
  const halfEntry = c.entry === 'direct4' || c.entry === 'main4' ? c.entry : null;
  if (half.a || half.b) {
    if (!halfEntry) throw new ShapeError(`matmul: the '${c.entry}' entry reads f32 operands only; f16 ones are read by 'direct4' and 'main4'`);
    return { shader: halfShader(halfEntry, half), entry: c.entry, constants };
  }
  return { shader: ENTRY_SHADERS[c.entry], entry: c.entry, constants };
}

/** The largest subgroup the device may form (0 without the `subgroups` feature). */
export function maxSubgroupSize(gpu: Gpu): number {
  if (!gpu.device.features.has('subgroups')) return 0;
  const info = (gpu.device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { subgroupMaxSize?: number } }).adapterInfo;
  return info?.subgroupMaxSize ?? 0;
}

const dims = (t: Tensor) => `[${t.shape.join(', ')}]`;

export function checkConfig(gpu: Gpu, c: MatmulConfig): void {
  const bad = (why: string) => new ShapeError(`matmul: config ${JSON.stringify(c)}: ${why}`);
  if (!Object.hasOwn(ENTRY_SHADERS, c.entry)) throw bad(`entry must be one of ${Object.keys(ENTRY_SHADERS).map((e) => `'${e}'`).join(', ')}`);
  if (c.stages !== undefined && c.stages !== 1 && c.stages !== 2) throw bad('stages must be 1 or 2');
  if (c.entry === 'subgroup') {
    const width = maxSubgroupSize(gpu);
    if (!width) throw bad("the 'subgroup' entry needs a device with the 'subgroups' feature");
    if (c.wgX % width !== 0) throw bad(`the 'subgroup' entry needs wgX to be a multiple of the device's largest subgroup (${width}), so that a subgroup lies in one row`);
  }
  if (![4, 8, 16].includes(c.regM) || ![4, 8, 16].includes(c.regN)) throw bad('regM and regN must be 4, 8 or 16');
  const limits = gpu.device.limits;
  const invocations = c.wgX * c.wgY;
  if (!Number.isInteger(c.wgX) || !Number.isInteger(c.wgY) || c.wgX < 1 || c.wgY < 1 || invocations > Math.min(256, limits.maxComputeInvocationsPerWorkgroup)) {
    throw bad('wgX·wgY must be 1..256 invocations');
  }
  const bytes = (c.regM * c.wgY + c.regN * c.wgX) * c.tileK * (c.stages ?? 1) * 4;
  if (isTiled(c) && (!Number.isInteger(c.tileK) || c.tileK < 1 || bytes > limits.maxComputeWorkgroupStorageSize)) {
    throw bad(`its tiles take ${bytes} bytes of workgroup memory, over the ${limits.maxComputeWorkgroupStorageSize} allowed`);
  }
  if (c.entry === 'main4' && c.tileK % 4 !== 0) throw bad("the 'main4' entry stages K four at a time: tileK must be a multiple of 4");
}

export function matmul(gpu: Gpu, a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, bias, activation = 'identity', accumulate = false, out } = options;
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(`matmul: A ${dims(a)} and B ${dims(b)} must both be 2-D; view batched inputs as [rows, features]`);
  }
  const [M, Ka] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  const opA = `${transA ? 'Aᵀ' : 'A'} (A ${dims(a)})`;
  const opB = `${transB ? 'Bᵀ' : 'B'} (B ${dims(b)})`;
  if (Ka !== Kb) throw new ShapeError(`matmul: inner dimensions differ: ${opA} has ${Ka} columns, ${opB} has ${Kb} rows; check the shapes or transA/transB`);
  const K = Ka;
  if (M === 0 || N === 0 || K === 0) throw new ShapeError(`matmul: ${opA} · ${opB} is an empty product; every dimension must be >= 1`);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== N)) {
    throw new ShapeError(`matmul: bias ${dims(bias)} must have shape [${N}], the columns of ${opA} · ${opB}`);
  }
  if (out && (out.shape.length !== 2 || out.shape[0] !== M || out.shape[1] !== N)) {
    throw new ShapeError(`matmul: out ${dims(out)} must have shape [${M}, ${N}] for ${opA} · ${opB}`);
  }
  for (const [name, t] of [['A', a], ['B', b], ['bias', bias], ['out', out]] as const) {
    const operand = name === 'A' || name === 'B';
    if (t && t.dtype !== 'f32' && !(operand && t.dtype === 'f16')) {
      throw new ShapeError(`matmul: ${name} is ${t}; ${operand ? 'A and B may be f32 or f16 (toF16)' : `${name} must be f32`}`);
    }
  }
  const half: HalfOperands = { a: a.dtype === 'f16', b: b.dtype === 'f16' };
  const anyHalf = half.a || half.b;
  if (accumulate) {
    if (!out) throw new ShapeError('matmul: accumulate adds into an existing C; pass it as `out`');
    if (bias || activation !== 'identity') {
      throw new ShapeError('matmul: accumulate (C += op(A)·op(B)) takes no bias or activation; apply them in a separate op');
    }
  }

  const problem: GemmProblem = { M, N, K, transA, transB };
  // f16 operands take the f32 product's tiles with the vec4 entry that reads halves
  // (a caller's own config must name one: configPipeline says so otherwise).
  const chosen = options.config ?? gpu.tuning.lookup(problem) ?? defaultMatmulConfig(gpu, problem);
  const config = anyHalf && !options.config ? halfReader(chosen) : chosen;
  checkConfig(gpu, config);
  if (anyHalf && !entryRuns(config, problem)) {
    throw new ShapeError(`matmul: f16 operands are read four halves at a time, which needs K % 4 == 0, M % 4 == 0 with transA and N % 4 == 0 without transB; ${opA} · ${opB} is [${M}, ${K}] · [${K}, ${N}]; pad a side to a multiple of 4 or keep the operands f32`);
  }
  if (!entryRuns(config, problem)) {
    const needs = config.entry === 'direct4a' ? 'A stored [M, K] (no transA) and K % 4 == 0' : 'K % 4 == 0, and M % 4 == 0 with transA, N % 4 == 0 without transB';
    throw new ShapeError(`matmul: the '${config.entry}' entry reads operands four values at a time and needs ${needs}; ${opA} · ${opB} is [${M}, ${K}] · [${K}, ${N}]; use '${SCALAR_TWIN[config.entry]}'`);
  }
  const gridX = Math.ceil(N / (config.regN * config.wgX));
  const gridY = Math.ceil(M / (config.regM * config.wgY));
  const max = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  if (gridX > max || gridY > max) {
    throw new ShapeError(`matmul: C [${M}, ${N}] needs ${gridY} × ${gridX} workgroups (${describeMatmulConfig(config)}), over the device's ${max} per dimension; split the rows into chunks`);
  }
  const c = out ?? gpu.empty([M, N], 'matmul:c');
  const pipeline = configPipeline(config, half);
  runOverK(gpu, M, N, K, kPerLaunch(config), !bias && activation === 'identity', c, accumulate, (l) => {
    const { fields, z } = kFields(l, M * N);
    gpu.run({
      shader: pipeline.shader,
      entry: pipeline.entry,
      constants: {
        TRANS_A: Number(transA),
        TRANS_B: Number(transB),
        // 'direct4' reads a transposed A along m, a plain B along n, in runs of 4;
        // 'main4' reads every quadrant from its tiles as one vec4.
        ...(config.entry === 'direct4' ? { GROUP_M: Number(transA), GROUP_N: Number(!transB) } : {}),
        ...(config.entry === 'main4' ? { GROUP_M: 1, GROUP_N: 1 } : {}),
        ...launchConstants(l.range, { hasBias: bias !== undefined, act: activationCode(activation), accumulate: l.accumulate }),
        ...pipeline.constants,
      },
      bindings: { a, b, bias: bias ?? null, c: l.target },
      params: { M, N, ...fields, ...NO_CONV },
      workgroups: [gridX, gridY, z],
      cost: { flops: 2 * M * N * (l.range.end - l.range.begin) },
    });
  });
  return c;
}
