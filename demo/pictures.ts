// The reconstruction and sample grids. Drawn with the library's own tiling
// (pairedRows, imageGrid), so the page shows what `webgpu-vae train` writes as PNGs.
import { imageGrid, pairedRows, reconstruct, sample } from '../src/index.js';
import type { ImageDataset, Vae } from '../src/index.js';
import { paint } from './dom.js';

const RECONSTRUCTIONS = 16;
const SAMPLES = 32;
const COLUMNS = 8;
/** The same prior draws every time, so the grid shows the model changing, not the noise. */
const SAMPLE_SEED = 7;

export async function drawPictures(model: Vae, test: ImageDataset, reconstructions: HTMLCanvasElement, samples: HTMLCanvasElement): Promise<void> {
  const { rows, cols } = test;
  const n = Math.min(RECONSTRUCTIONS, test.n);
  const originals = test.images.subarray(0, n * rows * cols);
  const recon = await reconstruct(model, originals, n);
  const drawn = await sample(model, SAMPLES, SAMPLE_SEED);
  paint(reconstructions, pairedRows(originals, recon, n, rows, cols, COLUMNS, { pad: 2 }));
  paint(samples, imageGrid(drawn, SAMPLES, rows, cols, COLUMNS, { pad: 2 }));
}
