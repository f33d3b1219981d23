// What every implementation in the peer comparison shares, so they train the same
// thing: the model's sizes (the classic dense VAE, src/models/config.ts defaults, or
// the conv VAE of src/models/conv.ts with the default channels), the exact initial
// parameters ours starts from (initialVaeParameters with the same seed, converted
// here to each peer's layouts), Adam with torch's defaults at lr 1e-3, and the same
// batches (the trainer's per-epoch permutations of the embedded MNIST training
// split, full batches only). Also what the pre-timing check compares: the first
// batch's loss and gradients at the initial parameters with the noise set to zero.
import type { ImageDataset } from '../../src/data/dataset.js';
import { permutation } from '../../src/random.js';
import { vaeConfig, type VaeConfig } from '../../src/models/config.js';
import { ConvNetwork } from '../../src/models/conv.js';
import { initialVaeParameters } from '../../src/models/vae.js';
import { epochSeed } from '../../src/train/trainer.js';

export const SEED = 1;
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;
export const VAE = vaeConfig();
export const CONV_VAE = vaeConfig({ network: 'conv' });

/** The models the comparison can measure: `--model dense` (the default) or `--model conv`. */
export const MODELS = ['dense', 'conv'] as const;
export type BenchModel = (typeof MODELS)[number];

/** What ours gets (measureTrainingThroughput's `config`) for each model. */
export function oursConfig(model: BenchModel): Partial<VaeConfig> {
  return model === 'conv' ? { network: 'conv' } : {};
}

/** One line that says which model was measured, for the table and the JSON. */
export function describeModel(model: BenchModel): string {
  if (model === 'dense') return `dense VAE ${VAE.inputSize}-${VAE.hidden.join('-')}-${VAE.latent} (${VAE.activation}, ${VAE.likelihood})`;
  const c = CONV_VAE;
  return `conv VAE ${c.imageRows}x${c.imageCols}, channels ${c.channels.join(',')}, k3 s2 p1, latent ${c.latent} (${c.activation}, ${c.likelihood})`;
}

/** A peer's training loop, one step at a time. */
export interface PeerTrainer {
  /** Queues one training step (no waiting). */
  step(): void;
  /** Resolves when every queued step has finished, with the latest batch loss. */
  sync(): Promise<number>;
  dispose(): void;
  /**
   * The pre-timing check (call before the first step): the loss of the first batch
   * at the initial parameters with eps = 0, and its gradients under ours' names and
   * in ours' (PyTorch's) layouts.
   */
  check(): Promise<CheckResult>;
}

export interface CheckResult {
  loss: number;
  grads: Record<string, ArrayLike<number>>;
}

/** The first step's batch: the first `batch` indices of epoch 1's permutation (BatchSchedule's first step). */
export function firstBatchIndices(data: ImageDataset, batch: number): Int32Array<ArrayBuffer> {
  return Int32Array.from(permutation(data.n, epochSeed(SEED, 1)).subarray(0, batch));
}

/** Gradients of a [in, out] peer weight as ours' [out, in]. */
export function transposeBack(w: ArrayLike<number>, inputs: number, outputs: number): Float32Array {
  const out = new Float32Array(inputs * outputs);
  for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) out[o * inputs + i] = w[i * outputs + o];
  return out;
}

export const LAYERS = ['fc1', 'fc21', 'fc22', 'fc3', 'fc4'] as const;
export type Layer = (typeof LAYERS)[number];

/** A layer's initial parameters with the weight as [in, out] (x @ W), the layout the peers multiply with. */
export interface LayerInit {
  inputs: number;
  outputs: number;
  weight: Float32Array<ArrayBuffer>;
  bias: Float32Array<ArrayBuffer>;
}

/** Ours stores PyTorch's [out, in]; the values are the same, transposed once here. */
export function initialLayers(): Record<Layer, LayerInit> {
  const p = initialVaeParameters(VAE, SEED);
  const out = {} as Record<Layer, LayerInit>;
  for (const l of LAYERS) {
    const bias = Float32Array.from(p[`${l}.bias`]);
    const w = p[`${l}.weight`];
    const outputs = bias.length;
    const inputs = w.length / outputs;
    const weight = new Float32Array(w.length);
    for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) weight[i * outputs + o] = w[o * inputs + i];
    out[l] = { inputs, outputs, weight, bias };
  }
  return out;
}

