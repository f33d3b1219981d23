// How a GEMM's K is split across launches. llvmpipe ends an invocation's loops after
// 65535 iterations in all (Mesa gallivm's guard against endless shader loops, one
// counter for every loop of the invocation), and the sum silently stops there: a
// conv's weight gradient at batch 335 (K = 335·14·14) came out wrong. So no launch
// runs more than about 60,000 loop iterations per invocation; later launches add
// into C, and the last applies the epilogue. The same split runs on every adapter,
// so results do not depend on where they were computed.
import type { MatmulConfig } from './matmul.js';

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
 * TILE_K.
 */
export function kPerLaunch(c: MatmulConfig): number {
  if (c.entry === 'direct') return ITERATIONS;
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
