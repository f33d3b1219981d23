// A minimal 8-bit image type and its PNG encoding. Browser-safe: fast-png is pure
// JavaScript (zlib via fflate), so the same code writes sample images in Node and
// produces PNG bytes for a download link in a page.
//
// Float pixels map [0, 1] to 0..255 (clamped, rounded). NaN throws instead of being
// painted: a NaN pixel means the model diverged, and a picture that hides it (or a
// grayscale image that cannot show an error colour) would mislead; the error names
// the first NaN pixel. +Inf and -Inf clamp like any out-of-range value.
import { encode } from 'fast-png';

/** Row-major, channels interleaved (RGBRGB...), one byte per sample. */
export interface Image {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** 0..255 per component. On a grayscale image a colour is drawn as its luma. */
export type Rgb = readonly [number, number, number];

export function createImage(width: number, height: number, channels: 1 | 3, fill: Rgb = [0, 0, 0]): Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size ${width}x${height} must be positive integers`);
  }
  const image: Image = { width, height, channels, data: new Uint8Array(width * height * channels) };
  fillRect(image, 0, 0, width, height, fill);
  return image;
}

/** An image from float samples in [0, 1] (row-major, channels interleaved). */
export function floatsToImage(pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 3 = 1): Image {
  const image = createImage(width, height, channels);
  if (pixels.length !== image.data.length) {
    throw new RangeError(`${pixels.length} samples do not make a ${width}x${height} image with ${channels} channel(s) (${image.data.length} needed)`);
  }
  for (let i = 0; i < pixels.length; i++) image.data[i] = floatToByte(pixels[i], i);
  return image;
}

/** [0, 1] -> 0..255, clamped and rounded; NaN throws (see the file comment). */
export function floatToByte(value: number, index = 0): number {
  if (Number.isNaN(value)) throw new RangeError(`pixel value ${index} is NaN; the model output is not finite (did training diverge?)`);
  return Math.round(Math.min(1, Math.max(0, value)) * 255);
}

export function encodePng(image: Image): Uint8Array {
  checkImage(image);
  return encode({ width: image.width, height: image.height, channels: image.channels, depth: 8, data: image.data });
}

/** Fills the rectangle [x, x+w) x [y, y+h), clipped to the image. */
export function fillRect(image: Image, x: number, y: number, w: number, h: number, color: Rgb): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(image.width, Math.floor(x + w));
  const y1 = Math.min(image.height, Math.floor(y + h));
  const c = image.channels;
  const value = c === 1 ? [luma(color)] : color;
  for (let row = y0; row < y1; row++) {
    for (let col = x0; col < x1; col++) {
      const at = (row * image.width + col) * c;
      for (let k = 0; k < c; k++) image.data[at + k] = value[k];
    }
  }
}

/** The colour at (x, y) as RGB (a gray pixel repeats its value). */
export function getPixel(image: Image, x: number, y: number): Rgb {
  const at = (y * image.width + x) * image.channels;
  const d = image.data;
  return image.channels === 1 ? [d[at], d[at], d[at]] : [d[at], d[at + 1], d[at + 2]];
}

/** Rec. 601 luma, the usual RGB -> gray weights. */
function luma([r, g, b]: Rgb): number {
  return Math.round(0.299 * r + 0.587 * g + 0.114 * b);
}

function checkImage(image: Image): void {
  const { width, height, channels, data } = image;
  if (channels !== 1 && channels !== 3) throw new RangeError(`image has ${channels} channels; PNG output supports 1 (gray) or 3 (RGB)`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size ${width}x${height} must be positive integers`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(`image data has ${data.length} bytes; a ${width}x${height} image with ${channels} channel(s) needs ${width * height * channels}`);
  }
}
