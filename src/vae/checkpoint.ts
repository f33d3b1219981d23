// Checkpoints: a model's parameters as safetensors with PyTorch's state_dict names
// and layouts (fc1.weight [400, 784] ...; `format: pt` metadata, as the safetensors
// library writes for torch), plus the configuration as JSON, which describes the
// architecture completely (src/models/config.ts). Bytes in, bytes out, so the
// browser can use it; files.ts's atomic writes do the Node side.
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafetensorsTensor } from '../io/safetensors.js';
import { InputError } from '../gpu/errors.js';
import type { ModelConfigBase, DenseConfig } from '../models/config.js';
import { modelConfig } from '../models/registry.js';
import type { ParameterSpec } from '../nn/parameters.js';

export const CHECKPOINT_FORMAT = 'webgpu-vae/1';

export interface CheckpointConfig {
  format: typeof CHECKPOINT_FORMAT;
  model: DenseConfig;
  /** How it was trained (options, dataset, adapter), for the record. */
  training?: Record<string, unknown>;
}

export class CheckpointError extends InputError {
  override name = 'CheckpointError';
}

/** safetensors bytes of `values`, one tensor per spec (a model's parameters.slots, or parameterSpecs(config)). */
export function encodeCheckpoint(specs: readonly ParameterSpec[], values: Record<string, Float32Array>): Uint8Array {
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const spec of specs) {
    const data = values[spec.name];
    if (!data) throw new CheckpointError(`checkpoint: parameter '${spec.name}' is missing`);
    tensors[spec.name] = { dtype: 'F32', shape: [...spec.shape], data };
  }
  return encodeSafetensors(tensors, { format: 'pt' }, { checksum: true });
}

/** Parameters from safetensors bytes, checked against the specs' names and shapes. */
export function decodeCheckpoint(bytes: Uint8Array, specs: readonly ParameterSpec[], source = 'checkpoint'): Record<string, Float32Array> {
  let tensors: Record<string, SafetensorsTensor>;
  try {
    ({ tensors } = decodeSafetensors(bytes));
  } catch (e) {
    // The format's own messages do not know the file; name it.
    if (e instanceof SafetensorsError) throw new CheckpointError(`${source}: ${e.message}`, { cause: e });
    throw e;
  }
  const values: Record<string, Float32Array> = {};
  for (const spec of specs) {
    const t = tensors[spec.name];
    if (!t) throw new CheckpointError(`${source}: no tensor '${spec.name}'; it holds ${Object.keys(tensors).join(', ') || 'nothing'}`);
    if (t.shape.join(',') !== spec.shape.join(',')) {
      throw new CheckpointError(`${source}: '${spec.name}' has shape [${t.shape.join(', ')}] but config.json describes [${spec.shape.join(', ')}]; is config.json from the same run?`);
    }
    values[spec.name] = t.data;
  }
  return values;
}

export function encodeConfig(config: ModelConfigBase, training?: Record<string, unknown>): string {
  const c = { format: CHECKPOINT_FORMAT, model: config, ...(training ? { training } : {}) };
  return JSON.stringify(c, null, 2) + '\n';
}

export function decodeConfig(text: string, source = 'config.json'): CheckpointConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  const c = parsed as Partial<CheckpointConfig>;
  if (c?.format !== CHECKPOINT_FORMAT || typeof c.model !== 'object') {
    throw new CheckpointError(`${source} is not a webgpu-vae config (expected "format": "${CHECKPOINT_FORMAT}" and a "model" object)`);
  }
  try {
    return { ...c, format: CHECKPOINT_FORMAT, model: modelConfig(c.model as unknown as Record<string, unknown>) };
  } catch (e) {
    throw new CheckpointError(`${source}: ${(e as Error).message}`);
  }
}
