// Where a training step's time goes, kernel by kernel. With 'timestamp-query' each
// dispatch of one replayed step is timed on the GPU. Without it (llvmpipe), each
// dispatch is recorded `repeat` times alone in one submit and timed to completion on
// the CPU, minus an empty submit's time, which isolates it from submit overhead.
import type { Program } from '../gpu/program.js';
import type { Dispatch, Gpu } from '../gpu/runtime.js';

export interface KernelRow {
  /** Pipeline label: shader:entry[constants]. */
  kernel: string;
  launches: number;
  ms: number;
  share: number;
  gflops?: number;
  gbps?: number;
}

export interface StepProfile {
  timer: 'gpu-timestamp' | 'cpu-isolated';
  /** Sum of the kernels' times for one step. */
  kernelMs: number;
  rows: KernelRow[];
}

export async function profileStep(gpu: Gpu, program: Program, repeat = 5): Promise<StepProfile> {
  const dispatches = program.commands.filter((c) => c.kind === 'dispatch').map((c) => (c as { dispatch: Dispatch }).dispatch);
  const times = gpu.canProfile ? await timestamps(gpu, program) : await isolated(gpu, dispatches, repeat);
  const byKernel = new Map<string, { launches: number; ms: number; flops: number; bytes: number }>();
  dispatches.forEach((d, i) => {
    const row = byKernel.get(d.label) ?? { launches: 0, ms: 0, flops: 0, bytes: 0 };
    row.launches += 1;
    row.ms += times[i];
    row.flops += d.cost.flops ?? 0;
    row.bytes += d.cost.bytes ?? 0;
    byKernel.set(d.label, row);
  });
  const kernelMs = times.reduce((a, b) => a + b, 0);
  const rows = [...byKernel.entries()]
    .map(([kernel, r]) => ({
      kernel,
      launches: r.launches,
      ms: r.ms,
      share: kernelMs > 0 ? r.ms / kernelMs : 0,
      ...(r.flops ? { gflops: r.flops / (r.ms * 1e6) } : {}),
      ...(r.bytes && !r.flops ? { gbps: r.bytes / (r.ms * 1e6) } : {}),
    }))
    .sort((a, b) => b.ms - a.ms);
  return { timer: gpu.canProfile ? 'gpu-timestamp' : 'cpu-isolated', kernelMs, rows };
}

async function timestamps(gpu: Gpu, program: Program): Promise<number[]> {
  // Median of a few replays, per dispatch.
  const runs: number[][] = [];
  for (let r = 0; r < 5; r++) {
    gpu.startProfiling();
    gpu.replay(program);
    runs.push((await gpu.stopProfiling()).map((t) => t.ms));
  }
  return runs[0].map((_, i) => median(runs.map((run) => run[i])));
}

async function isolated(gpu: Gpu, dispatches: Dispatch[], repeat: number): Promise<number[]> {
  const timeSubmit = async (d: Dispatch | null) => {
    const samples: number[] = [];
    for (let r = 0; r < 3; r++) {
      await gpu.finish();
      const start = performance.now();
      if (d) for (let k = 0; k < repeat; k++) gpu.record(d);
      await gpu.finish();
      samples.push(performance.now() - start);
    }
    return median(samples);
  };
  const empty = await timeSubmit(null);
  const out: number[] = [];
  for (const d of dispatches) out.push(Math.max(0, (await timeSubmit(d)) - empty) / repeat);
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
