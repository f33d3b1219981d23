// `webgpu-vae reconstruct`: test images above their reconstructions (decoded
// posterior means) as a PNG.
import { pairedRows } from '../io/plots.js';
import { reconstruct } from '../vae/generate.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, dataOption, jsonOption, numberOption, openData, openGpu, openModel, pngPath, report, writePng } from './common.js';

export const reconstructCommand: Command = {
  summary: 'test images above their reconstructions',
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    out: { type: 'string', default: 'reconstructions.png', valueName: 'FILE.png', help: 'image to write' },
    n: { type: 'string', default: '32', valueName: 'N', help: 'number of test images' },
    cols: { type: 'string', default: '16', valueName: 'N', help: 'images per row' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const out = pngPath(values);
    const cols = numberOption(values, 'cols', { integer: true, min: 1 });
    const data = await openData(values);
    const n = Math.min(numberOption(values, 'n', { integer: true, min: 1 }), data.test.n);
    const gpu = await openGpu(values);
    const { model } = await openModel(gpu, values);
    const { imageRows: rows, imageCols: c } = model.config;
    const originals = data.test.images.subarray(0, n * rows * c);
    await writePng(out, pairedRows(originals, await reconstruct(model, originals, n), n, rows, c, cols, { scale: 2 }));
    report(values, { out, n }, `wrote ${n} reconstructions to ${out}`);
    close(gpu);
    return 0;
  },
};
