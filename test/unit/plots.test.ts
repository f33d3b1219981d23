// Plots and the bitmap font: image sizes follow the documented layouts, every tile
// holds the image it should (pixel for pixel, non-square so transposes show), the
// scatter puts each class's colour where its points are and lists every class in the
// legend, and text drawing puts ink where the glyphs say.
import { describe, expect, it } from 'vitest';
import { drawText, GLYPH_HEIGHT, glyphRows, textWidth } from '../../src/io/font.js';
import { imageGrid, pairedRows, scatterLayout, scatterPlot, stackedRows, strip, TAB10 } from '../../src/io/plots.js';
import { createImage, encodePng, getPixel } from '../../src/io/png.js';
import type { Image, Rgb } from '../../src/io/png.js';
import { uniform } from '../random.js';

const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);

/** Asserts the rows x cols tile at (x, y) shows image k of `images`, each pixel a scale x scale block. */
function expectTile(image: Image, images: Float32Array, k: number, rows: number, cols: number, x: number, y: number, scale = 1): void {
  for (let r = 0; r < rows * scale; r++) {
    for (let c = 0; c < cols * scale; c++) {
      const want = byte(images[k * rows * cols + Math.floor(r / scale) * cols + Math.floor(c / scale)]);
      if (getPixel(image, x + c, y + r)[0] !== want) throw new Error(`tile of image ${k} at (${x}, ${y}): pixel (${r}, ${c}) is ${getPixel(image, x + c, y + r)[0]}, expected ${want}`);
    }
  }
}

/** Pixels of `image` equal to `color` inside the rectangle. */
function countColor(image: Image, color: Rgb, x0 = 0, y0 = 0, x1 = image.width, y1 = image.height): number {
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = getPixel(image, x, y);
      if (p[0] === color[0] && p[1] === color[1] && p[2] === color[2]) n++;
    }
  }
  return n;
}

describe('imageGrid', () => {
  const rows = 3;
  const cols = 5;
  const images = uniform(7 * rows * cols, 1, 0, 1);

  it('tiles image k into cell (k / gridCols, k % gridCols), background elsewhere', () => {
    const pad = 2;
    const grid = imageGrid(images, 7, rows, cols, 3, { pad, background: 0.25 });
    expect([grid.width, grid.height, grid.channels]).toEqual([3 * cols + 4 * pad, 3 * rows + 4 * pad, 1]);
    for (let k = 0; k < 7; k++) {
      const r = Math.floor(k / 3);
      const c = k % 3;
      expectTile(grid, images, k, rows, cols, pad + c * (cols + pad), pad + r * (rows + pad));
    }
    const bg = byte(0.25);
    const emptyCell = new Float32Array(rows * cols).fill(0.25);
    for (const c of [1, 2]) expectTile(grid, emptyCell, 0, rows, cols, pad + c * (cols + pad), pad + 2 * (rows + pad));
    for (let x = 0; x < grid.width; x++) {
      expect(getPixel(grid, x, 0)[0]).toBe(bg);
      expect(getPixel(grid, x, pad + rows)[0]).toBe(bg);
    }
  });

  it('upscales with scale and narrows to count when count < gridCols', () => {
    const grid = imageGrid(images, 2, rows, cols, 8, { pad: 1, scale: 3 });
    expect([grid.width, grid.height]).toEqual([2 * cols * 3 + 3, rows * 3 + 2]);
    expectTile(grid, images, 0, rows, cols, 1, 1, 3);
    expectTile(grid, images, 1, rows, cols, 2 + cols * 3, 1, 3);
  });

  it('shows only the first count images of a larger batch, with pad 0', () => {
    const grid = imageGrid(images, 4, rows, cols, 2, { pad: 0 });
    expect([grid.width, grid.height]).toEqual([2 * cols, 2 * rows]);
    expectTile(grid, images, 3, rows, cols, cols, rows);
  });

  it('refuses bad sizes, too few values and NaN pixels', () => {
    expect(() => imageGrid(images, 8, rows, cols, 3)).toThrow(/8 images of 3x5 need 120 values, got 105/);
    expect(() => imageGrid(images, 0, rows, cols, 3)).toThrow(/count is 0; it must be an integer >= 1/);
    expect(() => imageGrid(images, 2, rows, cols, 2.5)).toThrow(/gridCols is 2.5/);
    expect(() => imageGrid(images, 2, rows, cols, 2, { pad: -1 })).toThrow(/pad is -1/);
    const bad = images.slice();
    bad[20] = NaN;
    expect(() => imageGrid(bad, 7, rows, cols, 3)).toThrow(/pixel value 20 is NaN/);
  });
});

