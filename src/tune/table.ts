// The tuner's table on one device: for each GEMM shape class met there, the matmul
// configuration the tuner chose. src/ops/matmul.ts looks every product up here
// (src/ops/conv.ts every conv GEMM) first (then falls back to the defaults by adapter class), and every class looked
// up is remembered, so that the tuner (src/tune/tuner.ts) knows what to time: the
// first problem seen of a class stands for it.
//
// A class is the pair of transpositions and each dimension rounded up: to a
// multiple of 4 up to 32 (skinny tiles are fitted to the exact side), else to a
// power of two; and whether K is a multiple of 4 (only then can the vec4 entries
// run, src/ops/matmul.ts). So a VAE's 12 products at one batch size are 12 classes, and a batch
// of 1000 shares the entries of 1024.
import type { GemmProblem, MatmulConfig } from '../ops/matmul.js';

export interface TunedEntry {
  config: MatmulConfig;
  /** Median ms per launch of the chosen and of the default configuration, as timed. */
  ms: number;
  defaultMs: number;
  /** How thoroughly it was tuned ('full' replaces a 'quick' entry). */
  mode: 'quick' | 'full';
  /** The problem that was timed for the class. */
  problem: GemmProblem;
}

const roundDim = (n: number) => (n <= 32 ? Math.ceil(n / 4) * 4 : 2 ** Math.ceil(Math.log2(n)));

/**
 * The shape-class key of a product, e.g. "NT 1024x512x1024" (op(A), op(B), then
 * M x N x K; "unaligned" marks K % 4 != 0, where the vec4 entries cannot run), or of a conv GEMM, e.g. "conv-weight 3x3/2 512x64x8192" (the mode, the
 * kernel and stride, which change how im2col reads, then M x N x K; "-kn" marks a
 * weight read k-major).
 */
export function problemKey(p: GemmProblem): string {
  const dims = `${roundDim(p.M)}x${roundDim(p.N)}x${roundDim(p.K)}`;
  if (p.conv) return `conv-${p.conv.mode}${p.conv.weightKN ? '-kn' : ''} ${p.conv.kernel.join('x')}/${p.conv.g.stride} ${dims}`;
  return `${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'} ${dims}${p.K % 4 ? ' unaligned' : ''}`;
}

export class TuningTable {
  private readonly chosen = new Map<string, TunedEntry>();
  /** Every class looked up, with the first problem seen of it. */
  private readonly seen = new Map<string, GemmProblem>();

  /** The tuned configuration of the problem's class, or undefined; either way the class is noted as seen. */
  lookup(p: GemmProblem): MatmulConfig | undefined {
    const key = problemKey(p);
    if (!this.seen.has(key)) this.seen.set(key, p.conv ? { ...p, conv: { ...p.conv } } : { ...p });
    return this.chosen.get(key)?.config;
  }

  /** The classes seen that a tuning run in this mode would time: those without an entry, and for 'full' those tuned only quickly. */
  pending(mode: 'quick' | 'full'): [key: string, problem: GemmProblem][] {
    return [...this.seen].filter(([key]) => {
      const entry = this.chosen.get(key);
      return !entry || (mode === 'full' && entry.mode === 'quick');
    });
  }

  get(key: string): TunedEntry | undefined {
    return this.chosen.get(key);
  }

  set(key: string, entry: TunedEntry): void {
    this.chosen.set(key, entry);
  }

  entries(): [key: string, entry: TunedEntry][] {
    return [...this.chosen];
  }

  /** Forgets every choice and every class seen (later lookups use the defaults). */
  clear(): void {
    this.chosen.clear();
    this.seen.clear();
  }
}
