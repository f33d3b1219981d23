// The corruption specs' parser and printer (src/ops/corrupt.ts), and the float64
// corruption reference on its own: the layout of its draws, the half masks of odd
// sizes, and the distributions of box positions and sizes over many images (cheap
// here, one Philox block per image), so the GPU tests that match it exactly inherit them.
import { describe, expect, it } from 'vitest';
import { describeCorruption, parseCorruption, parseMask, type CorruptionSpec, type MaskSpec } from '../../src/ops/corrupt.js';
import { binarizeReference, corruptNoiseReference, elementUniforms, hiddenRectReference, inpaintMaskReference, MASK_STREAM } from './corrupt.js';
import { randnReference } from './philox.js';

describe('corruption specs', () => {
  it('parses every accepted form and prints it back in the same syntax', () => {
    const corruptions: [string, CorruptionSpec][] = [
      ['gaussian:0.5', { kind: 'gaussian', sigma: 0.5 }],
      ['gaussian:2', { kind: 'gaussian', sigma: 2 }],
      ['gaussian:1e-3', { kind: 'gaussian', sigma: 0.001 }],
      ['saltpepper:0.2', { kind: 'saltpepper', p: 0.2 }],
      ['dropout:0.3', { kind: 'dropout', p: 0.3 }],
      ['dropout:.25', { kind: 'dropout', p: 0.25 }],
      [' dropout:0.3 ', { kind: 'dropout', p: 0.3 }],
    ];
    for (const [text, spec] of corruptions) {
      expect(parseCorruption(text), text).toEqual(spec);
      expect(parseCorruption(describeCorruption(spec)), text).toEqual(spec);
    }
    expect(describeCorruption({ kind: 'gaussian', sigma: 0.5 })).toBe('gaussian:0.5');
    expect(describeCorruption({ kind: 'saltpepper', p: 0.2 })).toBe('saltpepper:0.2');
    expect(describeCorruption({ kind: 'dropout', p: 0.3 })).toBe('dropout:0.3');

    const masks: [string, MaskSpec][] = [
      ['box:12', { kind: 'box', size: 12 }],
      ['random-box:8-16', { kind: 'random-box', minSize: 8, maxSize: 16 }],
      ['random-box:5-5', { kind: 'random-box', minSize: 5, maxSize: 5 }],
      ['half:left', { kind: 'half', hidden: 'left' }],
      ['half:right', { kind: 'half', hidden: 'right' }],
      ['half:top', { kind: 'half', hidden: 'top' }],
      ['half:bottom', { kind: 'half', hidden: 'bottom' }],
      ['pixels:0.5', { kind: 'pixels', p: 0.5 }],
    ];
    for (const [text, spec] of masks) {
      expect(parseMask(text), text).toEqual(spec);
      expect(parseMask(text, { rows: 28, cols: 28 }), text).toEqual(spec);
      expect(describeCorruption(spec)).toBe(text);
    }
  });

  it('rejects bad text with one line naming the option, the accepted forms and the text', () => {
    const denoise = "--denoise must be gaussian:S with S > 0, saltpepper:P or dropout:P with 0 < P < 1, got 'TEXT'";
    for (const bad of ['foo', '', 'gaussian', 'gaussian:', 'gaussian:0', 'gaussian:-1', 'gaussian:inf', 'gaussian:1e999', 'gaussian:1e-60', 'gaussian:0x1',
      'saltpepper:1', 'saltpepper:0', 'saltpepper:1.5', 'dropout:-0.1', 'dropout:abc', 'dropout:0.3:1', 'box:3', 'Dropout:0.3', 'dropout: 0.3x']) {
      expect(() => parseCorruption(bad), bad).toThrow(denoise.replace('TEXT', bad));
    }
    expect(() => parseCorruption('foo', '--noise')).toThrow("--noise must be gaussian:S with S > 0, saltpepper:P or dropout:P with 0 < P < 1, got 'foo'");

    const inpaint = "--inpaint must be box:K, random-box:A-B with 1 <= A <= B, half:left|right|top|bottom or pixels:P with 0 < P < 1, got 'TEXT'";
    for (const bad of ['foo', 'box', 'box:0', 'box:2.5', 'box:-3', 'random-box:8', 'random-box:16-8', 'random-box:0-4', 'random-box:a-b',
      'half:middle', 'half:', 'pixels:1', 'pixels:0', 'gaussian:0.5']) {
      expect(() => parseMask(bad), bad).toThrow(inpaint.replace('TEXT', bad));
    }
    // A box that does not fit the images, when their size is known.
    expect(() => parseMask('box:29', { rows: 28, cols: 28 })).toThrow(
      "--inpaint box:29: a 29x29 box does not fit inside 28x28 images (rows x cols): K must be at most 28, got 'box:29'",
    );
    expect(() => parseMask('random-box:3-6', { rows: 5, cols: 7, flag: '--mask' })).toThrow(
      "--mask random-box:3-6: a 6x6 box does not fit inside 5x7 images (rows x cols): B must be at most 5, got 'random-box:3-6'",
    );
    expect(parseMask('box:5', { rows: 5, cols: 7 })).toEqual({ kind: 'box', size: 5 });
    // Plain Errors with one-line messages.
    for (const parse of [() => parseMask('foo', { rows: 28, cols: 28 }), () => parseMask('box:29', { rows: 28, cols: 28 }), () => parseCorruption('x:y')]) {
      expect(parse).toThrow(Error);
      expect(parse).toThrow(/^[^\n]+$/);
    }
  });
});

