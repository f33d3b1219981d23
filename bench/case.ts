// What a kernel family contributes to the benchmark: named cases, each knowing its
// arithmetic (flops) or memory traffic (bytes) per launch, so the runner can turn
// time into GFLOP/s or GB/s. `launch` only records dispatches (gpu.run); the runner
// submits and times them. `free` releases whatever the case allocated.
import type { Gpu } from '../src/gpu/runtime.js';

export interface BenchCase {
  family: string;
  name: string;
  /** Floating-point operations per launch (matmul: 2*M*N*K). */
  flops?: number;
  /** Bytes read plus written per launch (memory-bound kernels). */
  bytes?: number;
  launch: () => void;
  free: () => void;
}

export type BenchFamily = (gpu: Gpu, options: { quick: boolean }) => BenchCase[];
