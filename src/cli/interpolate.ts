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
import { checkpointOption, close, dataOption, jsonOption, numberOption, openData, openGpu, openModel, pngPath, report, UsageError, writePng, type Values } from './common.js';

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
    const out = pngPath(values);
    const steps = numberOption(values, 'steps', { integer: true, min: 2, max: 1000 });
    const test = (await openData(values)).test;
    const gpu = await openGpu(values);
    const { model } = await openModel(gpu, values);
    const { imageRows: rows, imageCols: cols } = model.config;
    const byClass = values['from-class'] !== undefined && values['to-class'] !== undefined;
    const r = model.config.classes > 0 && byClass ? await labelMorph(model, test, values, steps) : await latentLine(model, test, values, steps);
    await writePng(out, strip(r.images, steps, rows, cols, { scale: 2 }));
    report(values, { out, steps, from: r.from, to: r.to }, `wrote ${steps} images from ${r.from} to ${r.to} to ${out}`);
    close(gpu);
    return 0;
  },
};

interface Line {
  images: Float32Array;
  from: string;
  to: string;
}

async function latentLine(model: LatentModel, test: ImageDataset, values: Values, steps: number): Promise<Line> {
  const a = await endpoint(model, test, values, 'from');
  const b = await endpoint(model, test, values, 'to');
  if (a.label !== b.label) throw new UsageError('a conditional model interpolates between two images of the same class, or between classes with --from-class and --to-class');
  const labels = a.label === null ? null : new Array(steps).fill(a.label);
  return { images: await interpolate(model, a.z, b.z, steps, labels), from: a.what, to: b.what };
}

/** z fixed at test image --from's posterior mean; the label blends from one class to the other. */
async function labelMorph(model: LatentModel, test: ImageDataset, values: Values, steps: number): Promise<Line> {
  const C = model.config.classes;
  const from = numberOption(values, 'from-class', { integer: true, min: 0, max: C - 1 });
  const to = numberOption(values, 'to-class', { integer: true, min: 0, max: C - 1 });
  const { z } = await endpoint(model, test, { ...values, 'from-class': undefined }, 'from');
  const rows = linePoints(oneHot([from], C), oneHot([to], C), steps);
  const zs = new Float32Array(steps * z.length);
  for (let s = 0; s < steps; s++) zs.set(z, s * z.length);
  return { images: await decode(model, zs, steps, { rows }), from: `class ${from}`, to: `class ${to}` };
}

async function endpoint(model: LatentModel, test: ImageDataset, values: Values, end: 'from' | 'to'): Promise<{ z: Float32Array; what: string; label: number | null }> {
  const D = model.config.inputSize;
  const L = model.config.latent;
  const conditional = model.config.classes > 0;
  if (values[`${end}-class`] !== undefined) {
    const label = numberOption(values, `${end}-class`, { integer: true, min: 0, max: test.classes - 1 });
    const rows = [...test.labels.keys()].filter((i) => test.labels[i] === label);
    if (rows.length === 0) throw new UsageError(`--${end}-class ${label}: no test image has that label`);
    const images = new Float32Array(rows.length * D);
    rows.forEach((r, k) => images.set(test.images.subarray(r * D, (r + 1) * D), k * D));
    const { mu } = await encode(model, images, rows.length, conditional ? new Array(rows.length).fill(label) : null);
    const z = new Float32Array(L);
    for (let i = 0; i < rows.length; i++) for (let j = 0; j < L; j++) z[j] += mu[i * L + j] / rows.length;
    return { z, what: `class ${label}`, label: conditional ? label : null };
  }
  const index = numberOption(values, end, { integer: true, min: 0, max: test.n - 1 });
  const label = conditional ? test.labels[index] : null;
  const { mu } = await encode(model, test.images.subarray(index * D, (index + 1) * D), 1, label === null ? null : [label]);
  return { z: mu, what: `test image ${index}`, label };
}
