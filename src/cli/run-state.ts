// The resumable state of a `train` run: one file, RUN/training-state.safetensors,
// holding everything an uninterrupted run would still have in memory: the flat
// parameter buffer, the optimizer's moments and GPU step counter, the epoch's loss
// sums and the non-finite guard's counts (tensors, bit for bit), and as metadata the position (epoch, steps done, the
// global step that is also the RNG counter), the flags the run was started with and
// the metrics lines written so far. One file written atomically is consistent by
// construction: a kill at any moment leaves the previous state or the new one, and
// metrics.jsonl is rewritten from it on resume, so no line is lost or doubled. The
// CRC-32 of safetensors (src/io/safetensors.ts) catches a file damaged later.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type SafetensorsTensor } from '../io/safetensors.js';
import type { TrainerState } from '../train/trainer.js';
import { UsageError, type Values } from './common.js';

export const STATE_FILE = 'training-state.safetensors';
const FORMAT = 'webgpu-vae-training/1';
const META_KEY = 'webgpu_vae.training';

export interface RunState {
  trainer: TrainerState;
  /** The train flags the run was started with (raw strings and booleans, as parsed). */
  flags: Values;
  /** metrics.jsonl's lines so far, one per finished epoch. */
  metrics: string[];
}

interface Meta {
  format: typeof FORMAT;
  epoch: number;
  step: number;
  global_step: number;
  flags: Values;
  metrics: string[];
}

export async function saveRunState(dir: string, state: RunState): Promise<void> {
  const { trainer } = state;
  const f32 = (data: Float32Array): SafetensorsTensor => ({ dtype: 'F32', shape: [data.length], data });
  const tensors: Record<string, SafetensorsTensor> = { params: f32(trainer.params), epoch_sum: f32(trainer.epochSum), health: f32(trainer.health) };
  for (const [name, data] of Object.entries(trainer.optimizer)) tensors[`optimizer.${name}`] = f32(data);
  const meta: Meta = { format: FORMAT, epoch: trainer.epoch, step: trainer.step, global_step: trainer.globalStep, flags: state.flags, metrics: state.metrics };
  await writeFileAtomic(join(dir, STATE_FILE), encodeSafetensors(tensors, { [META_KEY]: JSON.stringify(meta) }, { checksum: true }));
}

export async function loadRunState(dir: string): Promise<RunState> {
  const path = join(dir, STATE_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    // Anything but a missing file (permissions, a directory in the way) is reported as it is.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new UsageError(`--resume ${dir}: no ${STATE_FILE} there; resume a run directory written by 'webgpu-vae train' (this version writes it after every epoch)`);
  }
  let file;
  try {
    file = decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new SafetensorsError(`${path}: ${(e as Error).message}`);
  }
  const meta = parseMeta(file.metadata[META_KEY], path);
  const data = (name: string) => {
    const t = file.tensors[name];
    if (!t) throw new SafetensorsError(`${path}: no tensor '${name}'; the file is not a complete training state`);
    return t.data;
  };
  const optimizer: Record<string, Float32Array> = {};
  for (const name of Object.keys(file.tensors)) if (name.startsWith('optimizer.')) optimizer[name.slice('optimizer.'.length)] = file.tensors[name].data;
  return {
    trainer: { epoch: meta.epoch, step: meta.step, globalStep: meta.global_step, params: data('params'), epochSum: data('epoch_sum'), health: data('health'), optimizer },
    flags: meta.flags,
    metrics: meta.metrics,
  };
}

function parseMeta(text: string | undefined, path: string): Meta {
  let meta: Partial<Meta> | undefined;
  try {
    meta = text === undefined ? undefined : (JSON.parse(text) as Partial<Meta>);
  } catch {
    meta = undefined;
  }
  const counts = meta && [meta.epoch, meta.step, meta.global_step].every((n) => Number.isInteger(n) && (n as number) >= 0);
  if (!meta || meta.format !== FORMAT || !counts || typeof meta.flags !== 'object' || !Array.isArray(meta.metrics)) {
    throw new SafetensorsError(`${path}: its metadata is not a ${FORMAT} training state; resume a run written by 'webgpu-vae train'`);
  }
  return meta as Meta;
}
