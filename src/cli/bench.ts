// `webgpu-vae bench`: training throughput of the classic VAE (or, with --model
// conv, the conv VAE) on this machine's adapter. Per batch size: ms per step (median and spread over timed rounds, each
// round a run of captured steps to GPU completion), samples/s, a per-kernel
// breakdown with GFLOP/s or GB/s and share of step time, and GPU memory. With
// --compare-unfused, also the same step with every fusion split into plain kernels
// (src/vae/unfused-step.ts), timed the same way in rounds alternating with the fused
// step's, and the fused step's speed-up.
import { loadEmbeddedMnist } from '../data/mnist-embedded.js';
import type { Gpu } from '../gpu/runtime.js';
import { vaeConfig, type VaeConfig } from '../models/config.js';
import { convLayerMacs, convLevels } from '../models/conv.js';
import { denseParameterSpecs } from '../models/dense.js';
import { Vae } from '../models/vae.js';
import { median, profileStep, type StepProfile } from '../vae/step-profile.js';
import { compareUnfused, measureTrainingThroughput } from '../vae/throughput.js';
import { Trainer } from '../train/trainer.js';
import type { Split } from '../data/dataset.js';
import { adapterOption, tuneOption, type Command } from './command.js';
import { choiceOption, close, jsonOption, numberOption, openGpu, tuneChoice, tuneOptions, UsageError, type Values } from './common.js';
import { channelsOption } from './model-options.js';

export const benchCommand: Command = {
  summary: 'measure training throughput (samples/s), per-kernel time and GPU memory',
  options: {
    batch: { type: 'string', default: '128,1024', valueName: 'N[,N...]', help: 'batch sizes to measure' },
    rounds: { type: 'string', default: '7', valueName: 'N', help: 'timed rounds per batch size' },
    steps: { type: 'string', default: '10', valueName: 'N', help: 'steps per timed round' },
    warmup: { type: 'string', default: '5', valueName: 'N', help: 'untimed steps first' },
    model: { type: 'string', default: 'vae', valueName: 'vae|conv', help: 'vae: the classic dense VAE; conv: the conv VAE' },
    hidden: { type: 'string', default: '400', valueName: 'N', help: 'hidden layer width (vae)' },
    channels: { type: 'string', default: '32,64', valueName: 'N[,N...]', help: 'conv encoder channels (conv)' },
    latent: { type: 'string', default: '20', valueName: 'N', help: 'latent dimensions' },
    'compare-unfused': { type: 'boolean', default: false, help: 'also time the step with the fused kernels replaced by plain ones, and report the speed-up' },
    unsafe: { type: 'boolean', default: false, help: "UNSAFE: turn off Dawn's robustness checks (bounds clamps on every buffer access); labelled in every report" },
    adapter: adapterOption,
    tune: tuneOption,
    json: jsonOption,
  },
  async run(values) {
    const { batches, rounds, steps, warmup, config, data, tuning } = parseBench(values);
    const gpu = await openGpu(values, { unsafe: values.unsafe === true });
    const tune = tuneOptions(tuning, gpu);
    const results = [];
    for (const batch of batches) {
      const timing = { batchSize: batch, rounds, stepsPerRound: steps, warmup, config, tune };
      const pair = values['compare-unfused'] ? await compareUnfused(gpu, data, timing) : null;
      const t = pair?.fused ?? (await measureTrainingThroughput(gpu, data, timing));
      const ms = median(t.msPerStep);
      const unfused = pair ? summary(batch, pair.unfused.msPerStep, ms) : undefined;
      const { profile, memory } = await breakdown(gpu, data, config, batch);
      results.push({
        batch,
        samples_per_s: (batch * 1000) / ms,
        ms_per_step: ms,
        ms_per_step_min: Math.min(...t.msPerStep),
        ms_per_step_max: Math.max(...t.msPerStep),
        step_flops: stepFlops(config, batch),
        kernel_ms: profile.kernelMs,
        timer: profile.timer,
        kernels: profile.rows,
        memory,
        ...(unfused ? { unfused } : {}),
      });
      const vs = unfused ? `; unfused ${unfused.ms_per_step.toFixed(2)} ms/step, fused ${unfused.speedup.toFixed(2)}x faster` : '';
      if (!values.json) process.stderr.write(`  batch ${batch}: ${((batch * 1000) / ms).toFixed(0)} samples/s, ${ms.toFixed(2)} ms/step${vs}\n`);
    }
    const tuned = gpu.tuning.entries().map(([key, e]) => ({ key, config: e.config, ms: e.ms, default_ms: e.defaultMs, mode: e.mode }));
    const report = { date: new Date().toISOString(), adapter: gpu.adapter, config, tune: tune.mode, tuned, results };
    if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
    else process.stdout.write(formatReport(report));
    close(gpu);
    return 0;
  },
};

