// Tiny models and data for tests that compare whole passes with float64 references:
// 3x4 images, a 5-unit hidden layer, a 2-d latent.
import { imageDataset, type ImageDataset } from '../../src/data/dataset.js';
import { denseConfig, type DenseConfig } from '../../src/models/config.js';
import { mulberry32 } from '../../src/random.js';
import type { Params } from '../reference/vae.js';

/** n random 3x4 images in [0, 1] with labels in 0..classes-1. */
export function tinyImages(n: number, classes: number, seed: number): ImageDataset {
  const next = mulberry32(seed);
  const images = Float32Array.from({ length: n * 12 }, () => next());
  const labels = Uint8Array.from({ length: n }, () => Math.floor(next() * classes));
  return imageDataset({ images, rows: 3, cols: 4, labels, classes, name: 'tiny' });
}

export function tinyConfig(over: Partial<DenseConfig> = {}): DenseConfig {
  return denseConfig({ inputSize: 12, imageRows: 3, imageCols: 4, hidden: 5, latent: 2, ...over });
}

/** Parameters read from the GPU, in float64 for the references. */
export function float64(values: Record<string, Float32Array>): Params {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Float64Array.from(v)]));
}