describe('strip and pairedRows', () => {
  const rows = 4;
  const cols = 3;
  it('strip lays images out in one row', () => {
    const images = uniform(6 * rows * cols, 2, 0, 1);
    const s = strip(images, 6, rows, cols, { pad: 1 });
    expect([s.width, s.height]).toEqual([6 * cols + 7, rows + 2]);
    for (let k = 0; k < 6; k++) expectTile(s, images, k, rows, cols, 1 + k * (cols + 1), 1);
  });

  it('pairedRows puts each original above its reconstruction, pairs of rows apart', () => {
    const top = uniform(5 * rows * cols, 3, 0, 1);
    const bottom = uniform(5 * rows * cols, 4, 0, 1);
    const pad = 2;
    const img = pairedRows(top, bottom, 5, rows, cols, 3, { pad });
    const pairH = 2 * rows + pad;
    expect([img.width, img.height]).toEqual([3 * cols + 4 * pad, 2 * pad + 2 * pairH + 3 * pad]);
    for (let k = 0; k < 5; k++) {
      const x = pad + (k % 3) * (cols + pad);
      const y = pad + Math.floor(k / 3) * (pairH + 3 * pad);
      expectTile(img, top, k, rows, cols, x, y);
      expectTile(img, bottom, k, rows, cols, x, y + rows + pad);
    }
    expect(() => pairedRows(top, bottom.subarray(1), 5, rows, cols, 3)).toThrow(/stackedRows \(group 1\)/);
  });

  it('stackedRows stacks three versions of each image, blocks of rows apart', () => {
    const groups = [3, 4, 5].map((seed) => uniform(4 * rows * cols, seed, 0, 1));
    const pad = 1;
    const img = stackedRows(groups, 4, rows, cols, 2, { pad });
    const blockH = 3 * rows + 2 * pad;
    expect([img.width, img.height]).toEqual([2 * cols + 3 * pad, 2 * pad + 2 * blockH + 3 * pad]);
    for (let k = 0; k < 4; k++) {
      const x = pad + (k % 2) * (cols + pad);
      const y = pad + Math.floor(k / 2) * (blockH + 3 * pad);
      groups.forEach((g, i) => expectTile(img, g, k, rows, cols, x, y + i * (rows + pad)));
    }
    expect(() => stackedRows([], 4, rows, cols, 2)).toThrow(/at least one group/);
  });
});

