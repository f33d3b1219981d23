// `webgpu-vae latent`: the test set's posterior means as a 2-D scatter coloured by
// label (the first two principal components when the latent space has more than
// two dimensions); for a 2-D latent space also the decoded grid over the plane.
import { imageGrid, scatterPlot } from '../io/plots.js';
import { encode, latentGrid, principalComponents2 } from '../vae/generate.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, dataOption, jsonOption, modelOf, numberOption, openCheckpoint, openData, openGpu, pngPath, report, type Values, writePng } from './common.js';

export const latentCommand: Command = {
  summary: "scatter of the test set's latent means by label (and, for 2-d latents, the decoded latent plane)",
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    out: { type: 'string', default: 'latent.png', valueName: 'FILE.png', help: 'scatter plot to write' },
    grid: { type: 'string', valueName: 'FILE.png', help: 'decoded grid over the latent plane, for 2-d latents (default: <out>_grid.png)' },
    'grid-size': { type: 'string', default: '20', valueName: 'N', help: 'images per side of the grid' },
    class: { type: 'string', valueName: 'K', help: 'conditional models: the class the latent plane is decoded with (default 0)' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const { out, gridOut, side, test, ckpt, label } = await parseLatent(values);
    const gpu = await openGpu(values);
    const model = modelOf(gpu, ckpt);
    const L = model.config.latent;
    const { mu } = await encode(model, test.images, test.n, model.config.classes ? test.labels : null);
    const points = principalComponents2(mu, test.n, L);
    const axes = L === 2 ? ['Z1', 'Z2'] : ['PC1', 'PC2'];
    await writePng(out, scatterPlot(points, test.labels, { classes: Math.min(test.classes, 10), title: `LATENT MEANS, ${test.n} TEST IMAGES`, xLabel: axes[0], yLabel: axes[1] }));
    const written = [out];
    if (L === 2) {
      const { imageRows: rows, imageCols: cols } = model.config;
      await writePng(gridOut, imageGrid(await latentGrid(model, side, 3, label), side * side, rows, cols, side, { pad: 0 }));
      written.push(gridOut);
    }
    report(values, { out: written, n: test.n, latent: L, projection: L === 2 ? 'identity' : 'pca' }, `wrote ${written.join(' and ')}`);
    close(gpu);
    return 0;
  },
};

/**
 * Every flag, checked against the data and the checkpoint (both read without a GPU)
 * before the adapter opens, so a usage error is the only line printed. `label` is the
 * class a conditional model's latent plane is decoded with (null for any other model).
 */
async function parseLatent(values: Values) {
  const out = pngPath(values);
  const gridOut = values.grid === undefined ? out.replace(/\.png$/i, '_grid.png') : pngPath(values, 'grid');
  const side = numberOption(values, 'grid-size', { integer: true, min: 2, max: 100 });
  const data = await openData(values);
  const ckpt = await openCheckpoint(values, data);
  const { classes } = ckpt.config.model;
  const label = classes ? (values.class === undefined ? 0 : numberOption(values, 'class', { integer: true, min: 0, max: classes - 1 })) : null;
  return { out, gridOut, side, test: data.test, ckpt, label };
}
