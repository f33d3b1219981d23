// Peer comparison: a VAE's training throughput (--model dense, the classic VAE, by
// default; --model conv, the conv VAE of src/models/conv.ts), ours against
// TensorFlow.js (WebGPU backend on the same Dawn adapter, and its CPU backend) and
// jax-js (WebGPU device, jit-compiled step), at each batch size. Everything for one
// adapter runs in one process, so the ratios compare like with like; with several
// adapters each gets its own child process (TF.js and jax-js bind to one adapter per
// process). Before anything is timed, each batch size starts with a check
// (check.ts): every implementation's loss and gradients for the first batch at the
// initial parameters with eps = 0, against a float64 reference (reference.ts); a
// peer that does not match is not timed, ours is timed and its row says so.
//
//   node dist/bench-peers.js [--model dense|conv] [--adapter llvmpipe|swiftshader|both]
//                            [--batch 128,1024] [--quick]
//                            [--only ours,tfjs-webgpu,jax-webgpu,tfjs-cpu] [--tune off|quick|full] [--json]
//
// Prints a table per adapter and batch, then one JSON line (--json: only the line).
import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadEmbeddedMnist } from '../../src/data/mnist-embedded.js';
import { createNodeGpu } from '../../src/gpu/node-device.js';
import { measureTrainingThroughput } from '../../src/vae/throughput.js';
import { bounded, interleave, peerContender, type Contender, type Entry, type MeasureOptions } from './measure.js';
import { grantedAdapters, installNavigatorGpu, type PeerAdapter } from './navigator-gpu.js';
import { addRatios, failedRow, formatTable, IMPLS, timedRow, type AdapterReport, type Impl, type Row, type RowCheck } from './report.js';
import { compareCheck, describeComparison, oursCheck } from './check.js';
import { referenceCheck } from './reference.js';
import { memoryStore } from '../../src/tune/store.js';
import { TUNE_MODES, type TuneMode } from '../../src/tune/tuner.js';
import { createJaxConvTrainer } from './jax-conv-vae.js';
import { createJaxTrainer } from './jax-vae.js';
import { describeModel, MODELS, oursConfig, type BenchModel, type CheckResult, type PeerTrainer } from './spec.js';
import { createTfjsConvTrainer } from './tfjs-conv-vae.js';
import { createTfjsTrainer, type TfjsBackend } from './tfjs-vae.js';
import type { Split } from '../../src/data/dataset.js';
import type { Gpu } from '../../src/gpu/runtime.js';

const ADAPTERS: readonly PeerAdapter[] = ['llvmpipe', 'swiftshader'];

// Full: rounds of about 3 s per contender, 5 of them, fewer when the interleaved
// block would pass 90 s (the slow peers on SwiftShader at batch 1024).
const FULL: MeasureOptions = { rounds: 5, minRounds: 3, roundMs: 3000, maxStepsPerRound: 20, budgetMs: 90_000, syncTimeoutMs: 180_000 };
const QUICK: MeasureOptions = { rounds: 3, minRounds: 2, roundMs: 800, maxStepsPerRound: 5, budgetMs: 15_000, syncTimeoutMs: 180_000 };

/** The commit ours was built from, when run from a checkout (ours changes as src does). */
function commit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const log = (line: string) => process.stderr.write(`bench-peers: ${line}\n`);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Ours, timed by measureTrainingThroughput itself: one round per call (a fresh model
 * and one warm-up step each time, untimed; pipelines stay cached in the runtime), so
 * its rounds can interleave with the peers'.
 */
function oursContender(gpu: Gpu, data: Split, batch: number, model: BenchModel, tune: TuneMode): Contender {
  const config = oursConfig(model);
  // Tuned once per GEMM class, in the first warm-up (the runtime keeps the table); in memory, so every bench run tunes afresh.
  const tuning = { mode: tune, store: memoryStore() };
  const measure = (stepsPerRound: number, warmup: number) => measureTrainingThroughput(gpu, data, { batchSize: batch, rounds: 1, stepsPerRound, warmup, config, tune: tuning });
  return {
    async warm() {
      return { estimateMs: (await measure(1, 2)).msPerStep[0], firstLoss: null };
    },
    async round(steps) {
      return { msPerStep: (await measure(steps, 1)).msPerStep[0], loss: null };
    },
    dispose() {},
  };
}

async function createPeer(impl: Exclude<Impl, 'ours'>, model: BenchModel, data: Split, batch: number): Promise<PeerTrainer> {
  if (impl === 'jax-webgpu') return model === 'conv' ? createJaxConvTrainer(data.train, batch) : createJaxTrainer(data.train, batch);
  const backend: TfjsBackend = impl === 'tfjs-cpu' ? 'cpu' : 'webgpu';
  return model === 'conv' ? createTfjsConvTrainer(backend, data.train, batch) : createTfjsTrainer(backend, data.train, batch);
}

