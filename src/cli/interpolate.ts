// `webgpu-vae interpolate`: decodes the straight line in latent space between two
// test images (--from/--to index) or two classes (--from-class/--to-class: the mean
// posterior mean of that class's test images), as a strip PNG.
import type { ImageDataset } from '../data/dataset.js';
import { strip } from '../io/plots.js';
import { encode, interpolate } from '../vae/generate.js';
import type { LatentModel } from '../models/model.js';
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
    'from-class': { type: 'string', valueName: 'LABEL', help: 'start at the mean latent of this class (overrides --from)' },
    'to-class': { type: 'string', valueName: 'LABEL', help: 'end at the mean latent of this class (overrides --to)' },
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
    const a = await endpoint(model, test, values, 'from');
    const b = await endpoint(model, test, values, 'to');
    const { imageRows: rows, imageCols: cols } = model.config;
    await writePng(out, strip(await interpolate(model, a.z, b.z, steps), steps, rows, cols, { scale: 2 }));
    report(values, { out, steps, from: a.what, to: b.what }, `wrote ${steps} images from ${a.what} to ${b.what} to ${out}`);
    close(gpu);
    return 0;
  },
};

async function endpoint(model: LatentModel, test: ImageDataset, values: Values, end: 'from' | 'to'): Promise<{ z: Float32Array; what: string }> {
  const D = model.config.inputSize;
  const L = model.config.latent;
  if (values[`${end}-class`] !== undefined) {
    const label = numberOption(values, `${end}-class`, { integer: true, min: 0, max: test.classes - 1 });
    const rows = [...test.labels.keys()].filter((i) => test.labels[i] === label);
    if (rows.length === 0) throw new UsageError(`--${end}-class ${label}: no test image has that label`);
    const images = new Float32Array(rows.length * D);
    rows.forEach((r, k) => images.set(test.images.subarray(r * D, (r + 1) * D), k * D));
    const { mu } = await encode(model, images, rows.length);
    const z = new Float32Array(L);
    for (let i = 0; i < rows.length; i++) for (let j = 0; j < L; j++) z[j] += mu[i * L + j] / rows.length;
    return { z, what: `class ${label}` };
  }
  const index = numberOption(values, end, { integer: true, min: 0, max: test.n - 1 });
  const { mu } = await encode(model, test.images.subarray(index * D, (index + 1) * D), 1);
  return { z: mu, what: `test image ${index}` };
}
