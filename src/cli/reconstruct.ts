// `webgpu-vae reconstruct`: test images above their reconstructions (decoded
// posterior means) as a PNG. With --denoise or --inpaint (or a run trained with
// them) the input is corrupted first and the picture has three rows per block:
// the clean image, what the model saw, and its reconstruction. --mask x,y,w,h hides
// a rectangle the user names and inpaints it.
import { subset } from '../data/dataset.js';
import { stackedRows } from '../io/plots.js';
import { applyMask, boxMask, corruptedInputs } from '../vae/corrupted.js';
import { reconstruct } from '../vae/generate.js';
import { adapterOption, type Command } from './command.js';
import { asUsage, checkpointOption, close, dataOption, jsonOption, modelOf, numberOption, openCheckpoint, openData, openGpu, pngPath, report, UsageError, type Values, writePng } from './common.js';
import { corruptionOptions, corruptionsFrom, corruptionsOfRun } from './model-options.js';

export const reconstructCommand: Command = {
  summary: 'test images above their reconstructions (denoised or inpainted with --denoise, --inpaint, --mask)',
  options: {
    checkpoint: checkpointOption,
    data: dataOption,
    out: { type: 'string', default: 'reconstructions.png', valueName: 'FILE.png', help: 'image to write' },
    n: { type: 'string', default: '32', valueName: 'N', help: 'number of test images' },
    cols: { type: 'string', default: '16', valueName: 'N', help: 'images per row' },
    ...corruptionOptions,
    mask: { type: 'string', valueName: 'X,Y,W,H', help: 'hide this rectangle (columns x..x+w-1, rows y..y+h-1) and inpaint it' },
    seed: { type: 'string', default: '1', valueName: 'N', help: 'seed of the corruption draws' },
    adapter: adapterOption,
    json: jsonOption,
  },
  async run(values) {
    const { out, cols, seed, test, ckpt, corruptions, mask } = await parseReconstruct(values);
    const gpu = await openGpu(values);
    const model = modelOf(gpu, ckpt);
    const { imageRows: rows, imageCols: c, classes } = model.config;
    const n = test.n;
    let { input } = await corruptedInputs(gpu, test, classes, corruptions, seed);
    if (mask) input = applyMask(input, mask);
    const changed = input.some((v, i) => v !== test.images[i]);
    const recon = await reconstruct(model, input, n, classes ? test.labels : null);
    await writePng(out, stackedRows(changed ? [test.images, input, recon] : [test.images, recon], n, rows, c, cols, { scale: 2 }));
    report(values, { out, n, rows: changed ? ['clean', 'input', 'reconstruction'] : ['original', 'reconstruction'] }, `wrote ${n} reconstructions to ${out}`);
    close(gpu);
    return 0;
  },
};

/**
 * Every flag, checked against the data and the checkpoint (both read without a GPU)
 * before the adapter opens, so a usage error is the only line printed. The corruptions
 * are the flags' (--denoise, --inpaint), else none under --mask, else the run's own.
 */
async function parseReconstruct(values: Values) {
  const out = pngPath(values);
  const cols = numberOption(values, 'cols', { integer: true, min: 1 });
  const seed = numberOption(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 });
  const data = await openData(values);
  const n = Math.min(numberOption(values, 'n', { integer: true, min: 1 }), data.test.n);
  const ckpt = await openCheckpoint(values, data);
  const image = { rows: ckpt.config.model.imageRows, cols: ckpt.config.model.imageCols };
  const given = corruptionsFrom(values, image);
  const corruptions = given.corruption || given.mask ? given : values.mask !== undefined ? {} : corruptionsOfRun(ckpt.config.training, image);
  const mask = values.mask === undefined ? null : asUsage(() => boxMask(n, image.rows, image.cols, boxOption(values)));
  return { out, cols, seed, test: subset(data.test, 0, n), ckpt, corruptions, mask };
}

function boxOption(values: Values): { x: number; y: number; w: number; h: number } {
  const parts = String(values.mask).split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) throw new UsageError(`--mask must be four integers x,y,w,h (e.g. 8,8,12,12), got '${values.mask}'`);
  const [x, y, w, h] = parts;
  return { x, y, w, h };
}
