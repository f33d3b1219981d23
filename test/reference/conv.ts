// Float64 references of the convolutions in src/ops/conv.ts, written from PyTorch's
// definitions by plain loops (no im2col, no GEMM):
//   Conv2d:           y[b, o, ho, wo] = bias[o] + Σ_{c,i,j} x[b, c, ho·s - p + i·d, wo·s - p + j·d] · w[o, c, i, j]
//   ConvTranspose2d:  y[b, o, hi·s - p + i·d, wi·s - p + j·d] += x[b, c, hi, wi] · w[c, o, i, j]  (+ bias[o])
// Each returns Σ|terms| per output as well, which bounds the f32 rounding of any
// summation order (see test/gpu/conv.test.ts). The conv's gradients are the adjoint
// loops (each term's contribution sent back to its inputs), checked against central
// differences in conv.test.ts.
import type { Activation } from '../../src/ops/activation.js';
import { activate } from './activations.js';

export interface ConvShape {
  B: number;
  /** Input channels, height, width. */
  C: number;
  H: number;
  W: number;
  /** Output channels and the kernel. */
  O: number;
  kh: number;
  kw: number;
  stride: number;
  padding: number;
  dilation: number;
}

export interface ConvRef {
  y: Float64Array;
  /** Before the activation. */
  pre: Float64Array;
  absDot: Float64Array;
}

export function convOutSize(size: number, k: number, s: ConvShape): number {
  return Math.floor((size + 2 * s.padding - s.dilation * (k - 1) - 1) / s.stride) + 1;
}

/**
 * Visits every term of a conv: f(yIndex, xIndex, wIndex) for each output element,
 * tap and input channel whose input position lies inside the image.
 */
function eachTerm(s: ConvShape, f: (yi: number, xi: number, wi: number) => void): void {
  const Ho = convOutSize(s.H, s.kh, s), Wo = convOutSize(s.W, s.kw, s);
  for (let b = 0; b < s.B; b++)
    for (let o = 0; o < s.O; o++)
      for (let ho = 0; ho < Ho; ho++)
        for (let wo = 0; wo < Wo; wo++)
          for (let c = 0; c < s.C; c++)
            for (let i = 0; i < s.kh; i++)
              for (let j = 0; j < s.kw; j++) {
                const h = ho * s.stride - s.padding + i * s.dilation;
                const w = wo * s.stride - s.padding + j * s.dilation;
                if (h < 0 || h >= s.H || w < 0 || w >= s.W) continue;
                f(((b * s.O + o) * Ho + ho) * Wo + wo, ((b * s.C + c) * s.H + h) * s.W + w, ((o * s.C + c) * s.kh + i) * s.kw + j);
              }
}

function epilogue(sum: Float64Array, abs: Float64Array, channels: number, area: number, bias: ArrayLike<number> | undefined, act: Activation): ConvRef {
  const pre = sum.map((v, i) => v + (bias ? bias[Math.floor(i / area) % channels] : 0));
  return { y: pre.map((v) => activate(act, v)), pre, absDot: abs };
}

export function conv2dRef(x: ArrayLike<number>, w: ArrayLike<number>, s: ConvShape, bias?: ArrayLike<number>, act: Activation = 'identity'): ConvRef {
  const Ho = convOutSize(s.H, s.kh, s), Wo = convOutSize(s.W, s.kw, s);
  const sum = new Float64Array(s.B * s.O * Ho * Wo);
  const abs = new Float64Array(sum.length);
  eachTerm(s, (yi, xi, wi) => {
    const t = x[xi] * w[wi];
    sum[yi] += t;
    abs[yi] += Math.abs(t);
  });
  return epilogue(sum, abs, s.O, Ho * Wo, bias, act);
}

/** dL/dx and dL/dw of a conv (no activation) for the upstream gradient dy, with Σ|terms| for each. */
export function conv2dGradRef(x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, s: ConvShape) {
  return gradients((f) => eachTerm(s, f), s.B * s.C * s.H * s.W, s.O * s.C * s.kh * s.kw, x, w, dy);
}

