// A small line chart on a canvas: x is the epoch (batch losses sit at fractional
// epochs), y is nats per image. Redraws at most once per animation frame, however
// often points arrive.
import { hiDpi } from './dom.js';

export interface Series {
  name: string;
  color: string;
  /** Batch-level series: thin and without point markers. */
  thin?: boolean;
  points: [number, number][];
}

const FONT = '12px system-ui, sans-serif';
const INK = '#334155';
const GRID = '#e2e8f0';

export class LineChart {
  private frame = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly title: string,
    private readonly series: Series[],
  ) {
    new ResizeObserver(() => this.update()).observe(canvas);
  }

  add(name: string, x: number, y: number): void {
    if (!Number.isFinite(y)) return;
    this.series.find((s) => s.name === name)?.points.push([x, y]);
    this.update();
  }

  clear(): void {
    for (const s of this.series) s.points.length = 0;
    this.update();
  }

  update(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { ctx, width, height } = hiDpi(this.canvas);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    const plot = { left: 52, right: width - 12, top: 40, bottom: height - 26 };
    const all = this.series.flatMap((s) => s.points);
    const xMax = Math.max(1, ...all.map((p) => p[0]));
    const [yMin, yMax, yStep] = niceRange(all.map((p) => p[1]));
    const px = (x: number) => plot.left + (x / xMax) * (plot.right - plot.left);
    const py = (y: number) => plot.bottom - ((y - yMin) / (yMax - yMin)) * (plot.bottom - plot.top);

    ctx.fillStyle = INK;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(this.title, 8, 6);
    this.legend(ctx, width);

    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let y = yMin; y <= yMax + yStep / 2; y += yStep) {
      ctx.beginPath();
      ctx.moveTo(plot.left, Math.round(py(y)) + 0.5);
      ctx.lineTo(plot.right, Math.round(py(y)) + 0.5);
      ctx.stroke();
      ctx.fillText(formatTick(y), plot.left - 6, py(y));
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const xStep = Math.max(1, Math.ceil(xMax / 10));
    for (let x = 0; x <= xMax; x += xStep) ctx.fillText(String(x), px(x), plot.bottom + 6);

    if (all.length === 0) {
      ctx.textAlign = 'center';
      ctx.fillText('no data yet', (plot.left + plot.right) / 2, (plot.top + plot.bottom) / 2);
      return;
    }
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = s.thin ? 1 : 2;
      ctx.globalAlpha = s.thin ? 0.55 : 1;
      ctx.beginPath();
      s.points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
      ctx.stroke();
      if (!s.thin) for (const [x, y] of s.points) ctx.fillRect(px(x) - 2.5, py(y) - 2.5, 5, 5);
      ctx.globalAlpha = 1;
    }
  }

  private legend(ctx: CanvasRenderingContext2D, width: number): void {
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    let x = width - 8 - this.series.reduce((w, s) => w + 22 + ctx.measureText(s.name).width + 14, 0);
    for (const s of this.series) {
      ctx.fillStyle = s.color;
      ctx.fillRect(x, 23, 16, s.thin ? 2 : 3);
      ctx.fillStyle = INK;
      ctx.fillText(s.name, x + 22, 24);
      x += 22 + ctx.measureText(s.name).width + 14;
    }
  }
}

/** A y range that starts and ends on round ticks, about five of them. */
function niceRange(values: number[]): [number, number, number] {
  if (values.length === 0) return [0, 1, 0.25];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step, step];
}

function formatTick(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
}