describe('scatterPlot', () => {
  // Four clusters at the corners of the data range, one class each.
  const corners = [[-3, -2], [5, -2], [-3, 4], [5, 4]];
  const n = 40;
  const points = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  const jitter = uniform(2 * n, 5, -0.05, 0.05);
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    labels[i] = c;
    points[2 * i] = corners[c][0] + jitter[2 * i];
    points[2 * i + 1] = corners[c][1] + jitter[2 * i + 1];
  }
  const options = { width: 420, height: 360, classes: 10, title: 'Latent means', xLabel: 'z1', yLabel: 'z2' };

  it('has the requested size and a frame that fits inside it', () => {
    const img = scatterPlot(points, labels, options);
    expect([img.width, img.height, img.channels]).toEqual([420, 360, 3]);
    const { frame } = scatterLayout(points, labels, options);
    expect(frame.x).toBeGreaterThan(0);
    expect(frame.y).toBeGreaterThan(0);
    expect(frame.x + frame.width).toBeLessThan(420);
    expect(frame.y + frame.height).toBeLessThan(360);
  });

  it('puts each class colour in its own corner of the frame and nowhere else', () => {
    const img = scatterPlot(points, labels, options);
    const { frame } = scatterLayout(points, labels, options);
    const midX = frame.x + frame.width / 2;
    const midY = frame.y + frame.height / 2;
    const quadrant = (x: number, y: number) => (x > 0 ? 1 : 0) + (y > 0 ? 2 : 0); // data coordinates
    for (let c = 0; c < 4; c++) {
      const [cx, cy] = corners[c];
      const q = quadrant(cx, cy);
      // Pixel y grows downwards: positive data y is the upper half.
      const box = [q & 1 ? midX : frame.x, q & 2 ? frame.y : midY, q & 1 ? frame.x + frame.width : midX, q & 2 ? midY : frame.y + frame.height];
      const inside = countColor(img, TAB10[c], ...box.map(Math.floor) as [number, number, number, number]);
      const all = countColor(img, TAB10[c], frame.x, frame.y, frame.x + frame.width, frame.y + frame.height);
      expect(inside, `class ${c}`).toBeGreaterThan(8);
      expect(all, `class ${c}`).toBe(inside);
    }
    for (let c = 4; c < 10; c++) expect(countColor(img, TAB10[c], frame.x, frame.y, frame.x + frame.width, frame.y + frame.height)).toBe(0);
  });

  it('maps the padded data range onto the frame', () => {
    const { frame, xRange, yRange, toPixel } = scatterLayout(points, labels, options);
    let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      xMin = Math.min(xMin, points[2 * i]);
      xMax = Math.max(xMax, points[2 * i]);
      yMin = Math.min(yMin, points[2 * i + 1]);
      yMax = Math.max(yMax, points[2 * i + 1]);
    }
    expect(xRange[0]).toBeCloseTo(xMin - 0.05 * (xMax - xMin), 6);
    expect(xRange[1]).toBeCloseTo(xMax + 0.05 * (xMax - xMin), 6);
    expect(yRange[1]).toBeCloseTo(yMax + 0.05 * (yMax - yMin), 6);
    expect(toPixel(xRange[0], yRange[1])).toEqual([frame.x, frame.y]);
    expect(toPixel(xRange[1], yRange[0])).toEqual([frame.x + frame.width - 1, frame.y + frame.height - 1]);
    const img = scatterPlot(points, labels, options);
    for (let i = 0; i < 4; i++) expect(getPixel(img, ...toPixel(points[2 * i], points[2 * i + 1]))).toEqual(TAB10[labels[i]]);
  });

  it('shows every class in the legend, present in the data or not', () => {
    const img = scatterPlot(points, labels, options);
    const { frame } = scatterLayout(points, labels, options);
    for (let c = 0; c < 10; c++) {
      expect(countColor(img, TAB10[c], frame.x + frame.width + 2, 0, img.width, img.height), `legend class ${c}`).toBeGreaterThanOrEqual(GLYPH_HEIGHT * GLYPH_HEIGHT);
    }
    const three = scatterPlot(points, labels.map((l) => l % 3), { width: 300, height: 240 });
    const f3 = scatterLayout(points, labels.map((l) => l % 3), { width: 300, height: 240 }).frame;
    for (let c = 0; c < 10; c++) {
      const inLegend = countColor(three, TAB10[c], f3.x + f3.width + 2, 0, three.width, three.height);
      expect(inLegend > 0, `class ${c}`).toBe(c < 3);
    }
  });

  it('prints the title, labels and ranges as text', () => {
    const ink: Rgb = [40, 40, 40];
    const plain = scatterPlot(points, labels, { width: 420, height: 360 });
    const titled = scatterPlot(points, labels, options);
    const { frame } = scatterLayout(points, labels, options);
    const plainFrame = scatterLayout(points, labels, { width: 420, height: 360 }).frame;
    expect(countColor(plain, ink, 0, 0, plain.width, plainFrame.y - 2)).toBe(0);
    expect(countColor(titled, ink, 0, 0, titled.width, frame.y - 2)).toBeGreaterThan(40);
    // the y range is printed left of the frame, the x range below it
    expect(countColor(plain, ink, 0, 0, plainFrame.x - 2, plain.height)).toBeGreaterThan(20);
    expect(countColor(titled, ink, 0, frame.y + frame.height + 2, titled.width, titled.height)).toBeGreaterThan(20);
  });

  it('handles all points equal (a zero range) and refuses bad input', () => {
    const same = new Float32Array([1, 1, 1, 1]);
    const { xRange } = scatterLayout(same, new Uint8Array([0, 1]), {});
    expect(xRange).toEqual([0.5, 1.5]);
    expect(scatterPlot(same, new Uint8Array([0, 1])).width).toBe(560);
    expect(() => scatterPlot(points, labels.subarray(1))).toThrow(/39 labels need 78 coordinates/);
    expect(() => scatterPlot(points, labels, { classes: 3 })).toThrow(/label 3 at point 3 is outside \[0, 3\)/);
    expect(() => scatterPlot(points, labels, { classes: 11 })).toThrow(/palette has 10 colours/);
    expect(() => scatterPlot(new Float32Array([0, NaN]), new Uint8Array([0]))).toThrow(/point 0 has a non-finite coordinate/);
    expect(() => scatterPlot(new Float32Array(0), new Uint8Array(0))).toThrow(/no points/);
    expect(() => scatterPlot(points, labels, { width: 40, height: 40 })).toThrow(/no room to plot/);
  });
});

