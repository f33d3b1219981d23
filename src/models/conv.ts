// The convolutional network of the latent models (the "conv VAE" of the lecture
// material and of every peer's example), for images of one channel:
//   encoder  Conv2d(1 -> c1, 3, stride 2, pad 1)-act-...-Conv2d(.. -> cL)-act, flatten
//   heads    fc_mu, fc_logvar: Linear(cL·h·w (+ classes) -> latent)
//   decoder  fc_decode: Linear(latent (+ classes) -> cL·h·w)-act, unflatten,
//            ConvTranspose2d(cL -> c(L-1), 3, 2, 1, output_padding)-act-...-
//            ConvTranspose2d(c1 -> 1) to logits (Bernoulli) or means (Gaussian)
// Each stride-2 conv takes a side of n to ceil(n / 2); the transposed conv that
// mirrors it takes ceil(n / 2) back to n with output_padding = 1 for even n, 0 for
// odd n (per axis), so any image size comes back to itself (28 -> 14 -> 7 -> 14 -> 28).
// A conditional model joins the label's one-hot to the heads' and fc_decode's
// inputs. Names are the state_dict keys of the PyTorch twin (README, "The conv VAE"):
// encoder.0, encoder.2, ... (nn.Sequential, activations at the odd indices),
// fc_mu, fc_logvar, fc_decode, decoder.0, decoder.2, ...
import { reshape } from '../autograd/ops.js';
import type { Tape, Var } from '../autograd/tape.js';
import { Conv2d, ConvTranspose2d } from '../nn/conv.js';
import { Linear } from '../nn/linear.js';
import type { Layer } from '../nn/module.js';
import type { ParameterStore } from '../nn/parameters.js';
import type { DenseConfig } from './config.js';
import { withLabels } from './dense.js';
import type { Network } from './network.js';

const KERNEL = 3;
const STRIDE = 2;
const PADDING = 1;

const halve = (n: number) => Math.ceil(n / STRIDE);

/** Side lengths at each level of the encoder: [0] the image's, [l] after l convs. */
export function convLevels(c: Pick<DenseConfig, 'imageRows' | 'imageCols' | 'channels'>): { rows: number[]; cols: number[] } {
  const rows = [c.imageRows];
  const cols = [c.imageCols];
  for (let l = 0; l < c.channels.length; l++) {
    rows.push(halve(rows[l]));
    cols.push(halve(cols[l]));
  }
  return { rows, cols };
}

/**
 * Multiply-adds per image of each layer of the conv network, in layer order (the
 * useful ones: a transposed conv's taps that reach its output), for FLOP counts.
 */
export function convLayerMacs(c: DenseConfig): number[] {
  const { rows, cols } = convLevels(c);
  const widths = [1, ...c.channels];
  const L = c.channels.length;
  const conv = (l: number) => rows[l + 1] * cols[l + 1] * widths[l + 1] * widths[l] * KERNEL * KERNEL;
  const flat = widths[L] * rows[L] * cols[L];
  const heads = (flat + c.classes) * c.latent * (c.kind === 'vae' ? 2 : 1);
  const decoder = Array.from({ length: L }, (_, j) => conv(L - 1 - j));
  return [...c.channels.map((_, l) => conv(l)), heads, (c.latent + c.classes) * flat, ...decoder];
}

export class ConvNetwork implements Network {
  readonly layers: readonly Layer[];
  readonly encoder: Conv2d[];
  readonly mu: Linear;
  readonly logvar: Linear | null;
  readonly fcDecode: Linear;
  readonly decoder: ConvTranspose2d[];
  /** The encoder's output: channels, rows, columns. */
  readonly code: [number, number, number];
  readonly image: [number, number];

  constructor(c: DenseConfig) {
    const act = c.activation;
    const geometry = { kernel: KERNEL, stride: STRIDE, padding: PADDING };
    const { rows, cols } = convLevels(c);
    const widths = [1, ...c.channels];
    const L = c.channels.length;
    this.encoder = c.channels.map((ch, l) => new Conv2d(`encoder.${2 * l}`, widths[l], ch, { ...geometry, activation: act }));
    this.code = [widths[L], rows[L], cols[L]];
    this.image = [c.imageRows, c.imageCols];
    const flat = this.code[0] * this.code[1] * this.code[2];
    this.mu = new Linear('fc_mu', flat + c.classes, c.latent);
    this.logvar = c.kind === 'vae' ? new Linear('fc_logvar', flat + c.classes, c.latent) : null;
    this.fcDecode = new Linear('fc_decode', c.latent + c.classes, flat, act);
    // decoder.{2j} undoes encoder level L-1-j: from widths[L-j] to widths[L-j-1] channels.
    this.decoder = Array.from({ length: L }, (_, j) => {
      const l = L - 1 - j;
      const outputPadding: [number, number] = [rows[l] - STRIDE * rows[l + 1] + 1, cols[l] - STRIDE * cols[l + 1] + 1];
      return new ConvTranspose2d(`decoder.${2 * j}`, widths[l + 1], widths[l], { ...geometry, activation: l === 0 ? 'identity' : act }, outputPadding);
    });
    this.layers = [...this.encoder, this.mu, ...(this.logvar ? [this.logvar] : []), this.fcDecode, ...this.decoder];
  }

  encode(tape: Tape, store: ParameterStore, x: Var, labels: Var | null): { mu: Var; logvar: Var | null } {
    const B = x.value.shape[0];
    let h = reshape(tape, x, [B, 1, ...this.image]);
    for (const conv of this.encoder) h = conv.forward(tape, store, h);
    const features = withLabels(tape, reshape(tape, h, [B, h.value.size / B]), labels);
    return { mu: this.mu.forward(tape, store, features), logvar: this.logvar ? this.logvar.forward(tape, store, features) : null };
  }

  decode(tape: Tape, store: ParameterStore, z: Var, labels: Var | null): Var {
    const B = z.value.shape[0];
    let h = reshape(tape, this.fcDecode.forward(tape, store, withLabels(tape, z, labels)), [B, ...this.code]);
    for (const convT of this.decoder) h = convT.forward(tape, store, h);
    return reshape(tape, h, [B, this.image[0] * this.image[1]]);
  }
}
