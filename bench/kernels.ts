// Kernel benchmark: every kernel family's cases on one adapter, timed with GPU
// timestamp queries where the adapter has them, else as CPU wall time around
// submit + onSubmittedWorkDone of isolated launches (which includes submit
// overhead; the table says which timer was used). Prints a table, then one JSON
// line; `--json` prints only the JSON.
//
//   npm run bench -- [--adapter auto|gpu|llvmpipe|swiftshader] [--quick] [--json]
//                    [--filter TEXT] [--budget-ms MS (per case; default 1500, quick 300)]
//                    [--square N[,N...] (extra N³ matmuls)] [--tune off|quick|full]
// With --tune, every selected case runs once, the tuner times the matmul shape
// classes they used (src/tune/, in memory only), and the timing uses its choices,
// which the table's header lists and the JSON's `tuned` holds.
import { parseArgs } from 'node:util';
import { createNodeGpu, type AdapterChoice } from '../src/gpu/node-device.js';
import type { Gpu } from '../src/gpu/runtime.js';
import { describeMatmulConfig } from '../src/ops/matmul.js';
import { TUNE_MODES, tune, type TuneMode } from '../src/tune/tuner.js';
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
      square: { type: 'string', default: '' },
      tune: { type: 'string', default: 'off' },
    },
  });
  const gpu = await createNodeGpu({ adapter: values.adapter as AdapterChoice });
  const timer = gpu.canProfile ? 'gpu-timestamp' : 'cpu-wall';
  const budgetMs = values['budget-ms'] !== undefined ? Number(values['budget-ms']) : values.quick ? 300 : 1500;
  if (!(budgetMs > 0)) throw new Error(`--budget-ms must be a positive number of milliseconds, got '${values['budget-ms']}'`);
  const square = values.square ? values.square.split(',').map(Number) : [];
  if (square.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--square takes positive integers, got '${values.square}'`);
  const mode = values.tune as TuneMode;
  if (!TUNE_MODES.includes(mode)) throw new Error(`--tune must be one of ${TUNE_MODES.join(', ')}, got '${values.tune}'`);
  const selected = families.flatMap((family) => family(gpu, { quick: values.quick!, square })).filter((c) => !values.filter || `${c.family} ${c.name}`.includes(values.filter));
  if (mode !== 'off') {
    // One launch each records the shape classes looked up; then they are tuned.
    for (const c of selected) {
      for (const t of c.versus ? [c, c.versus] : [c]) {
        t.launch();
        await gpu.finish();
        t.free();
      }
    }
    await tune(gpu, { mode, log: values.json ? null : (line) => process.stderr.write(`${line}\n`) });
  }
  const results: Result[] = [];
  for (const c of selected) {
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
  const tuned = gpu.tuning.entries().map(([key, e]) => ({ key, config: describeMatmulConfig(e.config), ms: e.ms, default_ms: e.defaultMs }));
  const report = { date: new Date().toISOString(), adapter: gpu.adapter, timer, quick: values.quick, tune: mode, tuned, results };
  const tunedLines = tuned.map((t) => `tuned ${t.key}: ${t.config}\n`).join('');
  if (!values.json) console.log(`\nadapter: ${gpu.adapter.name} (${gpu.adapter.kind}, ${gpu.adapter.featureLevel}); timer: ${timer}; tune: ${mode}\n${tunedLines}\n${table(results)}\n`);
  console.log(JSON.stringify(report));
  gpu.destroy();
  gpu.device.destroy();
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 1;
});
