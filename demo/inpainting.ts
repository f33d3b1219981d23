// Inpainting: a test digit drawn large, which the visitor erases with the pointer (a
// brush about 3 image pixels wide). The model sees the masked input x ⊙ mask (erased
// pixels are 0, as in `--inpaint` training); the page shows its reconstruction and
// the repaired digit: the visible pixels kept, the erased ones filled from it. A
// conditional model is given the digit's own label. Redraws follow the brush live,
// coalesced so a fast stroke never queues up decodes.
import { floatsToImage, reconstruct } from '../src/index.js';
import type { ImageDataset, LatentModel } from '../src/index.js';
import { coalesced } from './coalesce.js';
import { byId, paint } from './dom.js';

/** Brush radius in image pixels: pixels whose centre lies this close to the pointer are erased. */
const BRUSH_RADIUS = 1.5;
/** Erased pixels in the editor, so the visitor sees what the model does not. */
const ERASED_RGB = [0.62, 0.11, 0.2];

export class Inpainting {
  private readonly el = {
    editor: byId('inpaint-input', HTMLCanvasElement),
    reconstruction: byId('inpaint-recon', HTMLCanvasElement),
    filled: byId('inpaint-filled', HTMLCanvasElement),
    restore: byId('inpaint-restore', HTMLButtonElement),
    next: byId('inpaint-next', HTMLButtonElement),
    note: byId('inpaint-note', HTMLElement),
  };
  private index = 0;
  /** 1 where the pixel is visible, 0 where erased. */
  private mask: Float32Array;
  private last: [number, number] | null = null;
  readonly refresh: () => Promise<void>;

  constructor(
    private readonly test: ImageDataset,
    private readonly model: () => LatentModel,
    onError: (e: Error) => void,
  ) {
    this.mask = new Float32Array(test.rows * test.cols).fill(1);
    this.refresh = coalesced(() => this.draw(), onError);
    const { el } = this;
    const { editor } = el;
    editor.addEventListener('pointerdown', (e) => {
      editor.setPointerCapture(e.pointerId);
      this.last = null;
      this.erase(e);
    });
    editor.addEventListener('pointermove', (e) => {
      if (e.buttons & 1) this.erase(e);
    });
    editor.addEventListener('pointerup', () => (this.last = null));
    el.restore.addEventListener('click', () => this.show(this.index));
    el.next.addEventListener('click', () => this.show((this.index + 1) % test.n));
    this.paintEditor();
  }

  /** Shows test digit i, whole again. */
  private show(i: number): void {
    this.index = i;
    this.mask.fill(1);
    this.paintEditor();
    void this.refresh();
  }

  /** Erases along the stroke from the last pointer position, so a fast drag leaves no gaps. */
  private erase(e: PointerEvent): void {
    const rect = this.el.editor.getBoundingClientRect();
    const p: [number, number] = [((e.clientX - rect.left) / rect.width) * this.test.cols, ((e.clientY - rect.top) / rect.height) * this.test.rows];
    const from = this.last ?? p;
    const steps = Math.max(1, Math.ceil(Math.hypot(p[0] - from[0], p[1] - from[1]) / 0.5));
    let changed = false;
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      changed = this.dab(from[0] + t * (p[0] - from[0]), from[1] + t * (p[1] - from[1])) || changed;
    }
    this.last = p;
    if (!changed) return;
    this.paintEditor();
    void this.refresh();
  }

  /** Erases the brush's disc at image coordinates (x, y); true if it hid a pixel. */
  private dab(x: number, y: number): boolean {
    const { rows, cols } = this.test;
    let changed = false;
    for (let r = Math.max(0, Math.floor(y - BRUSH_RADIUS)); r <= Math.min(rows - 1, Math.floor(y + BRUSH_RADIUS)); r++) {
      for (let c = Math.max(0, Math.floor(x - BRUSH_RADIUS)); c <= Math.min(cols - 1, Math.floor(x + BRUSH_RADIUS)); c++) {
        if (this.mask[r * cols + c] && (c + 0.5 - x) ** 2 + (r + 0.5 - y) ** 2 <= BRUSH_RADIUS ** 2) {
          this.mask[r * cols + c] = 0;
          changed = true;
        }
      }
    }
    return changed;
  }

  private original(): Float32Array {
    const size = this.test.rows * this.test.cols;
    return this.test.images.subarray(this.index * size, (this.index + 1) * size);
  }

  private hidden(mask = this.mask): number {
    return mask.reduce((n, v) => n + (v ? 0 : 1), 0);
  }

  /** The masked input, erased pixels tinted. */
  private paintEditor(): void {
    const x = this.original();
    const rgb = new Float32Array(3 * x.length);
    for (let i = 0; i < x.length; i++) {
      for (let k = 0; k < 3; k++) rgb[3 * i + k] = this.mask[i] ? x[i] : ERASED_RGB[k];
    }
    paint(this.el.editor, floatsToImage(rgb, this.test.cols, this.test.rows, 3));
    const hidden = this.hidden();
    this.el.editor.dataset.hidden = String(hidden);
    this.el.note.textContent = `Test digit #${this.index} (a ${this.test.labels[this.index]}): ${hidden} of ${x.length} pixels erased.`;
  }

  private async draw(): Promise<void> {
    const model = this.model();
    const x = this.original();
    const mask = this.mask.slice();
    const input = x.map((v, i) => v * mask[i]);
    const recon = await reconstruct(model, input, 1, [this.test.labels[this.index]]);
    const filled = x.map((v, i) => (mask[i] ? v : recon[i]));
    const { rows, cols } = this.test;
    paint(this.el.reconstruction, floatsToImage(recon, cols, rows));
    paint(this.el.filled, floatsToImage(filled, cols, rows));
    // Which mask these pictures are for, so a reader (the test) knows they caught up.
    this.el.filled.dataset.hidden = this.el.reconstruction.dataset.hidden = String(this.hidden(mask));
  }
}
