// Kernel benchmark: every kernel family's cases on one adapter, timed with GPU
// timestamp queries where the adapter has them, else as CPU wall time around
// submit + onSubmittedWorkDone of isolated launches (which includes submit
// overhead; the table says which timer was used). Prints a table, then one JSON
// line; `--json` prints only the JSON.
//
//   npm run bench -- [--adapter auto|gpu|llvmpipe|swiftshader] [--quick] [--json]
import { parseArgs } from 'node:util';
import { createNodeGpu, type AdapterChoice } from '../src/gpu/node-device.js';
import type { Gpu } from '../src/gpu/runtime.js';
import type { BenchCase, BenchFamily } from './case.js';
import { adamBench } from './adam.js';
import { convBench } from './conv.js';
import { elementwiseBench } from './elementwise.js';
import { matmulBench } from './matmul.js';
import { median, spread } from './stats.js';
import { vaeBench } from './vae.js';

const families: BenchFamily[] = [matmulBench, convBench, elementwiseBench, vaeBench, adamBench];

interface Result {
  family: string;
  name: string;
  ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
  gflops?: number;
  gbps?: number;
}

/** Per-launch times in ms. */
async function time(gpu: Gpu, c: BenchCase, budgetMs: number): Promise<number[]> {
  c.launch(); // warm-up: pipelines compiled, buffers pooled
  await gpu.finish();
  const t0 = performance.now();
  c.launch();
  await gpu.finish();
  const first = performance.now() - t0;
  const runs = Math.max(3, Math.min(30, Math.ceil(budgetMs / Math.max(first, 1e-3))));
  if (gpu.canProfile) {
    const perLaunch: number[] = [];
    for (let r = 0; r < runs; r++) {
      gpu.startProfiling();
      c.launch();
      const timings = await gpu.stopProfiling();
      perLaunch.push(timings.reduce((a, t) => a + t.ms, 0));
    }
    return perLaunch;
  }
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    c.launch();
    await gpu.finish();
    times.push(performance.now() - start);
  }
  return times;
}

function table(rows: Result[]): string {
  const head = ['family', 'case', 'median ms', 'min..max ms', 'rate'];
  const body = rows.map((r) => [
    r.family,
    r.name,
    r.ms.toFixed(3),
    `${r.min_ms.toFixed(3)}..${r.max_ms.toFixed(3)}`,
    r.gflops !== undefined ? `${r.gflops.toFixed(2)} GFLOP/s` : r.gbps !== undefined ? `${r.gbps.toFixed(2)} GB/s` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      adapter: { type: 'string', default: 'auto' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      filter: { type: 'string' },
    },
  });
  const gpu = await createNodeGpu({ adapter: values.adapter as AdapterChoice });
  const timer = gpu.canProfile ? 'gpu-timestamp' : 'cpu-wall';
  const budgetMs = values.quick ? 300 : 1500;
  const results: Result[] = [];
  for (const family of families) {
    for (const c of family(gpu, { quick: values.quick! })) {
      if (values.filter && !`${c.family} ${c.name}`.includes(values.filter)) {
        c.free();
        continue;
      }
      const ms = await time(gpu, c, budgetMs);
      const med = median(ms);
      const { min, max } = spread(ms);
      const r: Result = { family: c.family, name: c.name, ms: med, min_ms: min, max_ms: max, runs: ms.length };
      if (c.flops) r.gflops = c.flops / (med * 1e6);
      if (c.bytes) r.gbps = c.bytes / (med * 1e6);
      results.push(r);
      c.free();
      if (!values.json) process.stderr.write(`  ${c.family} ${c.name}: ${med.toFixed(3)} ms\n`);
    }
  }
  const report = { date: new Date().toISOString(), adapter: gpu.adapter, timer, quick: values.quick, results };
  if (!values.json) console.log(`\nadapter: ${gpu.adapter.name} (${gpu.adapter.kind}, ${gpu.adapter.featureLevel}); timer: ${timer}\n\n${table(results)}\n`);
  console.log(JSON.stringify(report));
  gpu.destroy();
  gpu.device.destroy();
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 1;
});
