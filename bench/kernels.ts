// Kernel benchmark: every kernel family's cases on one adapter, timed with GPU
// timestamp queries where the adapter has them, else as CPU wall time around
// submit + onSubmittedWorkDone of isolated launches (which includes submit
// overhead; the table says which timer was used). Prints a table, then one JSON
// line; `--json` prints only the JSON.
//
//   npm run bench -- [--adapter auto|gpu|llvmpipe|swiftshader] [--quick] [--json]
//                    [--filter TEXT] [--budget-ms MS (per case; default 1500, quick 300)]
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
  /** With a `versus` case: the median over alternating pairs of this case's rate over its rate. */
  versus?: { name: string; ratio: number };
}

/** One launch's time in ms: GPU timestamps where the adapter has them, else wall time to onSubmittedWorkDone. */
async function once(gpu: Gpu, c: BenchCase): Promise<number> {
  if (gpu.canProfile) {
    gpu.startProfiling();
    c.launch();
    const timings = await gpu.stopProfiling();
    return timings.reduce((a, t) => a + t.ms, 0);
  }
  const start = performance.now();
  c.launch();
  await gpu.finish();
  return performance.now() - start;
}

/** Per-launch times in ms of each case, launched in turn (a, b, a, b, ...) so they share the machine's moods. */
async function time(gpu: Gpu, cases: BenchCase[], budgetMs: number): Promise<number[][]> {
  for (const c of cases) c.launch(); // warm-up: pipelines compiled, buffers pooled
  await gpu.finish();
  let first = 0;
  for (const c of cases) first += await once(gpu, c);
  const runs = Math.max(3, Math.min(30, Math.ceil(budgetMs / Math.max(first, 1e-3))));
  const times = cases.map((): number[] => []);
  for (let r = 0; r < runs; r++) for (const [i, c] of cases.entries()) times[i].push(await once(gpu, c));
  return times;
}

/** A case's work per launch, for rates: flops, else bytes, else one launch. */
const work = (c: BenchCase) => c.flops ?? c.bytes ?? 1;

function result(c: BenchCase, ms: number[]): Result {
  const med = median(ms);
  const { min, max } = spread(ms);
  const r: Result = { family: c.family, name: c.name, ms: med, min_ms: min, max_ms: max, runs: ms.length };
  if (c.flops) r.gflops = c.flops / (med * 1e6);
  if (c.bytes) r.gbps = c.bytes / (med * 1e6);
  return r;
}

function table(rows: Result[]): string {
  const head = ['family', 'case', 'median ms', 'min..max ms', 'rate', 'vs next row'];
  const body = rows.map((r) => [
    r.family,
    r.name,
    r.ms.toFixed(3),
    `${r.min_ms.toFixed(3)}..${r.max_ms.toFixed(3)}`,
    r.gflops !== undefined ? `${r.gflops.toFixed(2)} GFLOP/s` : r.gbps !== undefined ? `${r.gbps.toFixed(2)} GB/s` : '',
    r.versus ? `${(100 * r.versus.ratio).toFixed(0)}%` : '',
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
      'budget-ms': { type: 'string' },
    },
  });
  const gpu = await createNodeGpu({ adapter: values.adapter as AdapterChoice });
  const timer = gpu.canProfile ? 'gpu-timestamp' : 'cpu-wall';
  const budgetMs = values['budget-ms'] !== undefined ? Number(values['budget-ms']) : values.quick ? 300 : 1500;
  if (!(budgetMs > 0)) throw new Error(`--budget-ms must be a positive number of milliseconds, got '${values['budget-ms']}'`);
  const results: Result[] = [];
  for (const family of families) {
    for (const c of family(gpu, { quick: values.quick! })) {
      if (values.filter && !`${c.family} ${c.name}`.includes(values.filter)) {
        c.free();
        continue;
      }
      const timed = c.versus ? [c, c.versus] : [c];
      const times = await time(gpu, timed, budgetMs);
      const rows = timed.map((t, i) => result(t, times[i]));
      if (c.versus) {
        const pairs = times[0].map((ms, i) => work(c) / ms / (work(c.versus!) / times[1][i]));
        rows[0].versus = { name: c.versus.name, ratio: median(pairs) };
      }
      results.push(...rows);
      for (const t of timed) t.free();
      if (!values.json) for (const r of rows) process.stderr.write(`  ${r.family} ${r.name}: ${r.ms.toFixed(3)} ms\n`);
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
