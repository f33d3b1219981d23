// `webgpu-vae interpolate`: decodes the straight line in latent space between two
// test images (--from/--to index) or two classes (--from-class/--to-class: the mean
// posterior mean of that class's test images), as a strip PNG. For a conditional
// model, --from-class/--to-class keep z (the posterior mean of test image --from)
// and blend the label from one class's one-hot to the other's: the same style,
// morphing from one digit into the other.
import type { ImageDataset } from '../data/dataset.js';
import { strip } from '../io/plots.js';
import type { LatentModel } from '../models/model.js';
import { oneHot } from '../train/batch.js';
import { decode, encode, interpolate, linePoints } from '../vae/generate.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, dataOption, jsonOption, modelOf, numberOption, openCheckpoint, openData, openGpu, pngPath, report, UsageError, type Values, writePng } from './common.js';

export const interpolateCommand: Command = {
  summary: 'decode the line in latent space between two test images or two classes',
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    out: { type: 'string', default: 'interpolation.png', valueName: 'FILE.png', help: 'strip image to write' },
    from: { type: 'string', default: '0', valueName: 'INDEX', help: 'first test image' },
    to: { type: 'string', default: '1', valueName: 'INDEX', help: 'last test image' },
    'from-class': { type: 'string', valueName: 'LABEL', help: 'start at the mean latent of this class (a conditional model: at this label, z fixed)' },
    'to-class': { type: 'string', valueName: 'LABEL', help: 'end at the mean latent of this class (a conditional model: at this label)' },
    steps: { type: 'string', default: '10', valueName: 'N', help: 'images in the strip, ends included' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const { out, steps, test, ckpt, plan } = await parseInterpolate(values);
    const gpu = await openGpu(values);
    const model = modelOf(gpu, ckpt);
    const { imageRows: rows, imageCols: cols } = model.config;
    const images = plan.kind === 'morph' ? await labelMorph(model, test, plan, steps) : await latentLine(model, test, plan, steps);
    await writePng(out, strip(images, steps, rows, cols, { scale: 2 }));
    report(values, { out, steps, from: plan.from, to: plan.to }, `wrote ${steps} images from ${plan.from} to ${plan.to} to ${out}`);
    close(gpu);
    return 0;
  },
};

/** One end of a line: the mean posterior mean of these test images (one image, or a class's), encoded with `label` (a conditional model's). */
interface End {
  rows: number[];
  label: number | null;
}

/** The straight line between two ends, or (a conditional model) test image `image` with its label blended from one class to the other. */
type Plan =
  | { kind: 'line'; a: End; b: End; from: string; to: string }
  | { kind: 'morph'; image: End; fromClass: number; toClass: number; from: string; to: string };

/**
 * Every flag, checked against the data and the checkpoint (both read without a GPU)
 * before the adapter opens, so a usage error is the only line printed.
 */
async function parseInterpolate(values: Values) {
  const out = pngPath(values);
  const steps = numberOption(values, 'steps', { integer: true, min: 2, max: 1000 });
  const data = await openData(values);
  const test = data.test;
  const ckpt = await openCheckpoint(values, data);
  const C = ckpt.config.model.classes;
  const byClass = values['from-class'] !== undefined && values['to-class'] !== undefined;
  return { out, steps, test, ckpt, plan: C > 0 && byClass ? morphPlan(values, test, C) : linePlan(values, test, C > 0) };
}

function linePlan(values: Values, test: ImageDataset, conditional: boolean): Plan {
  const a = endOf(values, test, 'from', conditional);
  const b = endOf(values, test, 'to', conditional);
  if (a.label !== b.label) throw new UsageError('a conditional model interpolates between two images of the same class, or between classes with --from-class and --to-class');
  return { kind: 'line', a, b, from: a.what, to: b.what };
}

/** z fixed at test image --from's posterior mean; the label blends from --from-class to --to-class. */
function morphPlan(values: Values, test: ImageDataset, C: number): Plan {
  const fromClass = numberOption(values, 'from-class', { integer: true, min: 0, max: C - 1 });
  const toClass = numberOption(values, 'to-class', { integer: true, min: 0, max: C - 1 });
  const image = endOf({ ...values, 'from-class': undefined }, test, 'from', true);
  return { kind: 'morph', image, fromClass, toClass, from: `class ${fromClass}`, to: `class ${toClass}` };
}

/** --from/--to as a test image index, or --from-class/--to-class as the test images of that class. */
function endOf(values: Values, test: ImageDataset, end: 'from' | 'to', conditional: boolean): End & { what: string } {
  if (values[`${end}-class`] !== undefined) {
    const label = numberOption(values, `${end}-class`, { integer: true, min: 0, max: test.classes - 1 });
    const rows = [...test.labels.keys()].filter((i) => test.labels[i] === label);
    if (rows.length === 0) throw new UsageError(`--${end}-class ${label}: no test image has that label`);
    return { rows, label: conditional ? label : null, what: `class ${label}` };
  }
  const index = numberOption(values, end, { integer: true, min: 0, max: test.n - 1 });
  return { rows: [index], label: conditional ? test.labels[index] : null, what: `test image ${index}` };
}

async function latentLine(model: LatentModel, test: ImageDataset, plan: Extract<Plan, { kind: 'line' }>, steps: number): Promise<Float32Array> {
  const labels = plan.a.label === null ? null : new Array(steps).fill(plan.a.label);
  return interpolate(model, await meanCode(model, test, plan.a), await meanCode(model, test, plan.b), steps, labels);
}

async function labelMorph(model: LatentModel, test: ImageDataset, plan: Extract<Plan, { kind: 'morph' }>, steps: number): Promise<Float32Array> {
  const C = model.config.classes;
  const z = await meanCode(model, test, plan.image);
  const rows = linePoints(oneHot([plan.fromClass], C), oneHot([plan.toClass], C), steps);
  const zs = new Float32Array(steps * z.length);
  for (let s = 0; s < steps; s++) zs.set(z, s * z.length);
  return decode(model, zs, steps, { rows });
}

/** The mean of the ends' posterior means (for one image, its own). */
async function meanCode(model: LatentModel, test: ImageDataset, end: End): Promise<Float32Array> {
  const D = model.config.inputSize;
  const L = model.config.latent;
  const n = end.rows.length;
  const images = new Float32Array(n * D);
  end.rows.forEach((r, k) => images.set(test.images.subarray(r * D, (r + 1) * D), k * D));
  const { mu } = await encode(model, images, n, end.label === null ? null : new Array(n).fill(end.label));
  if (n === 1) return mu;
  const z = new Float32Array(L);
  for (let i = 0; i < n; i++) for (let j = 0; j < L; j++) z[j] += mu[i * L + j] / n;
  return z;
}
