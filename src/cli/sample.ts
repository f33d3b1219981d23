// `webgpu-vae sample`: decoded draws from the prior N(0, I) as a grid PNG. A
// conditional model draws the class given by --class, or one grid row per class.
import { imageGrid } from '../io/plots.js';
import { sample } from '../vae/generate.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, jsonOption, modelOf, numberOption, openCheckpoint, openGpu, pngPath, report, UsageError, type Values, writePng } from './common.js';

export const sampleCommand: Command = {
  summary: 'decode draws from the prior into a grid of images (of one class with --class, for a conditional model)',
  options: {
    checkpoint: checkpointOption,
    out: { type: 'string', default: 'samples.png', valueName: 'FILE.png', help: 'image to write' },
    n: { type: 'string', default: '64', valueName: 'N', help: 'number of samples' },
    cols: { type: 'string', default: '8', valueName: 'N', help: 'images per row' },
    seed: { type: 'string', default: '1', valueName: 'N', help: 'seed of the prior draws' },
    class: { type: 'string', valueName: 'K', help: 'conditional models: draw this class (default: one row per class)' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const { out, n, cols, seed, ckpt, label } = await parseSample(values);
    const gpu = await openGpu(values);
    const model = modelOf(gpu, ckpt);
    const { imageRows: rows, imageCols: c, classes } = model.config;
    const labels = classes === 0 ? null : Array.from({ length: n }, (_, i) => label ?? Math.floor(i / cols) % classes);
    await writePng(out, imageGrid(await sample(model, n, seed, labels), n, rows, c, cols, { scale: 2 }));
    report(values, { out, n, seed, ...(label !== null ? { class: label } : {}) }, `wrote ${n} samples${label !== null ? ` of class ${label}` : ''} to ${out}`);
    close(gpu);
    return 0;
  },
};

/** Every flag, checked against the checkpoint (read without a GPU) before the adapter opens, so a usage error is the only line printed. */
async function parseSample(values: Values) {
  const out = pngPath(values);
  const n = numberOption(values, 'n', { integer: true, min: 1, max: 10000 });
  const cols = numberOption(values, 'cols', { integer: true, min: 1 });
  const seed = numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 });
  const ckpt = await openCheckpoint(values, null);
  const { classes } = ckpt.config.model;
  if (values.class !== undefined && classes === 0) throw new UsageError('--class needs a conditional model (trained with --conditional); this one is not');
  const label = values.class === undefined ? null : numberOption(values, 'class', { integer: true, min: 0, max: classes - 1 });
  return { out, n, cols, seed, ckpt, label };
}
