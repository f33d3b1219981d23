// Small DOM helpers shared by the panels.
import type { Image } from '../src/index.js';

/** The element with this id, of the expected kind; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof kind)) throw new Error(`index.html has no <${kind.name}> with id '${id}'`);
  return el;
}

/** Paints a library Image (grey or RGB bytes) into a canvas of the same size. */
export function paint(canvas: HTMLCanvasElement, image: Image): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const rgba = new ImageData(image.width, image.height);
  const { data, channels } = image;
  for (let p = 0, q = 0; p < image.width * image.height; p++, q += channels) {
    rgba.data[4 * p] = data[q];
    rgba.data[4 * p + 1] = data[channels === 3 ? q + 1 : q];
    rgba.data[4 * p + 2] = data[channels === 3 ? q + 2 : q];
    rgba.data[4 * p + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(rgba, 0, 0);
}

/** Sets a canvas's backing store to its CSS size times the device pixel ratio; returns a context in CSS pixels. */
export function hiDpi(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, width, height };
}

export function formatNumber(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}
