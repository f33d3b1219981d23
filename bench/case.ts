// What a kernel family contributes to the benchmark: named cases, each knowing its
// arithmetic (flops) or memory traffic (bytes) per launch, so the runner can turn
// time into GFLOP/s or GB/s. `launch` only records dispatches (gpu.run); the runner
// submits and times them. `free` releases whatever the case allocated.
import type { Gpu } from '../src/gpu/runtime.js';
import type { Tensor } from '../src/tensor.js';

export interface BenchCase {
  family: string;
  name: string;
  /** Floating-point operations per launch (matmul: 2*M*N*K). */
  flops?: number;
  /** Bytes read plus written per launch (memory-bound kernels). */
  bytes?: number;
  launch: () => void;
  free: () => void;
  /**
   * A case to compare this one with (a conv GEMM's same-shape matmul): the runner
   * times the two in alternating launches and reports the median of the per-pair
   * rate ratios, which a noisy machine moves far less than two separate medians.
   */
  versus?: BenchCase;
}

export interface BenchOptions {
  quick: boolean;
  /** Sides of extra square matmuls (`--square 4096`: the GPU's headline product). */
  square: number[];
}

export type BenchFamily = (gpu: Gpu, options: BenchOptions) => BenchCase[];

/**
 * A case whose tensors are allocated at its first launch (the runner's warm-up) and
 * released by `free`, so building the case list allocates nothing (the 1e7-parameter
 * optimizer cases take 200 MB each).
 */
export function lazyCase<T extends Record<string, Tensor | null>>(gpu: Gpu, family: string, name: string, bytes: number, alloc: () => T, launch: (t: T) => void): BenchCase {
  let tensors: T | null = null;
  return {
    family,
    name,
    bytes,
    launch: () => launch((tensors ??= alloc())),
    free: () => {
      if (tensors) gpu.release(...Object.values(tensors));
      tensors = null;
    },
  };
}
