// How a GEMM's K is split across launches. llvmpipe ends an invocation's loops after
// 65535 iterations in all (Mesa gallivm's guard against endless shader loops, one
// counter for every loop of the invocation), and the sum silently stops there: a
// conv's weight gradient at batch 335 (K = 335·14·14) came out wrong. So no launch
// runs more than about 60,000 loop iterations per invocation; later launches add
// into C, and the last applies the epilogue. The same split runs on every adapter,
// so results do not depend on where they were computed.
//
// K slices are the other split: a GEMM with a small C and a long K (a weight
// gradient: C is the weight, K the batch's pixels) has too few workgroups to fill
// the device (a conv's 9 x 32 weight gradient made one, on one of llvmpipe's
// threads; on a GPU with 132 multiprocessors, the 288 x 64 one made 10). Its K is
// cut into slices summed in parallel along workgroup z, each into its own copy of C
// in a scratch tensor, and a reduction adds the copies (in slice order) into C. The
// slicing depends on M, N and K alone, so every configuration sums in the same
// order (the tuner's bit-for-bit promise), up to K = 8 slices of a launch's length.
import type { Gpu } from '../gpu/runtime.js';
import type { Tensor } from '../tensor.js';
import type { MatmulConfig } from './matmul.js';
import { sumCols } from './reduce.js';

/** Loop iterations an invocation may spend on K in one launch, below llvmpipe's 65535 (the store loop takes up to 72). */
const ITERATIONS = 60_000;

export interface KRange {
  begin: number;
  end: number;
  first: boolean;
  last: boolean;
}

/**
 * K per launch for a configuration: `direct` spends one iteration per k, `subgroup`
 * one per k plus one per chunk of at least 4, `main` a tile's loads and products per
 * TILE_K (and `main4`, whose loads take fewer iterations, is counted the same).
 */
export function kPerLaunch(c: MatmulConfig): number {
  if (c.entry === 'direct') return ITERATIONS;
  if (c.entry === 'direct4' || c.entry === 'direct4a') return 4 * ITERATIONS;
  if (c.entry === 'subgroup') return Math.floor(ITERATIONS / 1.25);
  const threads = c.wgX * c.wgY;
  const perStep = Math.ceil((c.regM * c.wgY * c.tileK) / threads) + Math.ceil((c.regN * c.wgX * c.tileK) / threads) + c.tileK;
  return Math.max(1, Math.floor(ITERATIONS / perStep)) * c.tileK;
}

/** [0, K) in launches of at most `step` (one empty range when K = 0). */
export function kRanges(K: number, step: number): KRange[] {
  const ranges: KRange[] = [];
  for (let begin = 0; begin < K || ranges.length === 0; begin += step) {
    const end = Math.min(K, begin + step);
    ranges.push({ begin, end, first: begin === 0, last: end === K });
  }
  return ranges;
}

/** The epilogue and accumulation of one launch: earlier launches store plain sums, later ones add, the last applies bias and activation. */
export function launchConstants(r: KRange, o: { hasBias: boolean; act: number; accumulate: boolean }): { HAS_BIAS: number; ACT: number; ACCUMULATE: number } {
  return { HAS_BIAS: Number(o.hasBias && r.last), ACT: r.last ? o.act : 0, ACCUMULATE: Number(o.accumulate || !r.first) };
}

/** C up to this many elements counts as small: a 128-row tile's worth of 256 columns. */
const SMALL_C = 32_768;
/** K values a slice sums at the least. */
const MIN_SLICE = 2048;
const MAX_SLICES = 8;
/** Slices start at multiples of this: any TILE_K of `main` divides it, so no tile crosses a slice's end. */
const SLICE_ALIGN = 64;

export interface KSlicing {
  count: number;
  /** K values per slice (the last may have fewer). */
  length: number;
}

/** How a GEMM's K is sliced, or null where C is big enough or K too short to gain from it. */
export function kSlicing(M: number, N: number, K: number, perLaunch: number): KSlicing | null {
  if (M * N > SMALL_C || K < 2 * MIN_SLICE) return null;
  const wanted = Math.min(MAX_SLICES, Math.floor(K / MIN_SLICE));
  const cap = Math.floor(perLaunch / SLICE_ALIGN) * SLICE_ALIGN;
  const length = Math.min(Math.ceil(K / wanted / SLICE_ALIGN) * SLICE_ALIGN, cap);
  return { count: Math.ceil(K / length), length };
}

/** One launch of a GEMM over K: its range, the tensor it writes, its slicing, and whether it adds into that tensor. */
export interface KLaunch {
  /** The whole K, of which this launch sums `range`. */
  K: number;
  range: KRange;
  target: Tensor;
  slices: KSlicing | null;
  accumulate: boolean;
}

/** The uniform fields and workgroup z extent of a launch; a slice's copy of C is `sliceStride` elements apart. */
export function kFields(l: KLaunch, sliceStride: number): { fields: { K: number; k_begin: number; k_end: number; k_split: number; split_stride: number }; z: number } {
  const { range: r, slices } = l;
  return {
    fields: { K: l.K, k_begin: r.begin, k_end: r.end, k_split: slices?.length ?? r.end - r.begin, split_stride: slices ? sliceStride : 0 },
    z: slices?.count ?? 1,
  };
}

/**
 * Runs a GEMM of [M, N] over its K into y: where `sliceable` (no bias or activation)
 * and kSlicing says so, as one launch of parallel slices into a scratch [count,
 * y.size] tensor whose copies are then summed into y (added with accumulate); else
 * as sequential launches into y (kRanges).
 */
export function runOverK(gpu: Gpu, M: number, N: number, K: number, perLaunch: number, sliceable: boolean, y: Tensor, accumulate: boolean, launch: (l: KLaunch) => void): void {
  const slices = sliceable ? kSlicing(M, N, K, perLaunch) : null;
  if (!slices) {
    for (const range of kRanges(K, perLaunch)) launch({ K, range, target: y, slices: null, accumulate });
    return;
  }
  const scratch = gpu.empty([slices.count, y.size], 'gemm:slices');
  launch({ K, range: { begin: 0, end: K, first: true, last: true }, target: scratch, slices, accumulate: false });
  sumCols(gpu, scratch, { out: y, accumulate });
  gpu.release(scratch);
}
