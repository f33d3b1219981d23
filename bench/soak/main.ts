// The long soak for bench/RESULTS.md: 10,000 steps (or --steps) of the small VAE of
// bench/soak/run.ts, with a full GC before each sample (run under node --expose-gc,
// which `npm run bench:soak` does). Prints a table and then one JSON line.
//
//   npm run bench:soak -- [--steps 10000] [--every 1000] [--adapter llvmpipe|swiftshader|gpu]
import { parseArgs } from 'node:util';
import { loadDataset } from '../../src/data/load.js';
import { createNodeGpu, type AdapterChoice } from '../../src/gpu/node-device.js';
import { runSoak } from './run.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '10000' }, every: { type: 'string', default: '1000' }, adapter: { type: 'string', default: 'auto' } } });
const steps = Number(values.steps);
const every = Number(values.every);
if (!(Number.isInteger(steps) && steps >= every && Number.isInteger(every) && every >= 1)) {
  console.error(`bench:soak: --steps and --every must be whole numbers with steps >= every >= 1, got ${values.steps} and ${values.every}`);
  process.exit(2);
}
if (!(globalThis as { gc?: unknown }).gc) console.error('bench:soak: run under node --expose-gc for heap figures after a full collection');
const gpu = await createNodeGpu({ adapter: values.adapter as AdapterChoice });
const start = performance.now();
const samples = await runSoak(gpu, await loadDataset('mnist'), { steps, every });
const seconds = (performance.now() - start) / 1000;
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
console.log(`${'step'.padStart(7)} ${'GPU MiB'.padStart(8)} ${'buffers'.padStart(8)} ${'created'.padStart(8)} ${'staging'.padStart(8)} ${'bind groups'.padStart(12)} ${'heap MiB'.padStart(9)}`);
for (const s of samples) {
  console.log(`${String(s.step).padStart(7)} ${mib(s.bytesAllocated).padStart(8)} ${String(s.liveBuffers).padStart(8)} ${String(s.buffersCreated).padStart(8)} ${String(s.stagingBuffers).padStart(8)} ${String(s.bindGroupsCreated).padStart(12)} ${mib(s.heapBytes).padStart(9)}`);
}
const first = samples[0]!;
const last = samples[samples.length - 1]!;
console.log(JSON.stringify({ adapter: gpu.adapter.name, steps: last.step, seconds: Number(seconds.toFixed(1)), first, last, heap_growth_bytes: last.heapBytes - first.heapBytes, samples }));
gpu.destroy();
gpu.device.destroy();
