// The latent map: the test digits' posterior means as points coloured by digit (for
// a latent size above 2, their first two principal components). Pressing or
// dragging anywhere on it decodes that point at once (as the picked digit, for a
// conditional model). Decodes are coalesced: while one runs, only the latest pointer
// position waits, so a fast drag never queues up.
import { decode, floatsToImage, paddedRange } from '../src/index.js';
import type { ImageDataset, LatentModel } from '../src/index.js';
import { hiDpi, paint } from './dom.js';
import { project, type Projection } from './pca.js';

/** matplotlib's tab10, the palette scatterPlot uses for the same map as a PNG. */
export const DIGIT_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const MARGIN = { left: 44, right: 12, top: 12, bottom: 30 };

interface View {
  projection: Projection;
  x: [number, number];
  y: [number, number];
}

export class LatentMap {
  private view: View | null = null;
  private marker: [number, number] | null = null;
  private pending: [number, number] | null = null;
  private decoding = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly decoded: HTMLCanvasElement,
    private readonly decodedAt: HTMLElement,
    private readonly note: HTMLElement,
    private readonly test: ImageDataset,
    private readonly model: () => LatentModel,
    /** The label decodes use (a conditional model's picked digit). */
    private readonly digit: () => number,
    private readonly onError: (e: Error) => void,
  ) {
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.pick(e);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (e.buttons & 1) this.pick(e);
    });
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** Redraws with the current model's latent means of the test digits ([n, latent]); decodes the marked point again. */
  refresh(mu: Float32Array): void {
    const model = this.model();
    const { latent } = model.config;
    if (!mu.every(Number.isFinite)) throw new Error('the latent means are not finite numbers: training diverged. Lower the learning rate and press Reset.');
    const projection = project(mu, this.test.n, latent);
    this.view = { projection, x: paddedRange(projection.points, 0), y: paddedRange(projection.points, 1) };
    this.note.textContent = projection.pca
      ? `Latent size ${latent}: the map shows the first two principal components of the ${this.test.n} test digits' latent means (PCA). A click decodes mean + x·PC1 + y·PC2.`
      : `Latent means of the ${this.test.n} test digits, coloured by digit. Click or drag to decode any point.`;
    if (model.config.classes > 0) this.note.textContent += ' A conditional VAE is told the digit, so its latent keeps the style and the colours mix; the picked digit decodes.';
    // Keep the marked point while it is on the map; else start at the centre of the digits.
    const m = this.marker;
    const onMap = m && m[0] >= this.view.x[0] && m[0] <= this.view.x[1] && m[1] >= this.view.y[0] && m[1] <= this.view.y[1];
    this.request(onMap ? m : centroid(projection.points));
  }

  /** Decodes the marked point again (another digit picked). */
  redecode(): void {
    if (this.marker) this.request(this.marker);
  }

  /** Marks a map point and decodes it (after the decode in flight, if any). */
  private request(point: [number, number]): void {
    this.marker = point;
    this.pending = point;
    this.draw();
    if (!this.decoding) void this.drain();
  }

  private pick(e: PointerEvent): void {
    if (!this.view) return;
    const rect = this.canvas.getBoundingClientRect();
    const w = rect.width - MARGIN.left - MARGIN.right;
    const h = rect.height - MARGIN.top - MARGIN.bottom;
    const u = Math.min(1, Math.max(0, (e.clientX - rect.left - MARGIN.left) / w));
    const v = Math.min(1, Math.max(0, (e.clientY - rect.top - MARGIN.top) / h));
    const { x, y } = this.view;
    this.request([x[0] + u * (x[1] - x[0]), y[1] - v * (y[1] - y[0])]);
  }

  private async drain(): Promise<void> {
    this.decoding = true;
    try {
      while (this.pending && this.view) {
        const [x, y] = this.pending;
        this.pending = null;
        const model = this.model();
        const z = this.view.projection.lift(x, y);
        // The model was just replaced by one of another latent size: the refresh that
        // follows the swap builds the new map and decodes the marked point again.
        if (z.length !== model.config.latent) break;
        const { imageRows: rows, imageCols: cols } = model.config;
        const digit = this.digit();
        const pixels = await decode(model, z, 1, [digit]);
        paint(this.decoded, floatsToImage(pixels, cols, rows));
        const axis = this.view.projection.pca ? 'PC' : 'z';
        this.decodedAt.textContent = `${axis} = (${x.toFixed(2)}, ${y.toFixed(2)})`;
        this.decoded.dataset.point = `${x},${y}`;
        this.decoded.dataset.digit = model.config.classes > 0 ? String(digit) : '';
      }
    } catch (e) {
      this.onError(e as Error);
    } finally {
      this.decoding = false;
    }
  }

  private draw(): void {
    const { ctx, width, height } = hiDpi(this.canvas);
    ctx.clearRect(0, 0, width, height);
    const plot = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom };
    ctx.strokeStyle = '#94a3b8';
    ctx.strokeRect(plot.left - 0.5, plot.top - 0.5, plot.width + 1, plot.height + 1);
    if (!this.view) return;
    const { projection, x, y } = this.view;
    const px = (v: number) => plot.left + ((v - x[0]) / (x[1] - x[0])) * plot.width;
    const py = (v: number) => plot.top + (1 - (v - y[0]) / (y[1] - y[0])) * plot.height;

    ctx.strokeStyle = '#e2e8f0';
    ctx.beginPath();
    if (x[0] < 0 && x[1] > 0) {
      ctx.moveTo(px(0), plot.top);
      ctx.lineTo(px(0), plot.top + plot.height);
    }
    if (y[0] < 0 && y[1] > 0) {
      ctx.moveTo(plot.left, py(0));
      ctx.lineTo(plot.left + plot.width, py(0));
    }
    ctx.stroke();

    ctx.globalAlpha = 0.75;
    const { points } = projection;
    for (let i = 0; i < this.test.n; i++) {
      ctx.fillStyle = DIGIT_COLORS[this.test.labels[i] % DIGIT_COLORS.length];
      ctx.beginPath();
      ctx.arc(px(points[2 * i]), py(points[2 * i + 1]), 2.2, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;

    ctx.fillStyle = '#334155';
    ctx.font = '12px system-ui, sans-serif';
    const axis = projection.pca ? ['PC1', 'PC2'] : ['z₁', 'z₂'];
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(x[0].toFixed(1), plot.left, plot.top + plot.height + 6);
    ctx.textAlign = 'right';
    ctx.fillText(x[1].toFixed(1), plot.left + plot.width, plot.top + plot.height + 6);
    ctx.textAlign = 'center';
    ctx.fillText(axis[0], plot.left + plot.width / 2, plot.top + plot.height + 6);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.fillText(y[1].toFixed(1), plot.left - 6, plot.top);
    ctx.textBaseline = 'bottom';
    ctx.fillText(y[0].toFixed(1), plot.left - 6, plot.top + plot.height);
    ctx.textBaseline = 'middle';
    ctx.fillText(axis[1], plot.left - 6, plot.top + plot.height / 2);

    if (this.marker) {
      const [mx, my] = [px(this.marker[0]), py(this.marker[1])];
      ctx.strokeStyle = '#0f172a';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(mx, my, 7, 0, 2 * Math.PI);
      ctx.moveTo(mx - 11, my);
      ctx.lineTo(mx + 11, my);
      ctx.moveTo(mx, my - 11);
      ctx.lineTo(mx, my + 11);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
  }
}

function centroid(points: Float32Array): [number, number] {
  let x = 0;
  let y = 0;
  for (let i = 0; i < points.length; i += 2) {
    x += points[i];
    y += points[i + 1];
  }
  return [(2 * x) / points.length, (2 * y) / points.length];
}
