// The reconstruction and sample grids. Drawn with the library's own tiling
// (pairedRows, imageGrid), so the page shows what `webgpu-vae train` writes as PNGs.
// A conditional model reconstructs each test digit with its own label and draws
// every sample as the digit picked (the same prior draws whichever digit it is).
import { imageGrid, pairedRows, reconstruct, sample } from '../src/index.js';
import type { ImageDataset, LatentModel } from '../src/index.js';
import { paint } from './dom.js';

const RECONSTRUCTIONS = 16;
const SAMPLES = 32;
const COLUMNS = 8;
/** The same prior draws every time, so the grid shows the model changing, not the noise. */
const SAMPLE_SEED = 7;

export async function drawReconstructions(model: LatentModel, test: ImageDataset, canvas: HTMLCanvasElement): Promise<void> {
  const { rows, cols } = test;
  const n = Math.min(RECONSTRUCTIONS, test.n);
  const originals = test.images.subarray(0, n * rows * cols);
  const recon = await reconstruct(model, originals, n, test.labels.subarray(0, n));
  paint(canvas, pairedRows(originals, recon, n, rows, cols, COLUMNS, { pad: 2 }));
}

/** Samples from the prior; `digit` is the class a conditional model draws (ignored otherwise). */
export async function drawSamples(model: LatentModel, digit: number, canvas: HTMLCanvasElement): Promise<void> {
  const { imageRows: rows, imageCols: cols, classes } = model.config;
  const drawn = await sample(model, SAMPLES, SAMPLE_SEED, new Array(SAMPLES).fill(digit));
  paint(canvas, imageGrid(drawn, SAMPLES, rows, cols, COLUMNS, { pad: 2 }));
  canvas.dataset.digit = classes > 0 ? String(digit) : '';
}