describe('bitmap font', () => {
  it('inks exactly the glyph pixels, at any scale', () => {
    for (const scale of [1, 3]) {
      const img = createImage(20, 30, 1);
      const width = drawText(img, 2, 1, '8', [255, 255, 255], scale);
      expect(width).toBe(5 * scale);
      const rows = glyphRows('8');
      for (let y = 0; y < img.height; y++) {
        for (let x = 0; x < img.width; x++) {
          const gx = Math.floor((x - 2) / scale);
          const gy = Math.floor((y - 1) / scale);
          const on = gx >= 0 && gx < 5 && gy >= 0 && gy < 7 && rows[gy][gx] === '#';
          expect(getPixel(img, x, y)[0], `(${x}, ${y}) scale ${scale}`).toBe(on ? 255 : 0);
        }
      }
    }
  });

  it('has distinct glyphs, capitals for lowercase and ? for unknown characters', () => {
    const chars = ' 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-+=.,:()[]/_%?';
    const seen = new Set<string>();
    for (const ch of chars) {
      const rows = glyphRows(ch);
      expect(rows.length, ch).toBe(7);
      for (const row of rows) expect(row, ch).toMatch(/^[#.]{5}$/);
      seen.add(rows.join(''));
    }
    expect(seen.size).toBe(chars.length);
    expect(glyphRows('z')).toEqual(glyphRows('Z'));
    expect(glyphRows('~')).toEqual(glyphRows('?'));
  });

  it('advances 6 pixels per character and clips at the edges', () => {
    expect(textWidth('')).toBe(0);
    expect(textWidth('-1.5')).toBe(23);
    expect(textWidth('ab', 2)).toBe(22);
    const img = createImage(10, 5, 3);
    drawText(img, 6, -3, 'HI', [255, 0, 0]);
    drawText(img, -100, 100, 'X', [255, 0, 0]);
    expect(countColor(img, [255, 0, 0])).toBeGreaterThan(0);
    const a = createImage(12, 7, 1);
    const b = createImage(12, 7, 1);
    drawText(a, 0, 0, '1', [255, 255, 255]);
    drawText(b, 0, 0, '7', [255, 255, 255]);
    expect(a.data).not.toEqual(b.data);
    expect(() => drawText(a, 0, 0, 'x', [0, 0, 0], 1.5)).toThrow(/positive integer/);
  });

  it('encodes a plot to PNG', () => {
    const png = encodePng(scatterPlot(new Float32Array([0, 0, 1, 1]), new Uint8Array([0, 1])));
    expect(png.length).toBeGreaterThan(100);
  });
});
