// `webgpu-vae sample`: decoded draws from the prior N(0, I) as a grid PNG.
import { imageGrid } from '../io/plots.js';
import { sample } from '../vae/generate.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, jsonOption, numberOption, openGpu, openModel, pngPath, report, writePng } from './common.js';

export const sampleCommand: Command = {
  summary: 'decode draws from the prior into a grid of images',
  options: {
    checkpoint: checkpointOption,
    out: { type: 'string', default: 'samples.png', valueName: 'FILE.png', help: 'image to write' },
    n: { type: 'string', default: '64', valueName: 'N', help: 'number of samples' },
    cols: { type: 'string', default: '8', valueName: 'N', help: 'images per row' },
    seed: { type: 'string', default: '1', valueName: 'N', help: 'seed of the prior draws' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const out = pngPath(values);
    const n = numberOption(values, 'n', { integer: true, min: 1, max: 10000 });
    const cols = numberOption(values, 'cols', { integer: true, min: 1 });
    const seed = numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 });
    const gpu = await openGpu(values);
    const { model } = await openModel(gpu, values);
    const { imageRows: rows, imageCols: c } = model.config;
    await writePng(out, imageGrid(await sample(model, n, seed), n, rows, c, cols, { scale: 2 }));
    report(values, { out, n, seed }, `wrote ${n} samples to ${out}`);
    close(gpu);
    return 0;
  },
};