/** What one batch size's block needs to know. */
interface BlockContext {
  gpu: Gpu | null;
  data: Split;
  batch: number;
  model: BenchModel;
  o: MeasureOptions;
  /** The float64 check at this batch (reference.ts), which every implementation is compared with. */
  reference: CheckResult;
  /** Ours' comparison with it (null: ours could not run it). */
  ours: RowCheck | null;
  /** Ours' kernel tuning (src/tune/tuner.ts). */
  tune: TuneMode;
}

/** A peer's trainer, checked against the float64 reference (before its first step) and wrapped for timing. */
async function peerEntry(impl: Exclude<Impl, 'ours'>, c: BlockContext, checks: Map<Impl, RowCheck>): Promise<Entry<Impl>> {
  const trainer = await createPeer(impl, c.model, c.data, c.batch);
  try {
    const t0 = performance.now();
    const mine = await bounded(trainer.check(), c.o.syncTimeoutMs, 'the check');
    // TF.js's CPU backend computes inside the call, where no timeout can fire; the
    // check is most of a step's work, so the same limit applies to it afterwards.
    const ms = performance.now() - t0;
    if (ms > c.o.syncTimeoutMs) throw new Error(`not timed: the check (a forward and backward pass) took ${(ms / 1000).toFixed(0)} s, over the ${c.o.syncTimeoutMs / 1000} s limit of any one wait, and a training step would too`);
    const cmp = compareCheck(c.reference, mine);
    checks.set(impl, { ...cmp, reference: c.reference.loss });
    log(`batch ${c.batch}: check ${impl}: ${describeComparison(cmp, c.reference.loss)}${cmp.ok ? '' : ' FAILED'}`);
    if (!cmp.ok) throw new Error(`check failed: ${describeComparison(cmp, c.reference.loss)}`);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  const contender = peerContender(trainer, c.o);
  return { key: impl, contender, warmSteps: contender.warmSteps };
}

/** Builds the contenders, interleaves their rounds, and turns the results into rows. */
async function block(impls: Impl[], c: BlockContext): Promise<Row[]> {
  const { gpu, data, batch, o } = c;
  const rows = new Map<Impl, Row>();
  const checks = new Map<Impl, RowCheck>();
  if (c.ours) checks.set('ours', c.ours);
  const entries: Entry<Impl>[] = [];
  for (const impl of impls) {
    try {
      if (impl === 'ours') {
        if (!gpu) throw new Error('no device (see the adapter error)');
        entries.push({ key: impl, contender: oursContender(gpu, data, batch, c.model, c.tune), warmSteps: 3, extraPerRound: 1 });
      } else entries.push(await peerEntry(impl, c, checks));
    } catch (e) {
      rows.set(impl, failedRow(impl, batch, message(e)));
    }
  }
  try {
    const results = await interleave(entries, o, (line) => log(`batch ${batch}: ${line}`));
    for (const [impl, r] of results) {
      if (r instanceof Error) rows.set(impl, failedRow(impl, batch, r.message));
      else if (r.msPerStep.length === 0) rows.set(impl, failedRow(impl, batch, 'no round completed'));
      else rows.set(impl, timedRow(impl, batch, r.msPerStep, { steps_per_round: r.stepsPerRound, first_loss: r.firstLoss, last_loss: r.lastLoss, steps: r.steps }));
    }
  } finally {
    for (const e of entries) e.contender.dispose();
  }
  return impls.map((i) => {
    const row = rows.get(i)!;
    const check = checks.get(i);
    return check ? { ...row, check } : row;
  });
}

/** Every implementation at every batch on one adapter, in this process. */
async function runAdapter(adapter: PeerAdapter, model: BenchModel, batches: number[], impls: Impl[], o: MeasureOptions, unsafe: boolean, tune: TuneMode): Promise<AdapterReport> {
  // First: it sets the environment the driver is chosen by, for ours and the peers.
  installNavigatorGpu(adapter, unsafe);
  const data = loadEmbeddedMnist();
  const report: AdapterReport = { adapter, device: null, peer_devices: [], rows: [] };
  let gpu: Gpu | null = null;
  try {
    gpu = await createNodeGpu({ adapter, log: null, unsafe });
    report.device = `${gpu.adapter.name} [${gpu.adapter.featureLevel}${unsafe ? ', UNSAFE: robustness checks off for every implementation' : ''}]`;
  } catch (e) {
    report.error = `ours: ${message(e)}`;
  }
  // TF.js runs one backend at a time, so its CPU backend gets a block of its own,
  // after the WebGPU contenders (it is a reference point, not a target).
  const onWebGpu = impls.filter((i) => i !== 'tfjs-cpu');
  for (const batch of batches) {
    // The check's float64 reference, then ours against it. Ours is timed whatever its
    // check says (it is what is being measured), with the result in its row; a peer
    // that fails is not timed.
    const t0 = performance.now();
    const reference = referenceCheck(model, data.train, batch);
    log(`${adapter} batch ${batch}: check: float64 reference loss at eps=0 ${reference.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    let ours: RowCheck | null = null;
    if (gpu) {
      try {
        const cmp = compareCheck(reference, await oursCheck(gpu, data.train, batch, oursConfig(model)));
        ours = { ...cmp, reference: reference.loss };
        log(`${adapter} batch ${batch}: check ours: ${describeComparison(cmp, reference.loss)}${cmp.ok ? '' : ' FAILED (ours is timed anyway)'}`);
      } catch (e) {
        log(`${adapter} batch ${batch}: check ours could not run: ${message(e)}`);
      }
    }
    const c: BlockContext = { gpu, data, batch, model, o, reference, ours, tune };
    log(`${adapter} batch ${batch}: ${onWebGpu.join(', ')} interleaved ...`);
    const rows = onWebGpu.length ? await block(onWebGpu, c) : [];
    if (impls.includes('tfjs-cpu')) {
      log(`${adapter} batch ${batch}: tfjs-cpu ...`);
      rows.push(...(await block(['tfjs-cpu'], c)));
    }
    for (const r of rows) log(`${adapter} batch ${batch}: ${r.impl} ${r.error ? `failed: ${r.error}` : `${r.samples_per_s!.toFixed(1)} samples/s`}`);
    report.rows.push(...rows);
  }
  gpu?.destroy();
  report.peer_devices = [...new Set(grantedAdapters)];
  addRatios(report.rows);
  return report;
}

/** Runs one adapter in a child process (this script, --json) and returns its report. */
function runChild(adapter: PeerAdapter, args: string[]): Promise<AdapterReport> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [process.argv[1], ...args, '--adapter', adapter, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const tail: string[] = [];
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      tail.push(...d.toString().split('\n').filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 5));
    });
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve((JSON.parse(line) as { adapters: AdapterReport[] }).adapters[0]);
      } catch {
        const error = `child process ended (${signal ?? `exit code ${code}`}) without a report; last output: ${tail.join(' | ')}`;
        resolve({ adapter, device: null, peer_devices: [], rows: [], error });
      }
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'dense' },
      adapter: { type: 'string', default: 'both' },
      batch: { type: 'string', default: '128,1024' },
      only: { type: 'string', default: IMPLS.join(',') },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      unsafe: { type: 'boolean', default: false },
      tune: { type: 'string', default: 'off' },
    },
  });
  if (!(MODELS as readonly string[]).includes(values.model)) throw new Error(`--model ${values.model}: choose ${MODELS.join(' or ')}`);
  const model = values.model as BenchModel;
  const adapters = values.adapter === 'both' ? [...ADAPTERS] : values.adapter.split(',');
  for (const a of adapters) if (!(ADAPTERS as readonly string[]).includes(a)) throw new Error(`--adapter ${a}: choose llvmpipe, swiftshader or both`);
  const batches = values.batch.split(',').map(Number);
  if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new Error(`--batch ${values.batch}: expected positive integers, e.g. 128,1024`);
  const impls = values.only.split(',') as Impl[];
  for (const i of impls) if (!IMPLS.includes(i)) throw new Error(`--only ${i}: choose from ${IMPLS.join(', ')}`);
  const o = values.quick ? QUICK : FULL;
  if (!(TUNE_MODES as readonly string[]).includes(values.tune)) throw new Error(`--tune ${values.tune}: choose ${TUNE_MODES.join(', ')}`);
  const tune = values.tune as TuneMode;

  const started = new Date();
  let reports: AdapterReport[];
  if (adapters.length === 1) reports = [await runAdapter(adapters[0] as PeerAdapter, model, batches, impls, o, values.unsafe, tune)];
  else {
    const passOn = ['--model', model, '--batch', values.batch, '--only', values.only, ...(values.quick ? ['--quick'] : []), ...(values.unsafe ? ['--unsafe'] : []), '--tune', tune];
    reports = [];
    for (const a of adapters) reports.push(await runChild(a as PeerAdapter, passOn));
  }
  const summary = {
    bench: 'peers',
    date: started.toISOString(),
    commit: commit(),
    machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    model,
    model_description: describeModel(model),
    quick: values.quick,
    unsafe: values.unsafe,
    tune,
    adapters: reports,
  };
  if (!values.json) process.stdout.write(formatTable(reports, describeModel(model)) + '\n');
  process.stdout.write(JSON.stringify(summary) + '\n');
}

main().then(
  // Dawn's and the peers' threads would keep the process alive; exit once stdout is written.
  () => process.stdout.write('', () => process.exit(0)),
  (e) => {
    process.stderr.write(`bench-peers: ${message(e)}\n`);
    process.exit(1);
  },
);
