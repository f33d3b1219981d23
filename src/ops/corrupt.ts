// Input corruption for denoising and inpainting VAEs, drawn on the GPU from the same
// counter-based generator as the reparameterisation noise (Philox-4x32-10, see
// shaders/reparameterize.wgsl for the full scheme), so every draw is a pure function
// of (seed, step, stream, element or image index) and test/reference/corrupt.ts
// reproduces it exactly.
//
//   corruptNoise(gpu, x, spec, noise)   x [B, D] of pixels in [0, 1] -> corrupted x
//     gaussian:S    clamp(x + S * eps, 0, 1), eps = randn's element e for the same key
//     saltpepper:P  0 where u < P/2, 1 where P/2 <= u < P, else x
//     dropout:P     0 where u < P, else x (no rescaling: input corruption, not dropout
//                   regularisation)
//   inpaintMask(gpu, B, rows, cols, spec, noise)   -> mask [B, rows * cols], 1 = visible
//     box:K         a K x K hidden square at a random position fully inside each image
//     random-box:A-B  a square of side drawn uniformly from A..B, then placed likewise
//     half:left|right|top|bottom  that half hidden; for an odd size the hidden half
//                   takes the middle line (ceil(cols / 2) columns, ceil(rows / 2) rows)
//     pixels:P      each pixel hidden where u < P, independently
//   binarize(gpu, x, noise)   1 where u < x, else 0: Bernoulli(x) pixels
//
// The draws, exactly:
//   per element e (noise kinds, pixels): counter (floor(e / 4), stream, 0, 0), key
//     (seed, step), word r = r[e % 4] of Philox4x32-10, u = (r >>> 8) * 2^-24 in [0, 1)
//     (exact in f32 and float64); gaussian takes the Box-Muller normal of randn instead.
//     u < P is evaluated exactly (on the integers: (r >>> 8) < ceil(P * 2^24)), and
//     so is binarize's u < x (both f32).
//   per image b (box, random-box): words r0..r3 of counter (b, stream, 1, 0), and with
//     hi(r * m) = floor(r * m / 2^32) in 0 .. m - 1,
//       side = A + hi(r0 * (B - A + 1))     (A = B = K for box:K)
//       top  = hi(r1 * (rows - side + 1)),  left = hi(r2 * (cols - side + 1)).
//     The square covers rows top .. top + side - 1 and columns left .. left + side - 1.
// The default streams are NOISE_STREAM.corruption (3) and NOISE_STREAM.mask (4), apart
// from the reparameterisation's, so a training step can draw both from one (seed, step).
import src, { reflection } from '../../shaders/reparameterize.wgsl';
import { ShapeError } from '../gpu/errors.js';
import type { Live } from '../gpu/program.js';
import type { Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import type { Tensor } from '../tensor.js';
import { NOISE_STREAM, type NoiseOptions } from './reparameterize.js';

const shader = shaderOf('reparameterize', src, reflection);

/** WG of shaders/reparameterize.wgsl. */
const WORKGROUP = 64;

// ---- specs ----------------------------------------------------------------------

/** A noise corruption of the input (`--denoise`). */
export type CorruptionSpec =
  | { kind: 'gaussian'; sigma: number }
  | { kind: 'saltpepper'; p: number }
  | { kind: 'dropout'; p: number };

export type HalfSide = 'left' | 'right' | 'top' | 'bottom';

/** An inpainting mask (`--inpaint`). Sizes are in pixels. */
export type MaskSpec =
  | { kind: 'box'; size: number }
  | { kind: 'random-box'; minSize: number; maxSize: number }
  | { kind: 'half'; hidden: HalfSide }
  | { kind: 'pixels'; p: number };

const HALVES: readonly HalfSide[] = ['left', 'right', 'top', 'bottom'];

const CORRUPTION_FORMS = 'gaussian:S with S > 0, saltpepper:P or dropout:P with 0 < P < 1';
const MASK_FORMS = 'box:K, random-box:A-B with 1 <= A <= B, half:left|right|top|bottom or pixels:P with 0 < P < 1';

/** A plain decimal number: 0.5, .5, 3, 1e-3 (no sign, no hex, no Infinity). */
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^\d+$/;

const isProbability = (p: number) => Number.isFinite(p) && p > 0 && p < 1;
const isSize = (k: number) => Number.isSafeInteger(k) && k >= 1;

/** Why a corruption spec is invalid, or null. sigma must stay positive and finite in f32. */
function corruptionProblem(spec: CorruptionSpec): string | null {
  switch (spec?.kind) {
    case 'gaussian': {
      const s = Math.fround(spec.sigma);
      return Number.isFinite(s) && s > 0 ? null : `sigma = ${spec.sigma} is not a positive finite f32`;
    }
    case 'saltpepper':
    case 'dropout':
      return isProbability(spec.p) ? null : `p = ${spec.p} is not in (0, 1)`;
    default:
      return `unknown corruption kind '${(spec as { kind?: unknown })?.kind}'`;
  }
}

/** Why a mask spec is invalid (for images of rows x cols when given), or null. */
function maskProblem(spec: MaskSpec, rows?: number, cols?: number): string | null {
  const fits = rows !== undefined && cols !== undefined ? Math.min(rows, cols) : Infinity;
  const image = `${rows}x${cols} images (rows x cols)`;
  switch (spec?.kind) {
    case 'box':
      if (!isSize(spec.size)) return `size = ${spec.size} is not a positive integer`;
      return spec.size <= fits ? null : `a ${spec.size}x${spec.size} box does not fit inside ${image}: K must be at most ${fits}`;
    case 'random-box':
      if (!isSize(spec.minSize) || !isSize(spec.maxSize) || spec.minSize > spec.maxSize) {
        return `sizes ${spec.minSize}-${spec.maxSize} are not integers with 1 <= A <= B`;
      }
      return spec.maxSize <= fits ? null : `a ${spec.maxSize}x${spec.maxSize} box does not fit inside ${image}: B must be at most ${fits}`;
    case 'half':
      return HALVES.includes(spec.hidden) ? null : `hidden = '${spec.hidden}' is not one of ${HALVES.join(', ')}`;
    case 'pixels':
      return isProbability(spec.p) ? null : `p = ${spec.p} is not in (0, 1)`;
    default:
      return `unknown mask kind '${(spec as { kind?: unknown })?.kind}'`;
  }
}

/** `kind:argument` split at the first colon, trimmed; null without a colon. */
function splitSpec(text: string): [string, string] | null {
  const t = String(text).trim();
  const colon = t.indexOf(':');
  return colon < 0 ? null : [t.slice(0, colon), t.slice(colon + 1)];
}

/**
 * 'gaussian:0.5', 'saltpepper:0.2' or 'dropout:0.3' as a spec. Throws an Error whose
 * one-line message names `flag`, lists the accepted forms and quotes the text.
 */
export function parseCorruption(text: string, flag = '--denoise'): CorruptionSpec {
  const fail = () => new Error(`${flag} must be ${CORRUPTION_FORMS}, got '${text}'`);
  const parts = splitSpec(text);
  if (!parts || !NUMBER.test(parts[1])) throw fail();
  const [kind, arg] = parts;
  const value = Number(arg);
  let spec: CorruptionSpec;
  if (kind === 'gaussian') spec = { kind, sigma: value };
  else if (kind === 'saltpepper' || kind === 'dropout') spec = { kind, p: value };
  else throw fail();
  if (corruptionProblem(spec)) throw fail();
  return spec;
}

export interface ParseMaskOptions {
  /** The option named in errors (default '--inpaint'). */
  flag?: string;
  /** The image size, to check that a box fits (skipped when absent). */
  rows?: number;
  cols?: number;
}

/**
 * 'box:12', 'random-box:8-16', 'half:left' or 'pixels:0.5' as a spec. Throws an Error
 * whose one-line message names the flag, lists the accepted forms and quotes the
 * text; with rows and cols also when a box would not fit the images.
 */
export function parseMask(text: string, options: ParseMaskOptions = {}): MaskSpec {
  const flag = options.flag ?? '--inpaint';
  const fail = () => new Error(`${flag} must be ${MASK_FORMS}, got '${text}'`);
  const parts = splitSpec(text);
  if (!parts) throw fail();
  const [kind, arg] = parts;
  let spec: MaskSpec;
  if (kind === 'box' && INTEGER.test(arg)) spec = { kind, size: Number(arg) };
  else if (kind === 'random-box' && /^\d+-\d+$/.test(arg)) {
    const [a, b] = arg.split('-').map(Number);
    spec = { kind, minSize: a, maxSize: b };
  } else if (kind === 'half' && (HALVES as readonly string[]).includes(arg)) spec = { kind, hidden: arg as HalfSide };
  else if (kind === 'pixels' && NUMBER.test(arg)) spec = { kind, p: Number(arg) };
  else throw fail();
  if (maskProblem(spec)) throw fail();
  const problem = maskProblem(spec, options.rows, options.cols);
  if (problem) throw new Error(`${flag} ${describeCorruption(spec)}: ${problem}, got '${text}'`);
  return spec;
}

/** A spec in the syntax the parsers read (for config.json): parse(describe(s)) equals s. */
export function describeCorruption(spec: CorruptionSpec | MaskSpec): string {
  switch (spec.kind) {
    case 'gaussian':
      return `gaussian:${spec.sigma}`;
    case 'saltpepper':
    case 'dropout':
    case 'pixels':
      return `${spec.kind}:${spec.p}`;
    case 'box':
      return `box:${spec.size}`;
    case 'random-box':
      return `random-box:${spec.minSize}-${spec.maxSize}`;
    case 'half':
      return `half:${spec.hidden}`;
  }
}

// ---- kernels --------------------------------------------------------------------

/** ceil(p * 2^24): (r >>> 8) < threshold(p) exactly when (r >>> 8) * 2^-24 < p. */
function threshold(p: number): number {
  return Math.ceil(p * 2 ** 24);
}

function keyParams(op: string, n: number, noise: NoiseOptions, defaultStream: number) {
  const key = { seed: noise.seed, step: noise.step, stream: noise.stream ?? defaultStream };
  for (const [name, given] of Object.entries(key)) {
    const value = typeof given === 'number' ? given : (given as Live).value;
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new ShapeError(`${op}: ${name} = ${value} is not a u32; pass an integer in 0 .. 4294967295 (the Philox key and counter words are 32-bit)`);
    }
  }
  if (!Number.isInteger(n) || n > 0xffffffff) throw new ShapeError(`${op}: ${n} elements do not fit the u32 counter; corrupt a smaller batch`);
  return { n, ...key };
}