describe('corruption reference', () => {
  it('draws per element from counter (e / 4, stream, 0, 0), gaussian from randn, binarize as u < x', () => {
    const key = { seed: 9, step: 4 };
    const n = 37;
    const x = Float64Array.from({ length: n }, (_, i) => (i % 10) / 10);
    const eps = randnReference(n, { ...key, stream: 3 });
    const g = corruptNoiseReference(x, { kind: 'gaussian', sigma: 0.5 }, key);
    g.forEach((v, e) => expect(v).toBe(Math.min(1, Math.max(0, x[e] + 0.5 * eps[e]))));
    const u = elementUniforms(n, key, 3);
    expect(u.every((v) => v >= 0 && v < 1 && Math.fround(v) === v && Number.isInteger(v * 2 ** 24))).toBe(true);
    const d = corruptNoiseReference(x, { kind: 'dropout', p: 0.4 }, key);
    d.forEach((v, e) => expect(v).toBe(u[e] < 0.4 ? 0 : x[e]));
    const sp = corruptNoiseReference(x, { kind: 'saltpepper', p: 0.4 }, key);
    sp.forEach((v, e) => expect(v).toBe(u[e] < 0.2 ? 0 : u[e] < 0.4 ? 1 : x[e]));
    const bin = binarizeReference(x, { ...key, stream: 3 });
    bin.forEach((v, e) => expect(v).toBe(u[e] < Math.fround(x[e]) ? 1 : 0));
    // pixels:P is dropout:P of an all-ones image, on the mask stream.
    const m = inpaintMaskReference(1, 1, n, { kind: 'pixels', p: 0.4 }, key);
    expect(Array.from(m)).toEqual(Array.from(corruptNoiseReference(new Float64Array(n).fill(1), { kind: 'dropout', p: 0.4 }, { ...key, stream: MASK_STREAM })));
  });

  it('hides the half with the middle line of an odd size', () => {
    const [rows, cols] = [5, 7];
    const picture = (spec: MaskSpec) => {
      const m = inpaintMaskReference(1, rows, cols, spec, { seed: 0, step: 0 });
      return Array.from({ length: rows }, (_, r) => Array.from(m.subarray(r * cols, (r + 1) * cols)).join('')).join('/');
    };
    expect(picture({ kind: 'half', hidden: 'left' })).toBe('0000111/0000111/0000111/0000111/0000111');
    expect(picture({ kind: 'half', hidden: 'right' })).toBe('1110000/1110000/1110000/1110000/1110000');
    expect(picture({ kind: 'half', hidden: 'top' })).toBe('0000000/0000000/0000000/1111111/1111111');
    expect(picture({ kind: 'half', hidden: 'bottom' })).toBe('1111111/1111111/0000000/0000000/0000000');
    expect(hiddenRectReference(0, 28, 28, { kind: 'half', hidden: 'right' }, { seed: 0, step: 0 })).toEqual([0, 14, 28, 14]);
  });

  it('places boxes uniformly inside the image and draws random sides uniformly', () => {
    const images = 20_000;
    const [rows, cols] = [28, 20];
    const key = { seed: 5, step: 77 };
    // Chi-square over the m equally likely values, at a generous bound (mean m - 1, sd sqrt(2 (m - 1))).
    const uniformOver = (values: number[], lo: number, hi: number, label: string) => {
      const m = hi - lo + 1;
      const counts = new Array(m).fill(0);
      for (const v of values) {
        expect(v >= lo && v <= hi, `${label} ${v} in ${lo}..${hi}`).toBe(true);
        counts[v - lo] += 1;
      }
      const expected = values.length / m;
      const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
      expect(chi2, `${label} chi-square over ${m} values`).toBeLessThan(m - 1 + 6 * Math.sqrt(2 * (m - 1)));
    };
    const box: MaskSpec = { kind: 'box', size: 9 };
    const rects = Array.from({ length: images }, (_, b) => hiddenRectReference(b, rows, cols, box, key)!);
    expect(rects.every(([, , h, w]) => h === 9 && w === 9)).toBe(true);
    uniformOver(rects.map((r) => r[0]), 0, rows - 9, 'box:9 top');
    uniformOver(rects.map((r) => r[1]), 0, cols - 9, 'box:9 left');
    const random: MaskSpec = { kind: 'random-box', minSize: 3, maxSize: 20 };
    const rr = Array.from({ length: images }, (_, b) => hiddenRectReference(b, rows, cols, random, key)!);
    uniformOver(rr.map((r) => r[2]), 3, 20, 'random-box:3-20 side');
    expect(rr.every(([t, l, h, w]) => h === w && t >= 0 && l >= 0 && t + h <= rows && l + w <= cols)).toBe(true);
    // Every position is reachable for the largest side too (a box as tall as the image sits at top 0).
    const full = Array.from({ length: 200 }, (_, b) => hiddenRectReference(b, rows, cols, { kind: 'box', size: 20 }, key)!);
    expect(full.every(([t, l]) => l === 0 && t >= 0 && t <= rows - 20)).toBe(true);
    expect(new Set(full.map((r) => r[0])).size).toBe(rows - 20 + 1);
  });
});
