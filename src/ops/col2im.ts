// col2im (shaders/col2im.wgsl): sums each output pixel's taps from a column tensor
// [B, C·kh·kw, Hs, Ws] into y [B, C, H, W], with the conv epilogue. src/ops/conv.ts
// uses it for a CONV_DATA GEMM with fewer output channels than a register block has
// columns; the shader's header derives the split.
import src, { reflection } from '../../shaders/col2im.wgsl';
import type { Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import type { Tensor } from '../tensor.js';
import { activationCode, type Activation } from './activation.js';
import { workgroupGrid } from './elementwise.js';

const shader = shaderOf('col2im', src, reflection);
const WG = 64;

export interface Col2imGeometry {
  kernel: readonly [number, number];
  stride: number;
  padding: number;
  dilation: number;
}

export interface Col2imEpilogue {
  bias?: Tensor;
  activation?: Activation;
  /** y += Σ (no bias or activation; the caller has checked). */
  accumulate?: boolean;
}

/** y [B, C, H, W] = act(bias + Σ taps of col [B, C·kh·kw, Hs, Ws]); shapes are the caller's to check. */
export function col2im(gpu: Gpu, col: Tensor, y: Tensor, g: Col2imGeometry, epilogue: Col2imEpilogue = {}): Tensor {
  const [, C, H, W] = y.shape;
  const [, , Hs, Ws] = col.shape;
  const { bias, activation = 'identity', accumulate = false } = epilogue;
  gpu.run({
    shader,
    entry: 'col2im',
    constants: { WG, HAS_BIAS: Number(bias !== undefined), ACT: activationCode(activation), ACCUMULATE: Number(accumulate) },
    bindings: { col, bias: bias ?? null, y },
    params: {
      n: y.size,
      channels: C,
      h: H,
      w: W,
      src_h: Hs,
      src_w: Ws,
      kernel_h: g.kernel[0],
      kernel_w: g.kernel[1],
      stride: g.stride,
      pad: g.padding,
      dilation: g.dilation,
    },
    workgroups: workgroupGrid(y.size, WG, gpu.device.limits.maxComputeWorkgroupsPerDimension),
    cost: { bytes: 4 * (col.size + (accumulate ? 2 : 1) * y.size) },
  });
  return y;
}
