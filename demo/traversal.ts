// Latent traversal: a test digit's posterior mean, with one slider per latent
// dimension (the ten that matter most) that sets that coordinate anywhere in [-3, 3];
// the image is decoded at once, and a strip shows the dimension last moved swept over
// [-3, 3]. Dimensions are ordered by the library's latentStatistics over the test
// set: by KL for a VAE (a dimension with no KL is unused), by the variance of the
// code for the autoencoder, which has no KL. Decodes use the digit's own label.
import { decode, floatsToImage, latentStatistics, strip } from '../src/index.js';
import type { ImageDataset, LatentModel } from '../src/index.js';
import { coalesced } from './coalesce.js';
import { byId, paint } from './dom.js';

const MAX_SLIDERS = 10;
const EXTENT = 3;
const STRIP_STEPS = 9;

interface Slider {
  dim: number;
  input: HTMLInputElement;
  out: HTMLOutputElement;
}

export class Traversal {
  private readonly el = {
    digit: byId('traverse-digit', HTMLInputElement),
    sliders: byId('traverse-sliders', HTMLElement),
    original: byId('traverse-original', HTMLCanvasElement),
    image: byId('traverse-image', HTMLCanvasElement),
    strip: byId('traverse-strip', HTMLCanvasElement),
    stripNote: byId('traverse-strip-note', HTMLElement),
    note: byId('traverse-note', HTMLElement),
  };
  /** The test set's latent means [n, L] under the current model. */
  private mu: Float32Array | null = null;
  private sliders: Slider[] = [];
  /** The dimension the strip sweeps. */
  private swept = -1;
  private readonly redraw: () => Promise<void>;

  constructor(
    private readonly test: ImageDataset,
    private readonly model: () => LatentModel,
    onError: (e: Error) => void,
  ) {
    this.redraw = coalesced(() => this.draw(), onError);
    this.el.digit.max = String(test.n - 1);
    this.el.digit.addEventListener('change', () => {
      this.resetSliders();
      void this.redraw();
    });
  }

  /** New latents of the test set (means and log-variances; logvar null for an autoencoder): reorders and rebuilds the sliders. */
  refresh(latents: { mu: Float32Array; logvar: Float32Array | null }): Promise<void> {
    const model = this.model();
    const L = model.config.latent;
    const n = this.test.n;
    this.mu = latents.mu;
    const vae = latents.logvar !== null;
    const stats = latentStatistics(latents.mu, latents.logvar ?? new Float32Array(n * L), n, L);
    const order = vae ? stats.order : [...stats.order].sort((a, b) => stats.muVariance[b] - stats.muVariance[a] || a - b);
    const shown = order.slice(0, MAX_SLIDERS);
    this.el.note.textContent =
      (vae
        ? `Ordered by KL over the ${n} test digits (nats; near 0: a dimension the model does not use)`
        : `Ordered by the variance of the code over the ${n} test digits (an autoencoder has no KL)`) +
      (L > MAX_SLIDERS ? `; the ${MAX_SLIDERS} largest of ${L}.` : '.');
    this.sliders = shown.map((dim) => {
      const row = document.createElement('label');
      row.className = 'slider traverse-row';
      const name = document.createElement('span');
      name.className = 'dim';
      name.textContent = `z${dim + 1}`;
      const score = document.createElement('span');
      score.className = 'score';
      score.textContent = vae ? `KL ${stats.klPerDim[dim].toFixed(2)}` : `var ${stats.muVariance[dim].toFixed(2)}`;
      const input = document.createElement('input');
      Object.assign(input, { type: 'range', min: String(-EXTENT), max: String(EXTENT), step: '0.05' });
      input.dataset.dim = String(dim);
      const out = document.createElement('output');
      row.append(name, score, input, out);
      const slider = { dim, input, out };
      input.addEventListener('input', () => {
        this.swept = dim;
        out.value = Number(input.value).toFixed(2);
        void this.redraw();
      });
      return slider;
    });
    this.el.sliders.replaceChildren(...this.sliders.map((s) => s.input.parentElement!));
    if (!shown.includes(this.swept)) this.swept = shown[0];
    this.resetSliders();
    return this.redraw();
  }

  private index(): number {
    const v = Math.round(Number(this.el.digit.value));
    const i = Number.isFinite(v) ? Math.min(this.test.n - 1, Math.max(0, v)) : 0;
    this.el.digit.value = String(i);
    return i;
  }

  /** The digit's posterior mean, or null while the latents are another model's. */
  private mean(): Float32Array | null {
    const L = this.model().config.latent;
    if (!this.mu || this.mu.length !== this.test.n * L) return null;
    const i = this.index();
    return this.mu.slice(i * L, (i + 1) * L);
  }

  /** Every slider back at the digit's posterior mean. */
  private resetSliders(): void {
    const mean = this.mean();
    if (!mean) return;
    for (const s of this.sliders) {
      s.input.value = String(Math.min(EXTENT, Math.max(-EXTENT, mean[s.dim])));
      s.out.value = Number(s.input.value).toFixed(2);
    }
  }

  private async draw(): Promise<void> {
    const model = this.model();
    const mean = this.mean();
    if (!mean) return;
    const { latent: L, imageRows: rows, imageCols: cols } = model.config;
    const i = this.index();
    const size = rows * cols;
    paint(this.el.original, floatsToImage(this.test.images.subarray(i * size, (i + 1) * size), cols, rows));
    // One decode: the slider point, then the strip's sweep of the last-moved dimension.
    const z = new Float32Array((1 + STRIP_STEPS) * L);
    const point = mean.slice();
    for (const s of this.sliders) point[s.dim] = Number(s.input.value);
    for (let k = 0; k <= STRIP_STEPS; k++) z.set(point, k * L);
    for (let k = 0; k < STRIP_STEPS; k++) z[(k + 1) * L + this.swept] = -EXTENT + (2 * EXTENT * k) / (STRIP_STEPS - 1);
    const images = await decode(model, z, 1 + STRIP_STEPS, new Array(1 + STRIP_STEPS).fill(this.test.labels[i]));
    paint(this.el.image, floatsToImage(images.subarray(0, size), cols, rows));
    paint(this.el.strip, strip(images.subarray(size), STRIP_STEPS, rows, cols, { pad: 2 }));
    this.el.stripNote.textContent = `z${this.swept + 1} from −${EXTENT} to ${EXTENT}, the others as set`;
    this.el.image.dataset.values = this.sliders.map((s) => s.input.value).join(',');
  }
}