/** The transposed conv's shape: input [B, C, H, W] (C = in channels), weight [C, O, kh, kw]. */
export interface ConvTransposeShape extends ConvShape {
  outputPadding: number;
}

export function convTransposeOutSize(size: number, k: number, s: ConvTransposeShape): number {
  return (size - 1) * s.stride - 2 * s.padding + s.dilation * (k - 1) + s.outputPadding + 1;
}

/**
 * Visits every term of a transposed conv, straight from its definition (the input
 * pixel scattered through each tap): f(yIndex, xIndex, wIndex).
 */
function eachTransposeTerm(s: ConvTransposeShape, f: (yi: number, xi: number, wi: number) => void): void {
  const Ho = convTransposeOutSize(s.H, s.kh, s), Wo = convTransposeOutSize(s.W, s.kw, s);
  for (let b = 0; b < s.B; b++)
    for (let c = 0; c < s.C; c++)
      for (let hi = 0; hi < s.H; hi++)
        for (let wi = 0; wi < s.W; wi++)
          for (let o = 0; o < s.O; o++)
            for (let i = 0; i < s.kh; i++)
              for (let j = 0; j < s.kw; j++) {
                const h = hi * s.stride - s.padding + i * s.dilation;
                const v = wi * s.stride - s.padding + j * s.dilation;
                if (h < 0 || h >= Ho || v < 0 || v >= Wo) continue;
                f(((b * s.O + o) * Ho + h) * Wo + v, ((b * s.C + c) * s.H + hi) * s.W + wi, ((c * s.O + o) * s.kh + i) * s.kw + j);
              }
}

export function convTranspose2dRef(x: ArrayLike<number>, w: ArrayLike<number>, s: ConvTransposeShape, bias?: ArrayLike<number>, act: Activation = 'identity'): ConvRef {
  const Ho = convTransposeOutSize(s.H, s.kh, s), Wo = convTransposeOutSize(s.W, s.kw, s);
  const sum = new Float64Array(s.B * s.O * Ho * Wo);
  const abs = new Float64Array(sum.length);
  eachTransposeTerm(s, (yi, xi, wi) => {
    const t = x[xi] * w[wi];
    sum[yi] += t;
    abs[yi] += Math.abs(t);
  });
  return epilogue(sum, abs, s.O, Ho * Wo, bias, act);
}

/** Adjoint of a term loop: dL/dx and dL/dw (no activation) for the upstream gradient dy, with Σ|terms| for each. */
function gradients(visit: (f: (yi: number, xi: number, wi: number) => void) => void, nx: number, nw: number, x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>) {
  const dx = new Float64Array(nx), dxAbs = new Float64Array(nx);
  const dw = new Float64Array(nw), dwAbs = new Float64Array(nw);
  visit((yi, xi, wi) => {
    dx[xi] += dy[yi] * w[wi];
    dxAbs[xi] += Math.abs(dy[yi] * w[wi]);
    dw[wi] += dy[yi] * x[xi];
    dwAbs[wi] += Math.abs(dy[yi] * x[xi]);
  });
  return { dx, dxAbs, dw, dwAbs };
}

/** dL/dx and dL/dw of a transposed conv (no activation) for the upstream gradient dy. */
export function convTranspose2dGradRef(x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, s: ConvTransposeShape) {
  return gradients((f) => eachTransposeTerm(s, f), s.B * s.C * s.H * s.W, s.C * s.O * s.kh * s.kw, x, w, dy);
}

/** Per-channel sums of dy [B, C, area] (a bias gradient). */
export function channelSumsRef(dy: ArrayLike<number>, B: number, C: number, area: number): Float64Array {
  const out = new Float64Array(C);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let p = 0; p < area; p++) out[c] += dy[(b * C + c) * area + p];
  return out;
}
