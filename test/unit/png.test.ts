// PNG output: what encodePng writes decodes (with fast-png's own decoder) to the
// same pixels, for gray and RGB, non-square sizes included; float pixels map to bytes
// as documented (clamp, round, NaN throws); drawing helpers clip to the image.
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { createImage, encodePng, fillRect, floatsToImage, getPixel } from '../../src/io/png.js';
import type { Image } from '../../src/io/png.js';
import { rng } from '../random.js';

function randomImage(width: number, height: number, channels: 1 | 3, seed: number): Image {
  const r = rng(seed);
  const image = createImage(width, height, channels);
  for (let i = 0; i < image.data.length; i++) image.data[i] = Math.floor(r() * 256);
  return image;
}

describe('encodePng', () => {
  it('starts with the PNG signature', () => {
    const png = encodePng(createImage(2, 2, 1));
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  });

  for (const channels of [1, 3] as const) {
    it(`round-trips ${channels === 1 ? 'grayscale' : 'RGB'} pixels through fast-png's decoder`, () => {
      for (const [w, h] of [[1, 1], [7, 3], [28, 33]]) {
        const image = randomImage(w, h, channels, w * 100 + h + channels);
        const back = decode(encodePng(image));
        expect([back.width, back.height, back.channels, back.depth]).toEqual([w, h, channels, 8]);
        expect(Array.from(back.data)).toEqual(Array.from(image.data));
      }
    });
  }

  it('refuses images whose fields disagree', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(4) })).toThrow(/4 bytes; a 2x2 image with 3 channel\(s\) needs 12/);
    expect(() => encodePng({ width: 1, height: 1, channels: 4 as 3, data: new Uint8Array(4) })).toThrow(/supports 1 \(gray\) or 3 \(RGB\)/);
    expect(() => encodePng({ width: 0, height: 1, channels: 1, data: new Uint8Array(0) })).toThrow(/positive integers/);
    expect(() => createImage(2.5, 1, 1)).toThrow(/positive integers/);
  });
});

describe('floatsToImage', () => {
  it('maps [0, 1] to 0..255, clamping and rounding', () => {
    const values = [0, 1, 0.5, 1 / 255, 0.499 / 255, -0.2, 1.7, -Infinity, Infinity, 0.25];
    const image = floatsToImage(values, 5, 2);
    expect(Array.from(image.data)).toEqual([0, 255, 128, 1, 0, 0, 255, 0, 255, 64]);
    expect([image.width, image.height, image.channels]).toEqual([5, 2, 1]);
  });

  it('keeps RGB samples interleaved in row-major order', () => {
    const values = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0.5, 0.5, 0.5];
    const image = floatsToImage(values, 3, 2, 3);
    expect(getPixel(image, 0, 0)).toEqual([255, 0, 0]);
    expect(getPixel(image, 2, 0)).toEqual([0, 0, 255]);
    expect(getPixel(image, 0, 1)).toEqual([255, 255, 255]);
    expect(getPixel(image, 2, 1)).toEqual([128, 128, 128]);
  });

  it('throws on NaN, naming the pixel, and on a size mismatch', () => {
    expect(() => floatsToImage([0, 0.5, NaN, 1], 2, 2)).toThrow(/pixel value 2 is NaN/);
    expect(() => floatsToImage([0, 1, 0], 2, 2)).toThrow(/3 samples do not make a 2x2 image/);
  });
});

describe('drawing helpers', () => {
  it('fills rectangles clipped to the image', () => {
    const image = createImage(4, 3, 3, [10, 20, 30]);
    fillRect(image, 2, 1, 10, 10, [200, 100, 50]);
    fillRect(image, -5, -5, 6, 6, [1, 2, 3]);
    expect(getPixel(image, 0, 0)).toEqual([1, 2, 3]);
    expect(getPixel(image, 1, 0)).toEqual([10, 20, 30]);
    expect(getPixel(image, 0, 1)).toEqual([10, 20, 30]);
    expect(getPixel(image, 1, 1)).toEqual([10, 20, 30]);
    for (const [x, y] of [[2, 1], [3, 1], [2, 2], [3, 2]]) expect(getPixel(image, x, y)).toEqual([200, 100, 50]);
    expect(getPixel(image, 3, 0)).toEqual([10, 20, 30]);
  });

  it('draws colours on gray images as their luma', () => {
    const image = createImage(2, 1, 1, [255, 255, 255]);
    fillRect(image, 1, 0, 1, 1, [255, 0, 0]);
    expect(Array.from(image.data)).toEqual([255, 76]);
  });
});
