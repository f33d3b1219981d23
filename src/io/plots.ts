// The pictures a VAE run produces, as pure functions from float arrays to Images
// (encode them with encodePng): sample grids, originals above reconstructions,
// interpolation strips and a 2-D scatter of latent means coloured by class.
// Pixel floats map [0, 1] to black..white; NaN throws (see png.ts).
import { drawText, GLYPH_HEIGHT, textWidth } from './font.js';
import { createImage, fillRect, floatToByte } from './png.js';
import type { Image, Rgb } from './png.js';

export interface TileOptions {
  /** Pixels between tiles and around the border (default 2). */
  pad?: number;
  /** Gray level in [0, 1] of the padding and empty cells (default 0.5, which separates black-background digits). */
  background?: number;
  /** Integer upscaling of each image pixel (default 1). */
  scale?: number;
}

/**
 * `count` grayscale images of rows x cols (stored back to back in `images`) tiled
 * row by row, `gridCols` per grid row (fewer when count is smaller). Image k sits in
 * grid cell (floor(k / gridCols), k % gridCols).
 */
export function imageGrid(images: Float32Array, count: number, rows: number, cols: number, gridCols: number, options: TileOptions = {}): Image {
  const t = tiling(images, count, rows, cols, gridCols, options, 'imageGrid');
  const gridRows = Math.ceil(count / t.columns);
  const image = createImage(t.span(t.columns, t.tileW), t.span(gridRows, t.tileH), 1, t.background);
  for (let k = 0; k < count; k++) {
    drawTile(image, images, k, rows, cols, t.offset(k % t.columns, t.tileW), t.offset(Math.floor(k / t.columns), t.tileH), t.scale);
  }
  return image;
}

/** One row of images (an interpolation strip). */
export function strip(images: Float32Array, count: number, rows: number, cols: number, options: TileOptions = {}): Image {
  return imageGrid(images, count, rows, cols, count, options);
}

/**
 * Originals above their reconstructions: `gridCols` images of `top` in a row with the
 * same images of `bottom` right below, then the next pair of rows after a wider gap
 * (3 x pad) when count > gridCols.
 */
export function pairedRows(top: Float32Array, bottom: Float32Array, count: number, rows: number, cols: number, gridCols: number, options: TileOptions = {}): Image {
  return stackedRows([top, bottom], count, rows, cols, gridCols, options);
}

/**
 * Several versions of the same images one above the other (clean, corrupted,
 * reconstructed): `gridCols` images of each group in a row, the groups' rows stacked,
 * then the next block after a wider gap (3 x pad) when count > gridCols.
 */
export function stackedRows(groups: readonly Float32Array[], count: number, rows: number, cols: number, gridCols: number, options: TileOptions = {}): Image {
  if (groups.length < 1) throw new RangeError('stackedRows: give at least one group of images');
  const t = tiling(groups[0], count, rows, cols, gridCols, options, 'stackedRows (group 0)');
  groups.forEach((g, i) => tiling(g, count, rows, cols, gridCols, options, `stackedRows (group ${i})`));
  const blocks = Math.ceil(count / t.columns);
  const blockH = groups.length * t.tileH + (groups.length - 1) * t.pad;
  const gap = 3 * t.pad;
  const height = 2 * t.pad + blocks * blockH + (blocks - 1) * gap;
  const image = createImage(t.span(t.columns, t.tileW), height, 1, t.background);
  for (let k = 0; k < count; k++) {
    const x = t.offset(k % t.columns, t.tileW);
    const y = t.pad + Math.floor(k / t.columns) * (blockH + gap);
    groups.forEach((g, i) => drawTile(image, g, k, rows, cols, x, y + i * (t.tileH + t.pad), t.scale));
  }
  return image;
}

