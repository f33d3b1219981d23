// Node: a run directory holds model.safetensors and config.json. `--checkpoint`
// accepts the directory or the .safetensors file (config.json beside it).
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../io/files.js';
import type { ModelConfigBase } from '../models/config.js';
import type { Model } from '../models/model.js';
import { parameterSpecs } from '../models/registry.js';
import type { ParameterSpec } from '../nn/parameters.js';
import { CheckpointError, decodeCheckpoint, decodeConfig, encodeCheckpoint, encodeConfig, type CheckpointConfig } from './checkpoint.js';

export const MODEL_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

/** Writes the model's parameters (read from the GPU) and config.json into `dir`, each atomically. */
export async function saveCheckpoint(dir: string, model: Model, training?: Record<string, unknown>): Promise<void> {
  await writeCheckpoint(dir, model.config, model.parameters.slots, await model.parameters.read(), training);
}

/**
 * Writes parameter values (one per spec, e.g. parameterSpecs(config)) and config.json
 * into `dir`, each atomically; no GPU.
 * The weights go first: a kill between the two files leaves new weights beside the
 * previous config.json, which describes the same architecture, so the checkpoint
 * still loads (only the training record lags by one save).
 */
export async function writeCheckpoint(
  dir: string,
  config: ModelConfigBase,
  specs: readonly ParameterSpec[],
  values: Record<string, Float32Array>,
  training?: Record<string, unknown>,
): Promise<void> {
  await ensureDir(dir);
  await writeFileAtomic(join(dir, MODEL_FILE), encodeCheckpoint(specs, values));
  await writeFileAtomic(join(dir, CONFIG_FILE), encodeConfig(config, training));
}

export interface LoadedCheckpoint {
  config: CheckpointConfig;
  values: Record<string, Float32Array>;
  modelPath: string;
}

export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new CheckpointError(`checkpoint '${path}' does not exist; pass a run directory (from 'webgpu-vae train --out DIR') or its ${MODEL_FILE}`);
  const modelPath = info.isDirectory() ? join(path, MODEL_FILE) : path;
  const configPath = join(dirname(modelPath), CONFIG_FILE);
  const read = async (p: string, what: string) => {
    try {
      return await readFile(p);
    } catch (e) {
      // A missing file is a wrong path; any other failure (permissions, a directory
      // in the way) is reported as the file-system error it is (src/cli/exit.ts).
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new CheckpointError(`checkpoint: cannot read ${what} '${p}': it does not exist (a run directory holds ${MODEL_FILE} and ${CONFIG_FILE})`);
    }
  };
  const config = decodeConfig((await read(configPath, 'config')).toString('utf8'), configPath);
  const bytes = await read(modelPath, 'weights');
  const values = decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), parameterSpecs(config.model), modelPath);
  return { config, values, modelPath };
}