/** Yields, step after step, which batch to take; a new epoch's permutation comes with its first step. */
export class BatchSchedule {
  readonly stepsPerEpoch: number;
  private s = 0;
  private epoch = 0;

  constructor(
    readonly data: ImageDataset,
    readonly batch: number,
  ) {
    if (batch > data.n) throw new RangeError(`batch ${batch} is larger than the training set (${data.n})`);
    this.stepsPerEpoch = Math.floor(data.n / batch);
  }

  next(): { offset: number; order: Int32Array<ArrayBuffer> | null } {
    let order: Int32Array<ArrayBuffer> | null = null;
    if (this.s === 0) {
      this.epoch += 1;
      order = Int32Array.from(permutation(this.data.n, epochSeed(SEED, this.epoch)));
    }
    const offset = this.s * this.batch;
    this.s = (this.s + 1) % this.stepsPerEpoch;
    return { offset, order };
  }
}

// ---------------------------------------------------------------------------------
// The conv VAE (src/models/conv.ts with CONV_VAE): its geometry and its parameters
// in the two layouts the peers use.

/** One conv layer: channels and side lengths, in and out. */
export interface ConvLayerSpec {
  /** ours' name: encoder.0, ..., decoder.0, ... */
  name: string;
  inChannels: number;
  outChannels: number;
  inSize: [number, number];
  outSize: [number, number];
  /** Transposed convs: PyTorch's output_padding (rows, columns); 0 for the encoder. */
  outputPadding: [number, number];
  relu: boolean;
}

export interface ConvSpec {
  kernel: number;
  stride: number;
  padding: number;
  image: [number, number];
  encoder: ConvLayerSpec[];
  /** The encoder's output (channels, rows, columns) and its flattened width. */
  code: [number, number, number];
  flat: number;
  latent: number;
  decoder: ConvLayerSpec[];
}

/** The geometry, read off ours' own ConvNetwork, so it follows src/models/conv.ts. */
export function convSpec(): ConvSpec {
  const net = new ConvNetwork(CONV_VAE);
  const { kernel, stride = 1, padding = 0, dilation = 1 } = net.encoder[0].options;
  if (dilation !== 1) throw new Error(`conv spec: the peers are written for dilation 1, ours has ${dilation}`);
  const side = (n: number) => Math.floor((n + 2 * padding - kernel) / stride) + 1;
  const encoder: ConvLayerSpec[] = [];
  let size: [number, number] = [...net.image];
  for (const l of net.encoder) {
    const out: [number, number] = [side(size[0]), side(size[1])];
    encoder.push({ name: l.name, inChannels: l.inChannels, outChannels: l.outChannels, inSize: size, outSize: out, outputPadding: [0, 0], relu: true });
    size = out;
  }
  const decoder: ConvLayerSpec[] = [];
  net.decoder.forEach((l, j) => {
    const op = l.outputPadding;
    const out: [number, number] = [(size[0] - 1) * stride - 2 * padding + kernel + op[0], (size[1] - 1) * stride - 2 * padding + kernel + op[1]];
    decoder.push({ name: l.name, inChannels: l.inChannels, outChannels: l.outChannels, inSize: size, outSize: out, outputPadding: [op[0], op[1]], relu: j < net.decoder.length - 1 });
    size = out;
  });
  if (size[0] !== net.image[0] || size[1] !== net.image[1]) throw new Error(`conv spec: the decoder ends at ${size}, not the image ${net.image}`);
  const [c, h, w] = net.code;
  return { kernel, stride, padding, image: [...net.image], encoder, code: [c, h, w], flat: c * h * w, latent: CONV_VAE.latent, decoder };
}

/**
 * One parameter as a peer stores it. values[j] = ours[from[j]], so `from` is both
 * the layout change of the initial values and, read backwards, the way a peer's
 * gradient goes back to ours' layout (toOurs).
 */
export interface PeerParam {
  /** ours' (PyTorch state_dict) name, e.g. encoder.0.weight. */
  name: string;
  shape: number[];
  values: Float32Array<ArrayBuffer>;
  from: Int32Array;
}

/** A peer's values (a gradient, say) of `p` in ours' layout. */
export function toOurs(p: PeerParam, values: ArrayLike<number>): Float32Array {
  if (values.length !== p.from.length) throw new RangeError(`${p.name}: ${values.length} values, expected ${p.from.length}`);
  const out = new Float32Array(p.from.length);
  for (let j = 0; j < p.from.length; j++) out[p.from[j]] = values[j];
  return out;
}

