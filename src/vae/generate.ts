// What a trained VAE is for: encoding images to latent means, decoding latents to
// images, sampling from the prior, reconstructing, interpolating, and the 2-D
// latent map. Host arrays in and out; the GPU work is batched so any count fits.
// Reconstructions and interpolations decode the posterior MEAN (no sampling), so
// they are deterministic; samples decode z ~ N(0, I) from the Philox generator.
import { Tape, Var } from '../autograd/tape.js';
import type { LatentModel } from '../models/model.js';
import { activation } from '../ops/elementwise.js';
import { NOISE_STREAM, randn } from '../ops/reparameterize.js';
import { oneHot } from '../train/batch.js';

const CHUNK = 1000;

/**
 * What a conditional model is conditioned on, per row: a class index each, or the
 * label rows themselves ([n, classes], e.g. a blend of two one-hots to morph one
 * class into another).
 */
export type Labels = ArrayLike<number> | { rows: Float32Array } | null;

/** The label rows start .. start+rows as a constant Var, or null for an unconditional model. */
function labelVar(model: LatentModel, tape: Tape, labels: Labels, start: number, rows: number, op: string): Var | null {
  const C = model.config.classes;
  if (C === 0) return null;
  const given = !labels ? 0 : 'rows' in labels ? labels.rows.length / C : labels.length;
  if (!labels || given < start + rows) throw new RangeError(`${op}: this model is conditioned on ${C} classes; pass one label per row (${start + rows} needed, got ${given})`);
  const values = 'rows' in labels ? labels.rows.slice(start * C, (start + rows) * C) : oneHot(Array.from({ length: rows }, (_, i) => labels[start + i]), C);
  return new Var(tape.own(model.gpu.upload(values, [rows, C], `${op}.labels`)), false, 'labels');
}

/** Posterior means and log-variances of n images [n, inputSize] (logvar null for an autoencoder). */
export async function encode(model: LatentModel, images: Float32Array, n: number, labels: Labels = null): Promise<{ mu: Float32Array; logvar: Float32Array | null }> {
  const { gpu, config } = model;
  checkLength('encode', images, n, config.inputSize);
  const mu = new Float32Array(n * config.latent);
  const logvar = config.kind === 'vae' ? new Float32Array(n * config.latent) : null;
  for (let start = 0; start < n; start += CHUNK) {
    const b = Math.min(CHUNK, n - start);
    const tape = new Tape(gpu, { grad: false });
    const x = tape.own(gpu.upload(images.subarray(start * config.inputSize, (start + b) * config.inputSize), [b, config.inputSize], 'encode.x'));
    const e = model.encode(tape, new Var(x, false, 'x'), labelVar(model, tape, labels, start, b, 'encode'));
    mu.set(await gpu.read(e.mu.value), start * config.latent);
    if (logvar && e.logvar) logvar.set(await gpu.read(e.logvar.value), start * config.latent);
    tape.dispose();
  }
  return { mu, logvar };
}

/** Images [n, inputSize] in [0, 1]: Bernoulli means (sigmoid of the logits), or Gaussian means clamped. */
export async function decode(model: LatentModel, z: Float32Array, n: number, labels: Labels = null): Promise<Float32Array> {
  const { gpu, config } = model;
  checkLength('decode', z, n, config.latent);
  const out = new Float32Array(n * config.inputSize);
  for (let start = 0; start < n; start += CHUNK) {
    const b = Math.min(CHUNK, n - start);
    const tape = new Tape(gpu, { grad: false });
    const zt = tape.own(gpu.upload(z.subarray(start * config.latent, (start + b) * config.latent), [b, config.latent], 'decode.z'));
    const logits = model.decode(tape, new Var(zt, false, 'z'), labelVar(model, tape, labels, start, b, 'decode')).value;
    const images = config.likelihood === 'bernoulli' ? tape.own(activation(gpu, logits, 'sigmoid')) : logits;
    const values = await gpu.read(images);
    if (config.likelihood === 'gaussian') for (let i = 0; i < values.length; i++) values[i] = Math.min(1, Math.max(0, values[i]));
    out.set(values, start * config.inputSize);
    tape.dispose();
  }
  return out;
}

