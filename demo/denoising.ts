// Denoising: a few test digits, Gaussian noise of the slider's sigma added on the GPU
// by the library's corruptNoise (clamped to [0, 1], as `--denoise gaussian:S` trains
// with), and the model's reconstruction of each noisy digit. Rows: clean, noisy,
// reconstructed. The noise draws are fixed (one seed), so moving the slider scales
// the same noise. A conditional model is given each digit's own label.
import { corruptNoise, imageGrid, reconstruct } from '../src/index.js';
import type { ImageDataset, LatentModel } from '../src/index.js';
import { coalesced } from './coalesce.js';
import { byId, paint } from './dom.js';

const DIGITS = 8;
/** From the test digits after the reconstruction grid's 16, when there are that many. */
const FIRST = 16;
const NOISE_SEED = 11;

export class Denoising {
  private readonly el = { sigma: byId('noise', HTMLInputElement), sigmaOut: byId('noise-out', HTMLOutputElement), grid: byId('denoise', HTMLCanvasElement) };
  readonly refresh: () => Promise<void>;

  constructor(
    private readonly test: ImageDataset,
    private readonly model: () => LatentModel,
    onError: (e: Error) => void,
  ) {
    this.refresh = coalesced(() => this.draw(), onError);
    this.el.sigma.addEventListener('input', () => {
      this.showSigma();
      void this.refresh();
    });
    this.showSigma();
  }

  private showSigma(): void {
    this.el.sigmaOut.value = Number(this.el.sigma.value).toFixed(2);
  }

  private async draw(): Promise<void> {
    const model = this.model();
    const { gpu } = model;
    const { rows, cols } = this.test;
    const size = rows * cols;
    const n = Math.min(DIGITS, this.test.n);
    const first = Math.max(0, Math.min(FIRST, this.test.n - n));
    const clean = this.test.images.subarray(first * size, (first + n) * size);
    const sigma = Number(this.el.sigma.value);
    let noisy: Float32Array;
    if (sigma > 0) {
      const x = gpu.upload(clean, [n, size], 'demo.denoise.clean');
      const y = corruptNoise(gpu, x, { kind: 'gaussian', sigma }, { seed: NOISE_SEED, step: 0 });
      try {
        noisy = await gpu.read(y);
      } finally {
        gpu.release(x, y);
      }
    } else noisy = clean.slice();
    const recon = await reconstruct(model, noisy, n, this.test.labels.subarray(first, first + n));
    const rowsOfImages = new Float32Array(3 * n * size);
    rowsOfImages.set(clean, 0);
    rowsOfImages.set(noisy, n * size);
    rowsOfImages.set(recon, 2 * n * size);
    paint(this.el.grid, imageGrid(rowsOfImages, 3 * n, rows, cols, n, { pad: 2 }));
    this.el.grid.dataset.sigma = String(sigma);
  }
}