/** Every flag, checked (and the digits loaded, which needs no GPU) before the adapter opens, so a usage error is the only line printed. */
function parseBench(values: Values) {
  const batches = String(values.batch)
    .split(',')
    .map((b) => Number(b.trim()));
  if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new UsageError(`--batch must be a comma-separated list of positive integers, got '${values.batch}'`);
  const rounds = numberOption(values, 'rounds', { integer: true, min: 1 });
  const steps = numberOption(values, 'steps', { integer: true, min: 1 });
  const warmup = numberOption(values, 'warmup', { integer: true, min: 0 });
  const network = choiceOption(values, 'model', ['vae', 'conv'] as const) === 'conv' ? 'conv' : 'dense';
  if (network === 'conv' && values['compare-unfused']) throw new UsageError('--compare-unfused times the classic dense VAE only; drop it with --model conv');
  const config = vaeConfig({ network, channels: channelsOption(values), hidden: numberOption(values, 'hidden', { integer: true, min: 1 }), latent: numberOption(values, 'latent', { integer: true, min: 1 }) });
  const data = loadEmbeddedMnist();
  const tooLarge = batches.find((b) => b > data.train.n);
  if (tooLarge !== undefined) throw new UsageError(`--batch ${tooLarge} is larger than the ${data.train.n} training images; use ${data.train.n} or less`);
  return { batches, rounds, steps, warmup, config, data, tuning: tuneChoice(values) };
}

/** The unfused step's figures; speedup = unfused ms/step over fused ms/step (> 1: fusion pays). */
function summary(batch: number, msPerStep: number[], fusedMs: number) {
  const ms = median(msPerStep);
  return { samples_per_s: (batch * 1000) / ms, ms_per_step: ms, ms_per_step_min: Math.min(...msPerStep), ms_per_step_max: Math.max(...msPerStep), speedup: ms / fusedMs };
}

/** 2·(multiply-adds) of every layer's GEMMs in a step: forward, dX and dW (the first layer needs no dX). */
export function stepFlops(c: VaeConfig, batch: number): number {
  const macs = c.network === 'conv' ? convLayerMacs(c) : denseParameterSpecs(c).filter((s) => s.name.endsWith('.weight')).map(({ shape: [o, i] }) => o * i);
  return macs.reduce((sum, m, k) => sum + 2 * batch * m * (k === 0 ? 2 : 3), 0);
}

/** Floats per image of the hidden activations a step saves, encoder and decoder. */
function hiddenFloats(c: VaeConfig): number {
  if (c.network !== 'conv') return 2 * c.hidden.reduce((a, b) => a + b, 0);
  const { rows, cols } = convLevels(c);
  const levels = c.channels.map((ch, l) => ch * rows[l + 1] * cols[l + 1]);
  // The encoder's conv outputs; the decoder's fc_decode output and its hidden transposed convs mirror them.
  return 2 * levels.reduce((a, b) => a + b, 0);
}