/**
 * The peers' layouts of the conv VAE:
 *   'nchw' (jax-js, whose convolutions are NCHW / OIHW as lax.conv_general_dilated):
 *          conv and transposed-conv weights as PyTorch's ([out, in, kh, kw] and
 *          [in, out, kh, kw]); Linear weights as [in, out] (x @ W).
 *   'nhwc' (TF.js, whose conv2d is NHWC): conv2d filters [kh, kw, in, out],
 *          conv2dTranspose filters [kh, kw, out, in] (out: the transposed conv's
 *          output channels), Linear weights [in, out] but fc_decode's [out, in]
 *          (see tfjs-conv-vae.ts). A flattened NHWC code runs
 *          (row, column, channel), ours (channel, row, column): fc_mu's and
 *          fc_logvar's input rows and fc_decode's output columns and bias are
 *          permuted to match, so the function computed is ours exactly.
 */
export type ConvLayout = 'nchw' | 'nhwc';

export function convParameters(layout: ConvLayout): Record<string, PeerParam> {
  const spec = convSpec();
  const init = initialVaeParameters(CONV_VAE, SEED);
  const k = spec.kernel;
  const [C, H, W] = spec.code;
  const out: Record<string, PeerParam> = {};
  const put = (name: string, shape: number[], from: Int32Array) => {
    const src = init[name];
    if (!src || src.length !== from.length) throw new Error(`conv spec: ${name} has ${src?.length} values, expected ${from.length}`);
    const values = new Float32Array(from.length);
    for (let j = 0; j < from.length; j++) values[j] = src[from[j]];
    out[name] = { name, shape, values, from };
  };
  const identity = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
  // Index in ours' flattened code of the peer's flattened position q.
  const codeIndex = layout === 'nchw' ? (q: number) => q : (q: number) => {
    const c = q % C;
    const hw = (q - c) / C;
    return c * H * W + hw;
  };
  // ours' Linear [O, I] as the peer's [I, O] (or, `outIn`, [O, I]), the peer's input
  // i' and output o' being ours' inMap(i') and outMap(o').
  const linear = (name: string, I: number, O: number, inMap: (i: number) => number, outMap: (o: number) => number, outIn = false) => {
    const from = new Int32Array(I * O);
    for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) from[outIn ? o * I + i : i * O + o] = outMap(o) * I + inMap(i);
    put(`${name}.weight`, outIn ? [O, I] : [I, O], from);
    put(`${name}.bias`, [O], Int32Array.from({ length: O }, (_, o) => outMap(o)));
  };
  const same = (i: number) => i;
  for (const l of spec.encoder) {
    const [O, I] = [l.outChannels, l.inChannels];
    if (layout === 'nchw') put(`${l.name}.weight`, [O, I, k, k], identity(O * I * k * k));
    else {
      // ours [O, I, kh, kw] -> [kh, kw, I, O]
      const from = new Int32Array(O * I * k * k);
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) from[((y * k + x) * I + i) * O + o] = ((o * I + i) * k + y) * k + x;
      put(`${l.name}.weight`, [k, k, I, O], from);
    }
    put(`${l.name}.bias`, [O], identity(O));
  }
  linear('fc_mu', spec.flat, spec.latent, codeIndex, same);
  linear('fc_logvar', spec.flat, spec.latent, codeIndex, same);
  // TF.js keeps fc_decode as [out, in] and multiplies with transposeB (tfjs-conv-vae.ts says why).
  linear('fc_decode', spec.latent, spec.flat, same, codeIndex, layout === 'nhwc');
  for (const l of spec.decoder) {
    const [I, O] = [l.inChannels, l.outChannels];
    if (layout === 'nchw') put(`${l.name}.weight`, [I, O, k, k], identity(I * O * k * k));
    else {
      // ours [I, O, kh, kw] -> [kh, kw, O, I]
      const from = new Int32Array(O * I * k * k);
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) from[((y * k + x) * O + o) * I + i] = ((i * O + o) * k + y) * k + x;
      put(`${l.name}.weight`, [k, k, O, I], from);
    }
    put(`${l.name}.bias`, [O], identity(O));
  }
  const missing = Object.keys(init).filter((n) => !(n in out));
  if (missing.length) throw new Error(`conv spec: no peer layout for ${missing.join(', ')}`);
  return out;
}
