// Float64 references of the optimiser steps in shaders/adam.wgsl, written after
// torch.optim.Adam / AdamW (amsgrad=False) and torch.optim.SGD (maximize=False). A step
// takes the parameters, the gradient and the state, and returns new arrays; the step
// count is part of the state, as on the GPU.
export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

export interface AdamRefState {
  m: Float64Array;
  v: Float64Array;
  /** Steps taken so far. */
  t: number;
}

export function adamInit(n: number): AdamRefState {
  return { m: new Float64Array(n), v: new Float64Array(n), t: 0 };
}

export function adamRef(p: Float64Array, grad: Float64Array, s: AdamRefState, h: AdamHyper): { p: Float64Array; state: AdamRefState } {
  const t = s.t + 1;
  const stepSize = h.lr / (1 - h.beta1 ** t);
  const biasCorrection2Sqrt = Math.sqrt(1 - h.beta2 ** t);
  const out = new Float64Array(p.length);
  const m = new Float64Array(p.length);
  const v = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    let pi = p[i];
    let g = grad[i];
    if (h.decoupled) pi *= 1 - h.lr * h.weightDecay;
    else g += h.weightDecay * pi;
    m[i] = h.beta1 * s.m[i] + (1 - h.beta1) * g;
    v[i] = h.beta2 * s.v[i] + (1 - h.beta2) * g * g;
    out[i] = pi - stepSize * (m[i] / (Math.sqrt(v[i]) / biasCorrection2Sqrt + h.eps));
  }
  return { p: out, state: { m, v, t } };
}

export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface SgdRefState {
  /** The momentum buffer; null until the first step with momentum (as PyTorch's). */
  buf: Float64Array | null;
  t: number;
}

export function sgdRef(p: Float64Array, grad: Float64Array, s: SgdRefState, h: SgdHyper): { p: Float64Array; state: SgdRefState } {
  const out = new Float64Array(p.length);
  const buf = h.momentum !== 0 ? new Float64Array(p.length) : null;
  for (let i = 0; i < p.length; i++) {
    let g = grad[i] + h.weightDecay * p[i];
    if (buf) {
      buf[i] = s.buf ? h.momentum * s.buf[i] + (1 - h.dampening) * g : g;
      g = h.nesterov ? g + h.momentum * buf[i] : buf[i];
    }
    out[i] = p[i] - h.lr * g;
  }
  return { p: out, state: { buf, t: s.t + 1 } };
}