/** n latent draws from the prior N(0, I), the same for the same seed on any adapter. */
export async function priorSamples(model: LatentModel, n: number, seed: number): Promise<Float32Array> {
  const t = randn(model.gpu, [n, model.config.latent], { seed, step: 0, stream: NOISE_STREAM.prior });
  const z = await model.gpu.read(t);
  model.gpu.release(t);
  return z;
}

/** n images decoded from prior draws (with the given class per image, for a conditional model). */
export async function sample(model: LatentModel, n: number, seed: number, labels: Labels = null): Promise<Float32Array> {
  return decode(model, await priorSamples(model, n, seed), n, labels);
}

/** Each image decoded from its posterior mean. */
export async function reconstruct(model: LatentModel, images: Float32Array, n: number, labels: Labels = null): Promise<Float32Array> {
  return decode(model, (await encode(model, images, n, labels)).mu, n, labels);
}

/** The `steps` points of the straight line from a to b (both ends included). */
export function linePoints(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  const L = a.length;
  if (b.length !== L) throw new RangeError(`interpolate: endpoints have ${a.length} and ${b.length} values; they must match`);
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`interpolate: steps must be an integer >= 2, got ${steps}`);
  const z = new Float32Array(steps * L);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    for (let j = 0; j < L; j++) z[s * L + j] = (1 - t) * a[j] + t * b[j];
  }
  return z;
}

/** `steps` latents on the straight line from a to b (both ends included), decoded (labels: one per step, for a conditional model). */
export async function interpolate(model: LatentModel, a: Float32Array, b: Float32Array, steps: number, labels: Labels = null): Promise<Float32Array> {
  const L = model.config.latent;
  if (a.length !== L || b.length !== L) throw new RangeError(`interpolate: endpoints need ${L} latent values each`);
  return decode(model, linePoints(a, b, steps), steps, labels);
}

/** A side x side grid of decoded images over [-extent, extent]^2 (latent size 2 only). */
export async function latentGrid(model: LatentModel, side: number, extent = 3, label: number | null = null): Promise<Float32Array> {
  if (model.config.latent !== 2) throw new RangeError(`latentGrid needs a 2-d latent space; this model's is ${model.config.latent}-d`);
  const z = new Float32Array(side * side * 2);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const i = r * side + c;
      z[2 * i] = -extent + (2 * extent * c) / (side - 1);
      z[2 * i + 1] = extent - (2 * extent * r) / (side - 1); // top row is +z2, as on a plot
    }
  }
  return decode(model, z, side * side, label === null ? null : new Array(side * side).fill(label));
}

/**
 * Projects n points of dimension d onto their first two principal components
 * (d = 2 is returned unchanged). Power iteration with deflation on the d x d
 * covariance, in float64; signs fixed so the largest loading is positive.
 */
export function principalComponents2(points: Float32Array, n: number, d: number): Float32Array {
  if (d === 2) return points.slice();
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += points[i * d + j] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const xa = points[i * d + a] - mean[a];
      for (let b = 0; b < d; b++) cov[a * d + b] += (xa * (points[i * d + b] - mean[b])) / n;
    }
  }
  const components: Float64Array[] = [];
  for (let k = 0; k < 2; k++) {
    let v = Float64Array.from({ length: d }, (_, j) => 1 + j / d);
    for (let it = 0; it < 500; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a] += cov[a * d + b] * v[b];
      for (const c of components) {
        const dot = w.reduce((s, x, j) => s + x * c[j], 0);
        for (let j = 0; j < d; j++) w[j] -= dot * c[j];
      }
      const norm = Math.hypot(...w) || 1;
      v = w.map((x) => x / norm);
    }
    const big = v.reduce((m, x, j) => (Math.abs(x) > Math.abs(v[m]) ? j : m), 0);
    if (v[big] < 0) v = v.map((x) => -x);
    components.push(v);
  }
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (points[i * d + j] - mean[j]) * components[k][j];
      out[2 * i + k] = s;
    }
  }
  return out;
}

function checkLength(op: string, values: Float32Array, n: number, width: number): void {
  if (!Number.isInteger(n) || n < 1 || values.length < n * width) {
    throw new RangeError(`${op}: need ${n} rows of ${width} values (${n * width}), got ${values.length}`);
  }
}
