// The configurations the tuner times for a GEMM, by adapter class and mode. The
// default configuration (src/ops/matmul.ts) always comes first, so a tuned choice is
// never one that was not compared with it; the rest are the shapes that make sense
// on that class of adapter, filtered by what the device allows (workgroup size and
// memory, subgroups) and by how much of the tile the problem fills.
//
// CPU adapters (llvmpipe, SwiftShader): 'direct' tiles with the SIMD width as WG_X
// or twice it, 16, 8 or 4 rows and columns per invocation, the same tiles on the
// vec4 entry the problem's layout takes ('direct4' or 'direct4a', src/ops/matmul.ts),
// and on a device with subgroups the 'subgroup' entry with the same tiles; 'full'
// adds the tiled 'main'.
// GPUs: the tiled 'main' with 4 × 4 to 8 × 8 blocks, 64 to 256 invocations, K steps
// of 8 or 16, single or double buffered, those with K steps of 16 also as 'main4'
// (vec4 loads, where the layout allows); the 'subgroup' entry with WG_X the largest
// subgroup; 'quick' keeps the few most common GPU shapes of each. The spaces are kept
// small on purpose: every configuration in them is tested on both CPU adapters,
// where a tiled pipeline takes seconds to compile.
import { cpuImplementation } from '../gpu/describe.js';
import type { Gpu } from '../gpu/runtime.js';
import { checkConfig, defaultMatmulConfig, entryRuns, isTiled, maxSubgroupSize, vec4Entry, type GemmProblem, type MatmulConfig } from '../ops/matmul.js';

export type TuneDepth = 'quick' | 'full';

type Block = [4 | 8 | 16, 4 | 8 | 16];

const BLOCKS: Block[] = [
  [8, 8],
  [8, 4],
  [4, 8],
  [4, 4],
];

/**
 * The CPU adapters' blocks, biggest first: they load operands lane by lane, so the
 * loads a block shares among its multiply-adds decide their speed (src/ops/matmul.ts).
 */
const CPU_BLOCKS: Block[] = [[16, 16], [16, 8], [8, 8], [8, 4], [4, 8], [4, 4]];

/** The share of a tile's work that falls inside C (1 when the problem fills its tiles). */
function filled(c: MatmulConfig, p: GemmProblem): number {
  const tm = c.regM * c.wgY;
  const tn = c.regN * c.wgX;
  return (p.M / (Math.ceil(p.M / tm) * tm)) * (p.N / (Math.ceil(p.N / tn) * tn));
}

function cpuCandidates(lanes: number, subgroup: number, depth: TuneDepth): MatmulConfig[] {
  const out: MatmulConfig[] = [];
  const wgXs = depth === 'quick' ? [lanes] : [lanes, 2 * lanes];
  const invocations = depth === 'quick' ? [32, 64] : [16, 32, 64];
  for (const [regM, regN] of depth === 'quick' ? CPU_BLOCKS.slice(0, 4) : CPU_BLOCKS) {
    for (const wgX of wgXs) {
      for (const n of invocations) {
        const wgY = n / wgX;
        if (!Number.isInteger(wgY) || wgY < 1) continue;
        out.push({ entry: 'direct', regM, regN, wgX, wgY, tileK: 16 });
        // The same tiles reading four k at a time (a problem keeps the one its layout takes).
        out.push({ entry: 'direct4', regM, regN, wgX, wgY, tileK: 16 }, { entry: 'direct4a', regM, regN, wgX, wgY, tileK: 16 });
        if (subgroup && wgX % subgroup === 0) out.push({ entry: 'subgroup', regM, regN, wgX, wgY, tileK: 16 });
      }
    }
  }
  if (depth === 'full') {
    for (const stages of [1, 2] as const) out.push({ entry: 'main', regM: 4, regN: 4, wgX: 16, wgY: 16, tileK: 16, stages });
  }
  return out;
}

function gpuCandidates(subgroup: number, depth: TuneDepth): MatmulConfig[] {
  const out: MatmulConfig[] = [];
  const shapes = depth === 'quick' ? [[16, 16], [8, 8]] : [[16, 16], [8, 8], [16, 8]];
  const tileKs = depth === 'quick' ? [16] : [8, 16];
  const stagesOf: (1 | 2)[] = depth === 'quick' ? [2] : [1, 2];
  for (const [regM, regN] of depth === 'quick' ? [BLOCKS[0], BLOCKS[3]] : [BLOCKS[0], BLOCKS[1], BLOCKS[3]]) {
    for (const [wgX, wgY] of shapes) {
      for (const tileK of tileKs) {
        for (const stages of stagesOf) {
          out.push({ entry: 'main', regM, regN, wgX, wgY, tileK, stages });
          // The same tiles with vec4 loads (where the problem's layout allows), in K
          // steps of 16 only: four vec4s along k per tile row.
          if (tileK === 16) out.push({ entry: 'main4', regM, regN, wgX, wgY, tileK, stages });
        }
      }
    }
    if (subgroup) {
      for (const wgY of depth === 'quick' ? [4] : [2, 4]) out.push({ entry: 'subgroup', regM, regN, wgX: subgroup, wgY, tileK: 16 });
    }
  }
  return out;
}

/** Every configuration the tuner may time on an adapter of this class (before the per-problem filter), for a largest subgroup of `subgroup` (0: none). */
export function candidateSpace(adapter: 'llvmpipe' | 'swiftshader' | 'gpu', subgroup: number, depth: TuneDepth): MatmulConfig[] {
  if (adapter === 'gpu') return gpuCandidates(subgroup, depth);
  return cpuCandidates(adapter === 'llvmpipe' ? 8 : 4, subgroup, depth);
}

/**
 * The configurations to time for a problem on this device, the default first, each
 * valid there (checkConfig) and filling at least a quarter of its tiles; no two alike.
 */
export function matmulCandidates(gpu: Gpu, p: GemmProblem, depth: TuneDepth): MatmulConfig[] {
  const all = candidateSpace(cpuImplementation(gpu.adapter) ?? 'gpu', maxSubgroupSize(gpu), depth);
  const fallback = defaultMatmulConfig(gpu, p);
  const seen = new Set<string>();
  const out: MatmulConfig[] = [];
  for (const c of [fallback, ...all]) {
    const key = JSON.stringify({ ...c, stages: isTiled(c) ? (c.stages ?? 1) : undefined, tileK: isTiled(c) ? c.tileK : undefined });
    if (seen.has(key)) continue;
    seen.add(key);
    if (c !== fallback && filled(c, p) < 0.25) continue;
    // What the problem's layout allows (src/ops/matmul.ts), and 'direct4a' only where
    // vec4Entry names it: it also runs where 'direct4' does without a transposed A,
    // but reads op(B) a value at a time.
    if (!entryRuns(c, p) || (c.entry === 'direct4a' && vec4Entry(p) !== 'direct4a')) continue;
    try {
      checkConfig(gpu, c);
    } catch {
      continue;
    }
    out.push(c);
  }
  return out;
}