async function breakdown(gpu: Gpu, data: Split, config: VaeConfig, batch: number) {
  gpu.pool.trim(); // so this run's allocations are all new and countable
  const before = { ...gpu.pool.stats };
  const model = new Vae(gpu, config, { seed: 1 });
  const trainer = new Trainer(gpu, model, data, { batchSize: batch, epochs: 1, lr: 1e-3, seed: 1 });
  trainer.beginEpoch(1);
  trainer.step(0);
  await gpu.finish();
  const profile: StepProfile = await profileStep(gpu, trainer.stepProgram!);
  const after = gpu.pool.stats;
  const n = model.parameters.length;
  const D = config.inputSize, H = hiddenFloats(config), L = config.latent;
  const dataset = 4 * (data.train.n + data.test.n) * (D + 1);
  const parameters = 4 * n, gradients = 4 * n, optimizer = 8 * n;
  // What a step must hold at its peak: the saved forward activations (x, the hidden
  // layers, mu, logvar, z, the decoder's hidden layers, logits) and the loss's
  // gradients and per-sample values.
  const activations = 4 * batch * (3 * D + H + 5 * L + 3);
  const allocated = after.bytesAllocated - before.bytesAllocated;
  const memory = {
    bytes_allocated: after.bytesAllocated,
    bytes_in_use: after.bytesInUse,
    peak_bytes_in_use: after.peakBytesInUse,
    run_bytes_allocated: allocated,
    dataset_bytes: dataset,
    needed_bytes: parameters + gradients + optimizer + activations,
    /** Allocated for this run, less the resident dataset, over what the step needs. */
    ratio_to_needed: (allocated - dataset) / (parameters + gradients + optimizer + activations),
  };
  trainer.dispose();
  model.dispose();
  gpu.pool.trim();
  return { profile, memory };
}

function formatReport(r: { adapter: { name: string; featureLevel: string; kind: string; unsafe?: boolean }; results: any[] }): string {
  const unsafe = r.adapter.unsafe ? '; UNSAFE: robustness checks off' : '';
  const lines = [`adapter: ${r.adapter.name} (${r.adapter.kind}, ${r.adapter.featureLevel} feature level${unsafe})`, ''];
  lines.push('batch  samples/s  ms/step (min..max)        step GFLOP/s  memory allocated (x needed)');
  for (const x of r.results) {
    lines.push(
      `${String(x.batch).padStart(5)}  ${x.samples_per_s.toFixed(0).padStart(9)}  ${x.ms_per_step.toFixed(2).padStart(7)} (${x.ms_per_step_min.toFixed(2)}..${x.ms_per_step_max.toFixed(2)})`.padEnd(44) +
        `${(x.step_flops / (x.ms_per_step * 1e6)).toFixed(2).padStart(12)}  ${(x.memory.run_bytes_allocated / 2 ** 20).toFixed(1)} MiB (${x.memory.ratio_to_needed.toFixed(2)}x)`,
    );
  }
  if (r.results.some((x) => x.unfused)) {
    lines.push('', 'unfused step (each fusion split into plain kernels):', 'batch  samples/s  ms/step (min..max)        fused speed-up');
    for (const x of r.results) {
      const u = x.unfused;
      lines.push(`${String(x.batch).padStart(5)}  ${u.samples_per_s.toFixed(0).padStart(9)}  ${u.ms_per_step.toFixed(2).padStart(7)} (${u.ms_per_step_min.toFixed(2)}..${u.ms_per_step_max.toFixed(2)})`.padEnd(42) + `  ${u.speedup.toFixed(2)}x`);
    }
  }
  for (const x of r.results) {
    lines.push('', `batch ${x.batch}: kernels (${x.timer}, ${x.kernel_ms.toFixed(2)} ms of kernels per step)`);
    for (const k of x.kernels) {
      const rate = k.gflops !== undefined ? `${k.gflops.toFixed(2)} GFLOP/s` : k.gbps !== undefined ? `${k.gbps.toFixed(2)} GB/s` : '';
      lines.push(`  ${(k.share * 100).toFixed(1).padStart(5)}%  ${k.ms.toFixed(3).padStart(8)} ms  x${String(k.launches).padEnd(3)} ${rate.padStart(16)}  ${k.kernel}`);
    }
  }
  return lines.join('\n') + '\n';
}
