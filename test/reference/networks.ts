// The float64 reference networks of test/reference/vae.ts, as chains of stages: each
// stage computes its output and hands back a closure that accumulates its parameter
// gradients and returns its input's gradient. The dense network is a chain of
// Linear layers; the conv network a chain of Conv2d (before the labels join), the
// heads, fc_decode and ConvTranspose2d layers. NCHW activations flatten to
// [B, C·H·W] in place, so a flatten needs no stage. Layer names, sizes and
// geometry come from the library's layer objects (a naming table); every number is
// computed here, by the loops of test/reference/conv.ts.
import { activate, derivative } from './activations.js';
import { conv2dGradRef, conv2dRef, convTranspose2dGradRef, convTranspose2dRef } from './conv.js';
import type { DenseConfig } from '../../src/models/config.js';
import { ConvNetwork, convLevels } from '../../src/models/conv.js';
import { denseLayers } from '../../src/models/dense.js';
import type { Conv2d, ConvTranspose2d } from '../../src/nn/conv.js';
import type { Linear } from '../../src/nn/linear.js';

export type Params = Record<string, Float64Array>;

export interface StageOut {
  y: Float64Array;
  /** Adds the parameters' gradients into `grads` and returns the input's. */
  back: (dy: Float64Array, grads: Params) => Float64Array;
}

export type Stage = (params: Params, x: Float64Array, B: number) => StageOut;

export interface RefNetwork {
  /** Stages before the labels join (the conv encoder), and after (the dense encoder). */
  beforeLabels: Stage[];
  afterLabels: Stage[];
  mu: Stage;
  logvar: Stage | null;
  /** From [z | labels] to the logits. */
  decoder: Stage[];
}

/** Runs stages in order; the closure runs their backward in reverse. */
export function chain(stages: readonly Stage[], params: Params, x: Float64Array, B: number): StageOut {
  const outs: StageOut[] = [];
  let h = x;
  for (const s of stages) {
    const o = s(params, h, B);
    outs.push(o);
    h = o.y;
  }
  return {
    y: h,
    back(dy, grads) {
      let d = dy;
      for (let i = outs.length - 1; i >= 0; i--) d = outs[i].back(d, grads);
      return d;
    },
  };
}

function activated(pre: Float64Array, act: Linear['activation'], back: (dpre: Float64Array, grads: Params) => Float64Array): StageOut {
  return { y: pre.map((v) => activate(act, v)), back: (dy, grads) => back(dy.map((g, k) => g * derivative(act, pre[k])), grads) };
}

function addInto(target: Float64Array, values: ArrayLike<number>): void {
  for (let i = 0; i < target.length; i++) target[i] += values[i];
}

/** y[B, out] = act(x[B, in]·Wᵀ + b). */
export function linearStage(layer: Linear): Stage {
  const { inFeatures: nIn, outFeatures: nOut } = layer;
  return (params, x, B) => {
    const w = params[`${layer.name}.weight`], b = params[`${layer.name}.bias`];
    const pre = new Float64Array(B * nOut);
    for (let r = 0; r < B; r++)
      for (let o = 0; o < nOut; o++) {
        let s = b[o];
        for (let i = 0; i < nIn; i++) s += x[r * nIn + i] * w[o * nIn + i];
        pre[r * nOut + o] = s;
      }
    return activated(pre, layer.activation, (dpre, grads) => {
      const dx = new Float64Array(B * nIn);
      const dw = grads[`${layer.name}.weight`], db = grads[`${layer.name}.bias`];
      for (let r = 0; r < B; r++)
        for (let o = 0; o < nOut; o++) {
          const g = dpre[r * nOut + o];
          db[o] += g;
          for (let i = 0; i < nIn; i++) {
            dw[o * nIn + i] += g * x[r * nIn + i];
            dx[r * nIn + i] += g * w[o * nIn + i];
          }
        }
      return dx;
    });
  };
}

function channelSumsInto(db: Float64Array, d: Float64Array, B: number, C: number): void {
  const area = d.length / (B * C);
  for (let i = 0; i < d.length; i++) db[Math.floor(i / area) % C] += d[i];
}

/** A Conv2d on [B, C, H, W] images (given as flat rows). */
function convStage(layer: Conv2d, H: number, W: number): Stage {
  const k = layer.options.kernel;
  const shape = { C: layer.inChannels, H, W, O: layer.outChannels, kh: k, kw: k, stride: layer.options.stride ?? 1, padding: layer.options.padding ?? 0, dilation: layer.options.dilation ?? 1 };
  return (params, x, B) => {
    const s = { ...shape, B };
    const w = params[`${layer.name}.weight`];
    const pre = conv2dRef(x, w, s, params[`${layer.name}.bias`]).y;
    return activated(pre, layer.activation, (dpre, grads) => {
      const g = conv2dGradRef(x, w, dpre, s);
      addInto(grads[`${layer.name}.weight`], g.dw);
      channelSumsInto(grads[`${layer.name}.bias`], dpre, B, s.O);
      return g.dx;
    });
  };
}

function convTransposeStage(layer: ConvTranspose2d, H: number, W: number): Stage {
  const k = layer.options.kernel;
  return (params, x, B) => {
    const base = { B, C: layer.inChannels, H, W, O: layer.outChannels, kh: k, kw: k, stride: layer.options.stride ?? 1, padding: layer.options.padding ?? 0, dilation: layer.options.dilation ?? 1 };
    // The reference takes one output padding; rows and columns are run as one shape
    // when they agree, which the test configs ensure (checked here).
    const [oph, opw] = layer.outputPadding;
    if (oph !== opw) throw new RangeError(`reference convTranspose: output padding ${oph} x ${opw}; use images whose sides halve alike`);
    const s = { ...base, outputPadding: oph };
    const w = params[`${layer.name}.weight`];
    const pre = convTranspose2dRef(x, w, s, params[`${layer.name}.bias`]).y;
    return activated(pre, layer.activation, (dpre, grads) => {
      const g = convTranspose2dGradRef(x, w, dpre, s);
      addInto(grads[`${layer.name}.weight`], g.dw);
      channelSumsInto(grads[`${layer.name}.bias`], dpre, B, s.O);
      return g.dx;
    });
  };
}

export function referenceNetwork(c: DenseConfig): RefNetwork {
  if (c.network === 'conv') {
    const net = new ConvNetwork(c);
    const { rows, cols } = convLevels(c);
    const L = c.channels.length;
    return {
      beforeLabels: net.encoder.map((layer, l) => convStage(layer, rows[l], cols[l])),
      afterLabels: [],
      mu: linearStage(net.mu),
      logvar: net.logvar ? linearStage(net.logvar) : null,
      decoder: [linearStage(net.fcDecode), ...net.decoder.map((layer, j) => convTransposeStage(layer, rows[L - j], cols[L - j]))],
    };
  }
  const layers = denseLayers(c);
  return {
    beforeLabels: [],
    afterLabels: layers.encoder.layers.map(linearStage),
    mu: linearStage(layers.mu),
    logvar: layers.logvar ? linearStage(layers.logvar) : null,
    decoder: layers.decoder.layers.map(linearStage),
  };
}