/** Every field of the shader's CorruptParams, zero unless given. */
function corruptionUniform(fields: Partial<Record<'sigma' | 'threshold' | 'half_threshold' | 'rows' | 'cols' | 'side_min' | 'side_choices', number>> & { rect?: readonly number[] }) {
  return { sigma: 0, threshold: 0, half_threshold: 0, rows: 0, cols: 0, side_min: 0, side_choices: 0, rect: [0, 0, 0, 0], ...fields };
}

function grid(gpu: Gpu, items: number): [number] {
  return [Math.min(Math.ceil(items / WORKGROUP), gpu.device.limits.maxComputeWorkgroupsPerDimension)];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

const NOISE_ENTRY = { gaussian: 'corrupt_gaussian', saltpepper: 'corrupt_saltpepper', dropout: 'corrupt_dropout' } as const;

/**
 * The corrupted copy of a clean batch x (pixels in [0, 1], usually [B, D]; any shape,
 * element e being the flat index). `noise.stream` defaults to NOISE_STREAM.corruption;
 * `seed` and `step` may be Live, so a captured training step draws fresh corruption
 * on every replay. `out` (x's shape, not x itself) receives the result.
 */
export function corruptNoise(gpu: Gpu, x: Tensor, spec: CorruptionSpec, noise: NoiseOptions, options: { out?: Tensor } = {}): Tensor {
  const op = 'corruptNoise';
  const problem = corruptionProblem(spec);
  if (problem) throw new Error(`${op}: ${problem}; the accepted forms are ${CORRUPTION_FORMS}`);
  if (options.out && !sameShape(options.out.shape, x.shape)) {
    throw new ShapeError(`${op}: out has shape [${options.out.shape.join(', ')}], expected [${x.shape.join(', ')}]; the corrupted batch has the shape of x`);
  }
  const key = keyParams(op, x.size, noise, NOISE_STREAM.corruption);
  const params =
    spec.kind === 'gaussian'
      ? { ...key, ...corruptionUniform({ sigma: spec.sigma }) }
      : { ...key, ...corruptionUniform({ threshold: threshold(spec.p), half_threshold: threshold(spec.p / 2) }) };
  const corrupted = options.out ?? gpu.empty(x.shape, `corrupt-${spec.kind}`);
  gpu.run({
    shader,
    entry: NOISE_ENTRY[spec.kind],
    bindings: { clean: x, corrupted },
    params,
    workgroups: grid(gpu, Math.ceil(x.size / 4)),
    cost: { bytes: 8 * x.size },
  });
  return corrupted;
}

/**
 * A Bernoulli draw of each pixel (dynamic binarisation, Salakhutdinov & Murray 2008):
 * 1 where u < x, else 0, with u the per-element uniform of the scheme above, so
 * P(1) = ceil(x * 2^24) / 2^24 (x = 0 gives 0, x = 1 gives 1). There is no default
 * stream: pass the consumer's own `noise.stream`.
 */
export function binarize(gpu: Gpu, x: Tensor, noise: NoiseOptions & { stream: number | Live }, options: { out?: Tensor } = {}): Tensor {
  const op = 'binarize';
  if (noise.stream === undefined) throw new ShapeError(`${op}: pass noise.stream, the stream of this use of the noise (there is no default)`);
  if (options.out && !sameShape(options.out.shape, x.shape)) {
    throw new ShapeError(`${op}: out has shape [${options.out.shape.join(', ')}], expected [${x.shape.join(', ')}]; the binary batch has the shape of x`);
  }
  const params = { ...keyParams(op, x.size, noise, noise.stream as number), ...corruptionUniform({}) };
  const corrupted = options.out ?? gpu.empty(x.shape, 'binarized');
  gpu.run({ shader, entry: 'binarize', bindings: { clean: x, corrupted }, params, workgroups: grid(gpu, Math.ceil(x.size / 4)), cost: { bytes: 8 * x.size } });
  return corrupted;
}

/** The hidden rectangle (top, left, height, width) of a half mask. */
function halfRect(hidden: HalfSide, rows: number, cols: number): [number, number, number, number] {
  const h = Math.ceil(rows / 2);
  const w = Math.ceil(cols / 2);
  switch (hidden) {
    case 'left':
      return [0, 0, rows, w];
    case 'right':
      return [0, cols - w, rows, w];
    case 'top':
      return [0, 0, h, cols];
    case 'bottom':
      return [rows - h, 0, h, cols];
  }
}

/**
 * An inpainting mask [batch, rows * cols] for images of rows x cols stored row-major:
 * 1 where the pixel is visible, 0 where it is hidden (the model's input is x * mask).
 * `noise.stream` defaults to NOISE_STREAM.mask; `seed` and `step` may be Live.
 */
export function inpaintMask(gpu: Gpu, batch: number, rows: number, cols: number, spec: MaskSpec, noise: NoiseOptions, options: { out?: Tensor } = {}): Tensor {
  const op = 'inpaintMask';
  for (const [name, v] of Object.entries({ batch, rows, cols })) {
    if (!isSize(v)) throw new ShapeError(`${op}: ${name} = ${v} is not a positive integer`);
  }
  const problem = maskProblem(spec, rows, cols);
  if (problem) throw new Error(`${op}: ${problem}; the accepted forms are ${MASK_FORMS}`);
  const shape = [batch, rows * cols];
  if (options.out && !sameShape(options.out.shape, shape)) {
    throw new ShapeError(`${op}: out has shape [${options.out.shape.join(', ')}], expected [${shape.join(', ')}]; the mask is [batch, rows * cols]`);
  }
  const n = batch * rows * cols;
  const key = keyParams(op, n, noise, NOISE_STREAM.mask);
  const image = { rows, cols };
  let entry: string;
  let fields: Parameters<typeof corruptionUniform>[0];
  let items = n;
  switch (spec.kind) {
    case 'box':
      entry = 'mask_box';
      fields = { ...image, side_min: spec.size, side_choices: 1 };
      break;
    case 'random-box':
      entry = 'mask_box';
      fields = { ...image, side_min: spec.minSize, side_choices: spec.maxSize - spec.minSize + 1 };
      break;
    case 'half':
      entry = 'mask_rect';
      fields = { ...image, rect: halfRect(spec.hidden, rows, cols) };
      break;
    case 'pixels':
      entry = 'mask_pixels';
      fields = { ...image, threshold: threshold(spec.p) };
      items = Math.ceil(n / 4);
      break;
  }
  const mask = options.out ?? gpu.empty(shape, `mask-${spec.kind}`);
  gpu.run({ shader, entry, bindings: { mask }, params: { ...key, ...corruptionUniform(fields) }, workgroups: grid(gpu, items), cost: { bytes: 4 * n } });
  return mask;
}
