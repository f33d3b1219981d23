// `webgpu-vae traverse`: latent traversals of one test image (Higgins et al. 2017),
// one row per latent dimension, each sweeping that coordinate over [-extent, extent]
// with the others at the image's posterior mean. Rows are ranked by how much the
// dimension carries over the whole test set: its mean KL to the prior for a VAE, the
// variance of its code for an autoencoder (which has no KL). Each row is labelled
// on the left with the dimension and that figure, e.g. 'Z3 KL 4.21'.
import { drawText, GLYPH_HEIGHT, textWidth } from '../io/font.js';
import { imageGrid } from '../io/plots.js';
import { createImage, floatToByte, type Image } from '../io/png.js';
import { encode } from '../vae/generate.js';
import { latentStatistics } from '../vae/latent-stats.js';
import { traverse } from '../vae/traverse.js';
import { adapterOption, type Command } from './command.js';
import { checkpointOption, close, dataOption, jsonOption, modelOf, numberOption, openCheckpoint, openData, openGpu, pngPath, report, writePng } from './common.js';

/** Pixels per image pixel, padding between tiles, and the label font's scale. */
const SCALE = 2;
const PAD = 2;
const TEXT_SCALE = 2;
const BACKGROUND = 0.5;

export const traverseCommand: Command = {
  summary: 'latent traversals of a test image: one row per dimension, most informative first',
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    index: { type: 'string', default: '0', valueName: 'I', help: 'which test image to traverse' },
    steps: { type: 'string', default: '11', valueName: 'N', help: 'values per dimension, ends included' },
    extent: { type: 'string', default: '3', valueName: 'X', help: 'each dimension sweeps [-X, X]' },
    dims: { type: 'string', valueName: 'N', help: 'only the N dimensions with the largest KL (code variance for an autoencoder); default all' },
    relative: { type: 'boolean', default: false, help: "sweep mu + [-X, X] around the image's own code instead of [-X, X]" },
    out: { type: 'string', default: 'traverse.png', valueName: 'FILE.png', help: 'image to write, one row per dimension' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const out = pngPath(values);
    const steps = numberOption(values, 'steps', { integer: true, min: 2, max: 101 });
    const extent = numberOption(values, 'extent', { min: Number.MIN_VALUE });
    const data = await openData(values);
    const test = data.test;
    const index = numberOption(values, 'index', { integer: true, min: 0, max: test.n - 1 });
    // Every option is checked before the adapter opens, so a usage error is the only line printed.
    const ckpt = await openCheckpoint(values, data);
    const { latent: L, inputSize: D, imageRows: rows, imageCols: cols, classes } = ckpt.config.model;
    const count = values.dims === undefined ? L : numberOption(values, 'dims', { integer: true, min: 1, max: L });
    const gpu = await openGpu(values);
    const model = modelOf(gpu, ckpt);

    const { mu, logvar } = await encode(model, test.images, test.n, classes > 0 ? test.labels : null);
    const byKl = logvar !== null;
    // An autoencoder has no posterior variance: zeros give its codes' variance and active units all the same.
    const stats = latentStatistics(mu, logvar ?? new Float32Array(mu.length), test.n, L);
    const score = byKl ? stats.klPerDim : stats.muVariance;
    const order = byKl ? stats.order : [...stats.order].sort((a, b) => score[b] - score[a] || a - b);
    const chosen = order.slice(0, count);

    const label = classes > 0 ? test.labels[index] : null;
    const t = await traverse(model, test.images.slice(index * D, (index + 1) * D), { steps, extent, dims: chosen, label, relative: Boolean(values.relative) });
    const names = t.dims.map((d) => `Z${d} ${byKl ? 'KL' : 'VAR'} ${score[d].toFixed(2)}`);
    await writePng(out, traversalImage(t.images, t.dims.length, steps, rows, cols, names));

    const round = (v: number) => Number(v.toPrecision(6));
    report(
      values,
      {
        out,
        index,
        ...(label === null ? {} : { label }),
        steps,
        extent,
        relative: Boolean(values.relative),
        order_by: byKl ? 'kl' : 'variance',
        dims: t.dims,
        kl_per_dim: byKl ? stats.klPerDim.map(round) : null,
        variance_per_dim: stats.muVariance.map(round),
        active_units: stats.activeUnits,
      },
      `wrote ${t.dims.length} traversals of test image ${index} (rows by ${byKl ? 'KL' : 'code variance'}: ${t.dims.map((d) => `z${d}`).join(', ')}) to ${out}`,
    );
    close(gpu);
    return 0;
  },
};

/**
 * The traversal grid (imageGrid with `steps` per row, tiles scaled by SCALE, PAD
 * between them) with a left margin holding each row's name: height
 * n*rows*SCALE + (n+1)*PAD, width margin + steps*cols*SCALE + (steps+1)*PAD.
 */
export function traversalImage(images: Float32Array, n: number, steps: number, rows: number, cols: number, names: string[]): Image {
  const grid = imageGrid(images, n * steps, rows, cols, steps, { scale: SCALE, pad: PAD, background: BACKGROUND });
  const gap = 3 * TEXT_SCALE;
  const margin = Math.max(...names.map((s) => textWidth(s, TEXT_SCALE))) + 2 * gap;
  const gray = floatToByte(BACKGROUND);
  const image = createImage(margin + grid.width, grid.height, 1, [gray, gray, gray]);
  for (let y = 0; y < grid.height; y++) image.data.set(grid.data.subarray(y * grid.width, (y + 1) * grid.width), y * image.width + margin);
  const tileH = rows * SCALE;
  names.forEach((name, r) => {
    const y = PAD + r * (tileH + PAD) + Math.floor((tileH - GLYPH_HEIGHT * TEXT_SCALE) / 2);
    drawText(image, gap, y, name, [255, 255, 255], TEXT_SCALE);
  });
  return image;
}

