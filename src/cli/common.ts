// Pieces every subcommand shares: option parsing with clear errors, the GPU, the
// data, checkpoints, and writing PNG files atomically.
import { cpuImplementation } from '../gpu/describe.js';
import { fileStore } from '../tune/file-store.js';
import { TUNE_MODES, type TuneMode, type TuneOptions } from '../tune/tuner.js';
import { extname } from 'node:path';
import { IDX_FILE_NAMES, loadDataset } from '../data/load.js';
import type { Split } from '../data/dataset.js';
import { InputError } from '../gpu/errors.js';
import { ADAPTER_CHOICES, createNodeGpu, type AdapterChoice } from '../gpu/node-device.js';
import type { Gpu } from '../gpu/runtime.js';
import { writeFileAtomic } from '../io/files.js';
import { encodePng, type Image } from '../io/png.js';
import { loadCheckpoint, type LoadedCheckpoint } from '../vae/checkpoint-files.js';
import type { LatentModel } from '../models/model.js';
import type { DenseConfig } from '../models/config.js';
import { createModel } from '../models/registry.js';
import type { OptionSpec } from './command.js';
import { debugEnabled } from './exit.js';

export type Values = Record<string, string | boolean | undefined>;

/** A usage problem: printed as one line, exit code 2. */
export class UsageError extends InputError {
  override name = 'UsageError';
}

/** Runs a parser or validator whose errors already name the flag and the fix; they become usage errors (exit 2). */
export function asUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function numberOption(values: Values, name: string, o: { integer?: boolean; min?: number; max?: number } = {}): number {
  const raw = values[name];
  const v = Number(raw);
  const kind = o.integer ? 'an integer' : 'a number';
  // A minimum of Number.MIN_VALUE means 'positive': say '> 0', not '>= 5e-324'.
  const low = o.min === Number.MIN_VALUE ? '> 0' : `>= ${o.min}`;
  const range = o.min !== undefined && o.max !== undefined ? (o.min === Number.MIN_VALUE ? ` ${low} and <= ${o.max}` : ` in ${o.min}..${o.max}`) : o.min !== undefined ? ` ${low}` : '';
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || (o.integer && !Number.isInteger(v)) || (o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max)) {
    throw new UsageError(`--${name} must be ${kind}${range}, got '${raw}'`);
  }
  return v;
}

export function choiceOption<T extends string>(values: Values, name: string, choices: readonly T[]): T {
  const v = values[name] as T;
  if (!choices.includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${v}'`);
  return v;
}

export function stringOption(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function pngPath(values: Values, name = 'out'): string {
  const p = stringOption(values, name);
  if (extname(p).toLowerCase() !== '.png') throw new UsageError(`--${name} must name a .png file, got '${p}'`);
  return p;
}

export const jsonOption: OptionSpec = { type: 'boolean', default: false, help: 'print the result as one JSON object on stdout (progress stays on stderr)' };
export const checkpointOption: OptionSpec = { type: 'string', valueName: 'PATH', help: "a run directory from 'train', or its model.safetensors (required)" };
export const dataOption: OptionSpec = { type: 'string', default: 'mnist', valueName: 'mnist|DIR', help: "'mnist' for the embedded digits, or a directory of MNIST-format IDX files" };

export type TuneChoice = 'auto' | TuneMode;

/** --tune, checked before the adapter opens. */
export function tuneChoice(values: Values): TuneChoice {
  return choiceOption(values, 'tune', ['auto', ...TUNE_MODES] as const);
}

/** --tune for this device: 'auto' is quick on a GPU and off on CPU adapters; choices persist in the user's cache (src/tune/file-store.ts). */
export function tuneOptions(choice: TuneChoice, gpu: Gpu): TuneOptions {
  const mode = choice === 'auto' ? (cpuImplementation(gpu.adapter) ? 'off' : 'quick') : choice;
  return { mode, store: fileStore(), log: (line) => process.stderr.write(line + '\n') };
}

export function openGpu(values: Values, options: { unsafe?: boolean } = {}): Promise<Gpu> {
  return createNodeGpu({ adapter: choiceOption(values, 'adapter', ADAPTER_CHOICES) as AdapterChoice, unsafe: options.unsafe, debug: debugEnabled() });
}

export async function openData(values: Values): Promise<Split> {
  return loadDataset(stringOption(values, 'data'));
}

/**
 * The checkpoint --checkpoint names, refused (exit 2) when `data` does not fit its
 * model: read before the GPU opens, so a bad pair costs no adapter start.
 */
export async function openCheckpoint(values: Values, data: Split | null): Promise<LoadedCheckpoint> {
  const ckpt = await loadCheckpoint(stringOption(values, 'checkpoint'));
  if (data) checkDataFits(ckpt.config.model, data, String(values.data), ckpt.modelPath);
  return ckpt;
}

/** The checkpoint's model on the GPU. */
export function modelOf(gpu: Gpu, ckpt: LoadedCheckpoint): LatentModel {
  return createModel(gpu, ckpt.config.model, { values: ckpt.values });
}

/** Images of the model's size, and (for a conditional model) labels among its classes; `spec` is --data's value. */
export function checkDataFits(model: DenseConfig, data: Split, spec: string, modelPath: string): void {
  for (const part of ['train', 'test'] as const) {
    const ds = data[part];
    if (ds.rows * ds.cols !== model.inputSize) {
      throw new UsageError(`--data ${spec}: its ${ds.rows}x${ds.cols} images do not fit the model of ${modelPath}, which takes ${model.imageRows}x${model.imageCols} images; pass data of that size`);
    }
    const i = model.classes > 0 ? ds.labels.findIndex((l) => l >= model.classes) : -1;
    if (i >= 0) {
      const file = spec === 'mnist' ? '' : ` (${IDX_FILE_NAMES[part === 'train' ? 'trainLabels' : 'testLabels']})`;
      throw new UsageError(`--data ${spec}: label ${ds.labels[i]} of ${part} image ${i}${file} is outside the classes 0..${model.classes - 1} that the model of ${modelPath} is conditioned on; pass data with those classes`);
    }
  }
}

export async function writePng(path: string, image: Image): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}

/** Prints the command's result: JSON on stdout with --json, else a short line on stderr. */
export function report(values: Values, result: Record<string, unknown>, line: string): void {
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stderr.write(line + '\n');
}

export function close(gpu: Gpu): void {
  gpu.destroy();
  gpu.device.destroy();
}