function tiling(images: Float32Array, count: number, rows: number, cols: number, gridCols: number, options: TileOptions, what: string) {
  const { pad = 2, background = 0.5, scale = 1 } = options;
  for (const [name, v, min] of [['count', count, 1], ['rows', rows, 1], ['cols', cols, 1], ['gridCols', gridCols, 1], ['pad', pad, 0], ['scale', scale, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${what}: ${name} is ${v}; it must be an integer >= ${min}`);
  }
  if (images.length < count * rows * cols) {
    throw new RangeError(`${what}: ${count} images of ${rows}x${cols} need ${count * rows * cols} values, got ${images.length}`);
  }
  const gray = floatToByte(background);
  const tileW = cols * scale;
  const tileH = rows * scale;
  return {
    pad,
    scale,
    tileW,
    tileH,
    columns: Math.min(gridCols, count),
    background: [gray, gray, gray] as Rgb,
    /** Total length of n tiles of `size` with padding between and around them. */
    span: (n: number, size: number) => n * size + (n + 1) * pad,
    /** Position of tile i along an axis. */
    offset: (i: number, size: number) => pad + i * (size + pad),
  };
}

function drawTile(image: Image, images: Float32Array, k: number, rows: number, cols: number, x: number, y: number, scale: number): void {
  const base = k * rows * cols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = floatToByte(images[base + r * cols + c], base + r * cols + c);
      fillRect(image, x + c * scale, y + r * scale, scale, scale, [v, v, v]);
    }
  }
}

/** Tableau's classic 10 categorical colours (matplotlib's 'tab10'), class k gets entry k. */
export const TAB10: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

export interface ScatterOptions {
  width?: number;
  height?: number;
  /** Number of classes; labels must lie in [0, classes). Default: largest label + 1. At most 10. */
  classes?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Side of each point's square in pixels (default 3). */
  pointSize?: number;
  /** Integer size of the 5x7 font (default 2 when the image is at least 400 pixels each way, else 1). */
  textScale?: number;
}

/** Where scatterPlot puts things: the plot frame, the data ranges and the data-to-pixel map. */
export interface ScatterLayout {
  frame: { x: number; y: number; width: number; height: number };
  xRange: [number, number];
  yRange: [number, number];
  toPixel(x: number, y: number): [number, number];
}

const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [40, 40, 40];
const ZERO_LINE: Rgb = [225, 225, 225];

/**
 * Scatter of points[i] = (points[2i], points[2i+1]) coloured by labels[i], with the
 * x and y ranges printed at the ends of the axes, a light line at 0 when 0 is in
 * range, and a legend (swatch + class number per class) on the right.
 */
export function scatterPlot(points: Float32Array, labels: Uint8Array, options: ScatterOptions = {}): Image {
  const { classes, pointSize, layout } = resolveScatter(points, labels, options);
  const s = layout.textScale;
  const line = GLYPH_HEIGHT * s;
  const { frame } = layout;
  const image = createImage(layout.width, layout.height, 3, WHITE);

  const [x0, y0] = layout.toPixel(0, 0);
  if (layout.xRange[0] < 0 && layout.xRange[1] > 0) fillRect(image, x0, frame.y, 1, frame.height, ZERO_LINE);
  if (layout.yRange[0] < 0 && layout.yRange[1] > 0) fillRect(image, frame.x, y0, frame.width, 1, ZERO_LINE);
  strokeRect(image, frame.x - 1, frame.y - 1, frame.width + 2, frame.height + 2, INK);

  const half = Math.floor(pointSize / 2);
  for (let i = 0; i < labels.length; i++) {
    const [px, py] = layout.toPixel(points[2 * i], points[2 * i + 1]);
    fillRect(image, px - half, py - half, pointSize, pointSize, TAB10[labels[i]]);
  }

  const [xLo, xHi] = layout.xRange.map(formatTick);
  const [yLo, yHi] = layout.yRange.map(formatTick);
  const belowFrame = frame.y + frame.height + 2 * s + 2;
  drawText(image, frame.x, belowFrame, xLo, INK, s);
  drawText(image, frame.x + frame.width - textWidth(xHi, s), belowFrame, xHi, INK, s);
  drawText(image, frame.x - 4 * s - textWidth(yHi, s), frame.y, yHi, INK, s);
  drawText(image, frame.x - 4 * s - textWidth(yLo, s), frame.y + frame.height - line, yLo, INK, s);
  if (options.xLabel) drawText(image, frame.x + Math.floor((frame.width - textWidth(options.xLabel, s)) / 2), belowFrame + line + 4 * s, options.xLabel, INK, s);
  if (options.yLabel) drawText(image, frame.x, frame.y - line - 4 * s, options.yLabel, INK, s);
  if (options.title) drawText(image, Math.floor((layout.width - textWidth(options.title, s)) / 2), 4 * s, options.title, INK, s);

  const legendX = frame.x + frame.width + 8 * s;
  for (let c = 0; c < classes; c++) {
    const y = frame.y + c * (line + 4 * s);
    fillRect(image, legendX, y, line, line, TAB10[c]);
    drawText(image, legendX + line + 3 * s, y, String(c), INK, s);
  }
  return image;
}

/** The layout scatterPlot uses for these inputs (for tests and interactive overlays). */
export function scatterLayout(points: Float32Array, labels: Uint8Array, options: ScatterOptions = {}): ScatterLayout {
  const { frame, xRange, yRange, toPixel } = resolveScatter(points, labels, options).layout;
  return { frame, xRange, yRange, toPixel };
}

function resolveScatter(points: Float32Array, labels: Uint8Array, options: ScatterOptions) {
  const { width = 560, height = 480, pointSize = 3 } = options;
  const n = labels.length;
  if (n === 0) throw new RangeError('scatterPlot: no points to plot');
  if (points.length !== 2 * n) throw new RangeError(`scatterPlot: ${n} labels need ${2 * n} coordinates (an [n, 2] array), got ${points.length}`);
  const classes = options.classes ?? labels.reduce((a, b) => Math.max(a, b), 0) + 1;
  if (!Number.isInteger(classes) || classes < 1 || classes > TAB10.length) {
    throw new RangeError(`scatterPlot: ${classes} classes; the palette has ${TAB10.length} colours, so use 1 to ${TAB10.length} classes`);
  }
  for (let i = 0; i < n; i++) {
    if (labels[i] >= classes) throw new RangeError(`scatterPlot: label ${labels[i]} at point ${i} is outside [0, ${classes}); raise 'classes' or fix the labels`);
  }
  for (let i = 0; i < points.length; i++) {
    if (!Number.isFinite(points[i])) throw new RangeError(`scatterPlot: point ${i >> 1} has a non-finite coordinate (${points[i]}); did training diverge?`);
  }
  if (!Number.isInteger(pointSize) || pointSize < 1) throw new RangeError(`scatterPlot: pointSize ${pointSize} must be a positive integer`);
  const textScale = options.textScale ?? (Math.min(width, height) >= 400 ? 2 : 1);
  if (!Number.isInteger(textScale) || textScale < 1) throw new RangeError(`scatterPlot: textScale ${textScale} must be a positive integer`);

  const xRange = paddedRange(points, 0);
  const yRange = paddedRange(points, 1);
  const s = textScale;
  const line = GLYPH_HEIGHT * s;
  const gap = 4 * s;
  const tickWidth = Math.max(...yRange.map((v) => textWidth(formatTick(v), s)));
  const left = gap + tickWidth + gap;
  const top = gap + (options.title ? line + 2 * gap : 0) + (options.yLabel ? line + gap : gap);
  const bottom = 2 * s + 2 + line + (options.xLabel ? gap + line : 0) + gap;
  const right = 2 * gap + line + 3 * s + textWidth(String(classes - 1), s) + gap;
  const frame = { x: left, y: top, width: width - left - right, height: height - top - bottom };
  if (frame.width < 16 || frame.height < 16) {
    throw new RangeError(`scatterPlot: a ${width}x${height} image leaves no room to plot after labels and legend; make it larger or lower textScale`);
  }
  const toPixel = (x: number, y: number): [number, number] => [
    frame.x + Math.round(((x - xRange[0]) / (xRange[1] - xRange[0])) * (frame.width - 1)),
    frame.y + Math.round((1 - (y - yRange[0]) / (yRange[1] - yRange[0])) * (frame.height - 1)),
  ];
  return { classes, pointSize, layout: { width, height, textScale, frame, xRange, yRange, toPixel } };
}

/** Data range of one coordinate, widened 5% each side (or by 0.5 of a unit scale when all values agree). */
export function paddedRange(points: Float32Array, axis: 0 | 1): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = axis; i < points.length; i += 2) {
    lo = Math.min(lo, points[i]);
    hi = Math.max(hi, points[i]);
  }
  const margin = hi > lo ? 0.05 * (hi - lo) : 0.5 * Math.max(1, Math.abs(lo));
  return [lo - margin, hi + margin];
}

/** Three significant digits without trailing zeros: -3.21, 0.5, 1.23e+5. */
function formatTick(v: number): string {
  return String(Number(v.toPrecision(3)));
}

function strokeRect(image: Image, x: number, y: number, w: number, h: number, color: Rgb): void {
  fillRect(image, x, y, w, 1, color);
  fillRect(image, x, y + h - 1, w, 1, color);
  fillRect(image, x, y, 1, h, color);
  fillRect(image, x + w - 1, y, 1, h, color);
}
