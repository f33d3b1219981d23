// The conv references' gradient loops against central differences of
// L = Σ g ⊙ conv(x, w) + bias, for random g, on shapes with stride, padding,
// dilation and output padding: d/dx, d/dw, and d/dbias (the channel sums of g).
import { describe, it } from 'vitest';
import { assertClose } from '../tolerance.js';
import { f64, uniform } from '../random.js';
import { centralDifference } from './finite-difference.js';
import {
  channelSumsRef, conv2dGradRef, conv2dRef, convOutSize, convTranspose2dGradRef, convTranspose2dRef, convTransposeOutSize,
  type ConvShape, type ConvTransposeShape,
} from './conv.js';

// L is linear in each input: the differences carry rounding only, ~1e-16·|L|/h.
const FD_TOL = { atol: 1e-8, rtol: 1e-8 };
const rand = (n: number, seed: number) => f64(uniform(n, seed));
const weighted = (g: Float64Array, y: Float64Array) => y.reduce((s, v, i) => s + g[i] * v, 0);

const SHAPES: ConvTransposeShape[] = [
  { B: 2, C: 3, H: 5, W: 4, O: 2, kh: 3, kw: 3, stride: 2, padding: 1, dilation: 1, outputPadding: 1 },
  { B: 1, C: 2, H: 4, W: 6, O: 3, kh: 2, kw: 3, stride: 1, padding: 0, dilation: 2, outputPadding: 0 },
  { B: 1, C: 1, H: 3, W: 3, O: 2, kh: 1, kw: 1, stride: 3, padding: 2, dilation: 1, outputPadding: 2 },
];

describe('conv references', () => {
  for (const s of SHAPES) {
    const name = `B${s.B} C${s.C} ${s.H}x${s.W} -> O${s.O}, ${s.kh}x${s.kw} s${s.stride} p${s.padding} d${s.dilation}`;
    it(`conv2d ${name}: dx, dw and dbias are the central differences`, () => {
      const c: ConvShape = s;
      const Ho = convOutSize(s.H, s.kh, c), Wo = convOutSize(s.W, s.kw, c);
      const x = rand(s.B * s.C * s.H * s.W, 1), w = rand(s.O * s.C * s.kh * s.kw, 2), bias = rand(s.O, 3);
      const g = rand(s.B * s.O * Ho * Wo, 4);
      const L = () => weighted(g, conv2dRef(x, w, c, bias).y);
      const grad = conv2dGradRef(x, w, g, c);
      assertClose(grad.dx, centralDifference(L, x), FD_TOL, 'dx');
      assertClose(grad.dw, centralDifference(L, w), FD_TOL, 'dw');
      assertClose(channelSumsRef(g, s.B, s.O, Ho * Wo), centralDifference(L, bias), FD_TOL, 'dbias');
    });

    it(`convTranspose2d ${name} op${s.outputPadding}: dx, dw and dbias are the central differences`, () => {
      const Ho = convTransposeOutSize(s.H, s.kh, s), Wo = convTransposeOutSize(s.W, s.kw, s);
      const x = rand(s.B * s.C * s.H * s.W, 5), w = rand(s.C * s.O * s.kh * s.kw, 6), bias = rand(s.O, 7);
      const g = rand(s.B * s.O * Ho * Wo, 8);
      const L = () => weighted(g, convTranspose2dRef(x, w, s, bias).y);
      const grad = convTranspose2dGradRef(x, w, g, s);
      assertClose(grad.dx, centralDifference(L, x), FD_TOL, 'dx');
      assertClose(grad.dw, centralDifference(L, w), FD_TOL, 'dw');
      assertClose(channelSumsRef(g, s.B, s.O, Ho * Wo), centralDifference(L, bias), FD_TOL, 'dbias');
    });
  }
});
