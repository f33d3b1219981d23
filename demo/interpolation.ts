// Interpolation between two test digits: both are encoded to their posterior means
// a and b, the slider decodes (1 - t) a + t b, and a strip shows ten evenly spaced
// steps (the library's `interpolate`). Slider moves are coalesced like map drags.
// A conditional model encodes each end with its own label and decodes with the
// label blended the same way, (1 - t) onehot(a) + t onehot(b), so a 3 morphs into a 7.
import { decode, encode, floatsToImage, interpolate, strip } from '../src/index.js';
import type { ImageDataset, LatentModel } from '../src/index.js';
import { paint } from './dom.js';

const STRIP_STEPS = 10;

export interface InterpolationElements {
  a: HTMLInputElement;
  b: HTMLInputElement;
  t: HTMLInputElement;
  tOut: HTMLOutputElement;
  aImage: HTMLCanvasElement;
  bImage: HTMLCanvasElement;
  middle: HTMLCanvasElement;
  strip: HTMLCanvasElement;
}

export class Interpolation {
  private ends: { a: Float32Array; b: Float32Array; labels: [number, number] } | null = null;
  private busy = false;
  private again = false;

  constructor(
    private readonly el: InterpolationElements,
    private readonly test: ImageDataset,
    private readonly model: () => LatentModel,
    private readonly onError: (e: Error) => void,
  ) {
    for (const input of [el.a, el.b]) {
      input.max = String(test.n - 1);
      input.addEventListener('change', () => this.refresh().catch(onError));
    }
    el.t.addEventListener('input', () => this.slide());
  }

  /** Re-encodes both ends with the current model and redraws everything. */
  async refresh(): Promise<void> {
    const model = this.model();
    const { rows, cols } = this.test;
    const size = rows * cols;
    const [ia, ib] = [this.index(this.el.a), this.index(this.el.b)];
    const images = new Float32Array(2 * size);
    images.set(this.test.images.subarray(ia * size, (ia + 1) * size), 0);
    images.set(this.test.images.subarray(ib * size, (ib + 1) * size), size);
    paint(this.el.aImage, floatsToImage(images.subarray(0, size), cols, rows));
    paint(this.el.bImage, floatsToImage(images.subarray(size), cols, rows));
    const labels: [number, number] = [this.test.labels[ia], this.test.labels[ib]];
    const { mu } = await encode(model, images, 2, labels);
    const L = model.config.latent;
    this.ends = { a: mu.slice(0, L), b: mu.slice(L), labels };
    const ts = Array.from({ length: STRIP_STEPS }, (_, s) => s / (STRIP_STEPS - 1));
    const steps = await interpolate(model, this.ends.a, this.ends.b, STRIP_STEPS, blend(model.config.classes, labels, ts));
    paint(this.el.strip, strip(steps, STRIP_STEPS, rows, cols, { pad: 2 }));
    this.slide();
  }

  /** The test digit an input names, clamped into range (and written back when it was not). */
  private index(input: HTMLInputElement): number {
    const v = Math.round(Number(input.value));
    const i = Number.isFinite(v) ? Math.min(this.test.n - 1, Math.max(0, v)) : 0;
    input.value = String(i);
    return i;
  }

  private slide(): void {
    this.el.tOut.value = Number(this.el.t.value).toFixed(2);
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.drawMiddle()
      .catch(this.onError)
      .finally(() => {
        this.busy = false;
        if (this.again) {
          this.again = false;
          this.slide();
        }
      });
  }

  private async drawMiddle(): Promise<void> {
    if (!this.ends) return;
    const model = this.model();
    const t = Number(this.el.t.value);
    const { a, b, labels } = this.ends;
    // A reset to another latent size: the ends are stale until the refresh that follows it.
    if (a.length !== model.config.latent) return;
    const z = a.map((v, j) => (1 - t) * v + t * b[j]);
    paint(this.el.middle, floatsToImage(await decode(model, z, 1, blend(model.config.classes, labels, [t])), model.config.imageCols, model.config.imageRows));
  }
}

/** Label rows (1 - t) onehot(a) + t onehot(b), one per t; null for an unconditional model. */
function blend(classes: number, [a, b]: [number, number], ts: number[]): { rows: Float32Array } | null {
  if (classes === 0) return null;
  const rows = new Float32Array(ts.length * classes);
  ts.forEach((t, i) => {
    rows[i * classes + a] += 1 - t;
    rows[i * classes + b] += t;
  });
  return { rows };
}
