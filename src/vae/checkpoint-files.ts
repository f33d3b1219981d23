// Node: a run directory holds model.safetensors and config.json. `--checkpoint`
// accepts the directory or the .safetensors file (config.json beside it).
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../io/files.js';
import type { Model } from '../models/model.js';
import { parameterSpecs } from '../models/registry.js';
import { CheckpointError, decodeCheckpoint, decodeConfig, encodeCheckpoint, encodeConfig, type CheckpointConfig } from './checkpoint.js';

export const MODEL_FILE = 'model.safetensors';
export const CONFIG_FILE = 'config.json';

/** Writes the model's parameters (read from the GPU) and config.json into `dir`, each atomically. */
export async function saveCheckpoint(dir: string, model: Model, training?: Record<string, unknown>): Promise<void> {
  const values = await model.parameters.read();
  await ensureDir(dir);
  await writeFileAtomic(join(dir, MODEL_FILE), encodeCheckpoint(model.parameters.slots, values));
  await writeFileAtomic(join(dir, CONFIG_FILE), encodeConfig(model.config, training));
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
    } catch {
      throw new CheckpointError(`checkpoint: cannot read ${what} '${p}' (a run directory holds ${MODEL_FILE} and ${CONFIG_FILE})`);
    }
  };
  const config = decodeConfig((await read(configPath, 'config')).toString('utf8'), configPath);
  const bytes = await read(modelPath, 'weights');
  const values = decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), parameterSpecs(config.model), basename(modelPath));
  return { config, values, modelPath };
}
