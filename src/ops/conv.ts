// 2-D convolutions over NCHW images, as implicit GEMMs of shaders/matmul.wgsl
// (shaders/matmul_conv.wgsl derives the three GEMMs and addresses their operands).
// PyTorch's layouts and semantics:
//   conv2d           x [B, C, H, W], weight [O, C, kh, kw]      -> [B, O, Ho, Wo]
//   convTranspose2d  x [B, Cin, Hi, Wi], weight [Cin, Cout, kh, kw] -> [B, Cout, H, W]
// with Ho = floor((H + 2·padding - dilation·(kh - 1) - 1) / stride) + 1, and
// H = (Hi - 1)·stride - 2·padding + dilation·(kh - 1) + outputPadding + 1.
// Both take an optional bias per output channel and a fused activation. The
// gradients are the same GEMMs: a conv's input gradient is the transposed conv's
// forward (CONV_DATA), a transposed conv's input gradient is a conv's forward, and
// both weights' gradients are CONV_WEIGHT; bias gradients are channel sums.
import { ShapeError } from '../gpu/errors.js';
import { cpuImplementation } from '../gpu/describe.js';
import type { Gpu } from '../gpu/runtime.js';
import type { Tensor } from '../tensor.js';
import { activationCode, type Activation } from './activation.js';
import { checkConfig, configPipeline, describeMatmulConfig, convGemmShader, entryRuns, gemmShader, matmulConfig, type GemmProblem, type MatmulConfig } from './matmul.js';
import { kFields, kPerLaunch, launchConstants, runOverK } from './gemm-split.js';
import { col2im } from './col2im.js';
import { sumCols, sumRows } from './reduce.js';

export interface ConvGeometry {
  stride?: number;
  padding?: number;
  dilation?: number;
}

export interface ConvTransposeGeometry extends ConvGeometry {
  /** Extra rows and columns on one side of the output (0 <= outputPadding < stride), or [rows, columns]. */
  outputPadding?: number | readonly [number, number];
}

export interface Epilogue {
  /** bias[outChannels], added before the activation. */
  bias?: Tensor;
  activation?: Activation;
}

export interface Output {
  /** Writes (or, with accumulate, adds) the result here; it must have the result's shape. */
  out?: Tensor;
  /** out += result, for gradients; takes no bias or activation. */
  accumulate?: boolean;
  /** Overrides the automatic kernel choice (tests and tuning); `entry` 'direct' runs `conv_direct`. */
  config?: MatmulConfig;
}

export type Conv2dOptions = ConvGeometry & Epilogue & Output;
export type ConvTranspose2dOptions = ConvTransposeGeometry & Epilogue & Output;

/** Which product a conv GEMM computes: the output, the input's gradient, or the weight's. */
export type ConvGemmMode = 'forward' | 'data' | 'weight';
const MODE_CODE: Record<ConvGemmMode, number> = { forward: 1, data: 2, weight: 3 };

/** Stride, padding and dilation with their defaults, checked. */
function geometry(op: string, g: ConvGeometry): Required<ConvGeometry> {
  const stride = g.stride ?? 1;
  const padding = g.padding ?? 0;
  const dilation = g.dilation ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw new ShapeError(`${op}: stride must be an integer >= 1, got ${stride}`);
  if (!Number.isInteger(dilation) || dilation < 1) throw new ShapeError(`${op}: dilation must be an integer >= 1, got ${dilation}`);
  if (!Number.isInteger(padding) || padding < 0) throw new ShapeError(`${op}: padding must be an integer >= 0, got ${padding}`);
  return { stride, padding, dilation };
}

/** The output size of a convolution along one axis (PyTorch's formula), or an error naming the axis. */
export function convOutputSize(op: string, axis: string, size: number, kernel: number, g: Required<ConvGeometry>): number {
  const n = Math.floor((size + 2 * g.padding - g.dilation * (kernel - 1) - 1) / g.stride) + 1;
  if (n < 1) throw new ShapeError(`${op}: the ${axis} of ${size} with padding ${g.padding} is smaller than the kernel's reach ${g.dilation * (kernel - 1) + 1}; pad more or use a smaller kernel`);
  return n;
}

/** The output size of a transposed convolution along one axis. */
export function convTransposeOutputSize(size: number, kernel: number, g: Required<ConvGeometry>, outputPadding: number): number {
  return (size - 1) * g.stride - 2 * g.padding + g.dilation * (kernel - 1) + outputPadding + 1;
}

const dims = (t: Tensor) => `[${t.shape.join(', ')}]`;

function nchw(op: string, what: string, t: Tensor): [number, number, number, number] {
  if (t.shape.length !== 4) throw new ShapeError(`${op}: ${what} ${dims(t)} must be 4-D [batch, channels, height, width] (NCHW); reshape flat images first`);
  return t.shape as unknown as [number, number, number, number];
}

/** A convolution GEMM without its tensors: what the tuner keys and replays (src/tune/). */
export interface ConvGemmShape {
  mode: ConvGemmMode;
  /** The im2col operand's and the B operand's shapes. */
  imageShape: number[];
  otherShape: number[];
  /** The result's shape; C's rows, columns and depth follow from the mode. */
  outShape: number[];
  M: number;
  N: number;
  K: number;
  grid: [number, number];
  src: [number, number, number];
  kernel: [number, number];
  g: Required<ConvGeometry>;
  /** CONV_FORWARD's weight is stored [K, N] (CONV_B_KN): a transposed conv's weight read as a 1×1 conv's. */
  weightKN?: boolean;
}

/** One convolution GEMM. `image` is the im2col operand's tensor, `other` the B operand. */
interface GemmCall extends Omit<ConvGemmShape, 'imageShape' | 'otherShape'> {
  op: string;
  image: Tensor;
  other: Tensor;
  epilogue: Epilogue;
  output: Output;
}

/** The tuner's view of a call. */
function problemOf(c: GemmCall): GemmProblem {
  const { mode, outShape, M, N, K, grid, src, kernel, g, weightKN } = c;
  return { M, N, K, transA: false, transB: false, conv: { mode, imageShape: [...c.image.shape], otherShape: [...c.other.shape], outShape, M, N, K, grid, src, kernel, g, weightKN } };
}

/** Runs a conv GEMM of this shape into `out` with a given configuration (the tuner's timing). */
export function runConvGemm(gpu: Gpu, shape: ConvGemmShape, image: Tensor, other: Tensor, out: Tensor, config: MatmulConfig): void {
  const { imageShape: _image, otherShape: _other, ...call } = shape;
  convGemm(gpu, { ...call, op: 'tune', image, other, epilogue: {}, output: { out, config } });
}

/** The class fields of the uniform; zeros outside CONV_DATA. */
interface ClassFields {
  cls_grid: [number, number];
  cls_first: [number, number];
  cls_src0: [number, number];
  cls_tap0: [number, number];
  cls_taps: [number, number];
  tap_step: number;
  src_step: number;
}

const NO_CLASS: ClassFields = { cls_grid: [0, 0], cls_first: [0, 0], cls_src0: [0, 0], cls_tap0: [0, 0], cls_taps: [0, 0], tap_step: 0, src_step: 0 };

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * One axis of a CONV_DATA pixel class r (the rows h with (h + pad) mod stride = r):
 * how many there are and the first; the taps i that reach them (i·dilation ≡ r, every
 * stride/gcd-th), the first, and the source row of the first pixel's first tap.
 */
function axisClass(r: number, size: number, kernel: number, g: Required<ConvGeometry>) {
  const { stride: s, padding: pad, dilation: d } = g;
  const first = (((r - pad) % s) + s) % s;
  const count = first < size ? Math.floor((size - 1 - first) / s) + 1 : 0;
  const tapStep = s / gcd(d, s);
  let tap0 = -1;
  for (let i = 0; i < Math.min(kernel, tapStep); i++) if ((((i * d - r) % s) + s) % s === 0) { tap0 = i; break; }
  const taps = tap0 < 0 ? 0 : Math.floor((kernel - 1 - tap0) / tapStep) + 1;
  const src0 = taps ? (first + pad - tap0 * d) / s : 0;
  return { count, first, tapStep, srcStep: d / gcd(d, s), tap0: Math.max(tap0, 0), taps, src0 };
}

/** CONV_DATA's dispatches: one per pixel class with pixels, as [M, K, fields]. */
function dataClasses(c: GemmCall): { M: number; K: number; fields: ClassFields }[] {
  const [H, W] = c.grid;
  const B = c.outShape[0];
  const O = c.src[0];
  const out = [];
  for (let rh = 0; rh < c.g.stride; rh++) {
    for (let rw = 0; rw < c.g.stride; rw++) {
      const h = axisClass(rh, H, c.kernel[0], c.g);
      const w = axisClass(rw, W, c.kernel[1], c.g);
      if (h.count === 0 || w.count === 0) continue;
      out.push({
        M: B * h.count * w.count,
        K: O * h.taps * w.taps,
        fields: {
          cls_grid: [h.count, w.count],
          cls_first: [h.first, w.first],
          cls_src0: [h.src0, w.src0],
          cls_tap0: [h.tap0, w.tap0],
          cls_taps: [h.taps, w.taps],
          tap_step: h.tapStep,
          src_step: h.srcStep,
        } as ClassFields,
      });
    }
  }
  return out;
}

/**
 * Up to this many output channels a CONV_DATA GEMM goes by columns: the 1×1 GEMM to
 * C·kh·kw columns, then col2im. The direct GEMM's register blocks would be mostly
 * padding there, and each gathered tap would feed few useful multiply-adds.
 * Measured on llvmpipe at batch 128 (`npm run bench -- --filter convT`), the speed
 * by columns over the direct GEMM's: a 32-channel 14×14 -> 28×28 transposed conv to
 * 1 channel 5.4x, to 3 2.7x, to 8 1.3x, to 16 0.7x; decoder.0's 64 -> 32 0.7x.
 */
const COLUMNS_UP_TO = 8;

/** CONV_DATA as col = the 1×1 conv of the image with w read [O, C·kh·kw], then y = col2im(col) (shaders/col2im.wgsl). */
function dataByColumns(gpu: Gpu, c: GemmCall, y: Tensor): Tensor {
  const [B, O, Hs, Ws] = c.image.shape;
  const [kh, kw] = c.kernel;
  const N = c.N * kh * kw;
  const col = convGemm(gpu, {
    op: c.op, mode: 'forward', image: c.image, other: c.other, weightKN: true, outShape: [B, N, Hs, Ws],
    M: B * Hs * Ws, N, K: O, grid: [Hs, Ws], src: [O, Hs, Ws], kernel: [1, 1], g: { stride: 1, padding: 0, dilation: 1 },
    epilogue: {}, output: { config: c.output.config },
  });
  col2im(gpu, col, y, { kernel: c.kernel, ...c.g }, { ...c.epilogue, accumulate: c.output.accumulate });
  gpu.release(col);
  return y;
}

/**
 * From this many channels of the im2col image, conv_direct walks CONV_FORWARD's and
 * CONV_DATA's K by taps (TAP_LOOP in shaders/matmul_conv.wgsl): the padding test and index
 * decode then happen once per tap rather than once per k. Measured on the conv VAE at
 * batch 128 (`npm run bench -- --quick --filter conv`, six runs, each GEMM against its
 * matmul twin): the stride-2 input gradients with 64 channels went 78 -> 93% of the
 * twin on SwiftShader and 91 -> 95% on llvmpipe, the forwards over 32 and 64
 * channels stayed within the noise (87-92%); over 1 channel the tap loop halved the
 * rate (encoder.0's forward 80 -> 48% on SwiftShader, with or without a division
 * per tap): a tap's setup and inner loop are not paid back by one k. Between 1 and
 * 32 channels it is unmeasured.
 */
const TAP_LOOP_FROM = 8;

const tapLoop = (c: GemmCall, config: MatmulConfig) => config.entry === 'direct' && c.mode !== 'weight' && c.src[0] >= TAP_LOOP_FROM;

/**
 * K per launch: the tap loop spends two more of llvmpipe's loop iterations per tap,
 * one per `channels` values of k: the outer loop's and the inner loop's exit
 * (measured: a 1-channel forward of 36,100 taps in one launch was cut after a third).
 */
function perLaunch(c: GemmCall, config: MatmulConfig): number {
  const k = kPerLaunch(config);
  if (!tapLoop(c, config)) return k;
  const channels = c.src[0];
  return Math.floor((k * channels) / (channels + 2));
}

function convGemm(gpu: Gpu, c: GemmCall): Tensor {
  const { bias, activation = 'identity' } = c.epilogue;
  const { out, accumulate = false } = c.output;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== c.N)) throw new ShapeError(`${c.op}: bias ${dims(bias)} must have shape [${c.N}], one per output channel`);
  if (out && (out.shape.length !== c.outShape.length || out.shape.some((d, i) => d !== c.outShape[i]))) {
    throw new ShapeError(`${c.op}: out ${dims(out)} must have shape [${c.outShape.join(', ')}]`);
  }
  if (accumulate) {
    if (!out) throw new ShapeError(`${c.op}: accumulate adds into an existing tensor; pass it as \`out\``);
    if (bias || activation !== 'identity') throw new ShapeError(`${c.op}: accumulate takes no bias or activation; apply them in a separate op`);
  }
  if (c.mode === 'data' && c.N <= COLUMNS_UP_TO) return dataByColumns(gpu, c, out ?? gpu.empty(c.outShape, `${c.op}:out`));
  const parts = c.mode === 'data' ? dataClasses(c) : [{ M: c.M, K: c.K, fields: NO_CLASS }];
  const adapter = cpuImplementation(gpu.adapter) ?? gpu.adapter.kind;
  const max = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  // The caller's, else the tuner's for the whole call, else each class's default.
  const chosen = c.output.config ?? gpu.tuning.lookup(problemOf(c));
  const launches = parts
    // A class no tap reaches adds nothing; without accumulate it still writes act(bias).
    .filter((p) => !(accumulate && p.K === 0))
    .map((p) => {
      const config = chosen ?? matmulConfig(adapter, p.M, c.N, Math.max(p.K, 1));
      checkConfig(gpu, config);
      if (!entryRuns(config, problemOf(c))) {
        throw new ShapeError(`${c.op}: the '${config.entry}' entry runs plain matmuls only; use 'direct' or 'main'`);
      }
      const grid = [Math.ceil(c.N / (config.regN * config.wgX)), Math.ceil(p.M / (config.regM * config.wgY))] as const;
      if (grid[0] > max || grid[1] > max) {
        throw new ShapeError(`${c.op}: its GEMM [${p.M}, ${c.N}] needs ${grid[1]} × ${grid[0]} workgroups (${describeMatmulConfig(config)}), over the device's ${max} per dimension; use a smaller batch`);
      }
      return { ...p, config, grid };
    });
  const y = out ?? gpu.empty(c.outShape, `${c.op}:out`);
  // One GEMM (not CONV_DATA's classes) with no epilogue may slice its K (src/ops/gemm-split.ts).
  const sliceable = c.mode !== 'data' && !bias && activation === 'identity';
  for (const { M, K, fields: classFields, config, grid } of launches) {
    runOverK(gpu, M, c.N, K, perLaunch(c, config), sliceable, y, accumulate, (l) => {
      const { fields, z } = kFields(l, y.size);
      gpu.run({
        shader: config.entry === 'direct' ? convGemmShader : gemmShader,
        entry: config.entry === 'direct' ? 'conv_direct' : 'main',
        constants: {
          ...launchConstants(l.range, { hasBias: bias !== undefined, act: activationCode(activation), accumulate: l.accumulate }),
          CONV: MODE_CODE[c.mode],
          CONV_B_KN: Number(c.weightKN ?? false),
          // conv_direct's choice of K loop (`main` has no such override).
          ...(config.entry === 'direct' ? { TAP_LOOP: Number(tapLoop(c, config)) } : {}),
          ...configPipeline(config).constants,
        },
        bindings: { a: c.image, b: c.other, bias: bias ?? null, c: l.target },
        params: {
          M,
          N: c.N,
          ...fields,
          grid_h: c.grid[0],
          grid_w: c.grid[1],
          src_c: c.src[0],
          src_h: c.src[1],
          src_w: c.src[2],
          kernel_h: c.kernel[0],
          kernel_w: c.kernel[1],
          stride: c.g.stride,
          pad: c.g.padding,
          dilation: c.g.dilation,
          ...classFields,
        },
        workgroups: [...grid, z],
        cost: { flops: 2 * M * c.N * (l.range.end - l.range.begin) },
      });
    });
  }
  return y;
}

/** nn.Conv2d: y = act(conv(x, weight) + bias), x [B, C, H, W], weight [O, C, kh, kw]. */
export function conv2d(gpu: Gpu, x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  const [B, C, H, W] = nchw(op, 'input', x);
  const [O, Cw, kh, kw] = nchw(op, 'weight', weight);
  if (Cw !== C) throw new ShapeError(`${op}: weight ${dims(weight)} takes ${Cw} input channels, the input ${dims(x)} has ${C}`);
  const g = geometry(op, options);
  const Ho = convOutputSize(op, 'height', H, kh, g);
  const Wo = convOutputSize(op, 'width', W, kw, g);
  return convGemm(gpu, {
    op, mode: 'forward', image: x, other: weight, outShape: [B, O, Ho, Wo],
    M: B * Ho * Wo, N: O, K: C * kh * kw, grid: [Ho, Wo], src: [C, H, W], kernel: [kh, kw], g, epilogue: options, output: options,
  });
}

/**
 * A conv's input gradient: dx [B, C, H, W] from dy [B, O, Ho, Wo] and weight
 * [O, C, kh, kw], for an input of `size` [H, W] (the output size alone does not fix it
 * when the stride does not divide). With a bias and activation this is
 * ConvTranspose2d's forward.
 */
export function conv2dBackwardData(gpu: Gpu, dy: Tensor, weight: Tensor, size: readonly [number, number], options: Conv2dOptions = {}, op = 'conv2dBackwardData'): Tensor {
  const [B, O, Ho, Wo] = nchw(op, 'gradient', dy);
  const [Ow, C, kh, kw] = nchw(op, 'weight', weight);
  if (Ow !== O) throw new ShapeError(`${op}: weight ${dims(weight)} has ${Ow} output channels, the gradient ${dims(dy)} has ${O}`);
  const g = geometry(op, options);
  const [H, W] = size;
  if (convOutputSize(op, 'height', H, kh, g) !== Ho || convOutputSize(op, 'width', W, kw, g) !== Wo) {
    throw new ShapeError(`${op}: an input of ${H}×${W} gives a ${convOutputSize(op, 'height', H, kh, g)}×${convOutputSize(op, 'width', W, kw, g)} output, not the gradient's ${Ho}×${Wo}`);
  }
  return convGemm(gpu, {
    op, mode: 'data', image: dy, other: weight, outShape: [B, C, H, W],
    M: B * H * W, N: C, K: O * kh * kw, grid: [H, W], src: [O, Ho, Wo], kernel: [kh, kw], g, epilogue: options, output: options,
  });
}

/** A conv's weight gradient dw [O, C, kh, kw] from its input x [B, C, H, W] and dy [B, O, Ho, Wo]. */
export function conv2dBackwardWeight(gpu: Gpu, x: Tensor, dy: Tensor, kernel: readonly [number, number], options: ConvGeometry & Output = {}): Tensor {
  const op = 'conv2dBackwardWeight';
  const [B, C, H, W] = nchw(op, 'input', x);
  const [By, O, Ho, Wo] = nchw(op, 'gradient', dy);
  const [kh, kw] = kernel;
  const g = geometry(op, options);
  if (By !== B) throw new ShapeError(`${op}: the input ${dims(x)} and gradient ${dims(dy)} differ in batch size`);
  if (convOutputSize(op, 'height', H, kh, g) !== Ho || convOutputSize(op, 'width', W, kw, g) !== Wo) {
    throw new ShapeError(`${op}: the input ${dims(x)} gives a ${convOutputSize(op, 'height', H, kh, g)}×${convOutputSize(op, 'width', W, kw, g)} output, not the gradient's ${Ho}×${Wo}`);
  }
  return convGemm(gpu, {
    op, mode: 'weight', image: x, other: dy, outShape: [O, C, kh, kw],
    M: C * kh * kw, N: O, K: B * Ho * Wo, grid: [Ho, Wo], src: [C, H, W], kernel: [kh, kw], g, epilogue: {}, output: options,
  });
}

function transposeGeometry(op: string, g: ConvTransposeGeometry): { g: Required<ConvGeometry>; outputPadding: [number, number] } {
  const checked = geometry(op, g);
  const given = g.outputPadding ?? 0;
  const outputPadding: [number, number] = typeof given === 'number' ? [given, given] : [given[0], given[1]];
  for (const p of outputPadding) {
    if (!Number.isInteger(p) || p < 0 || p >= checked.stride) {
      throw new ShapeError(`${op}: outputPadding must be an integer in 0..stride-1 (${checked.stride - 1}), got ${p}`);
    }
  }
  return { g: checked, outputPadding };
}

/** nn.ConvTranspose2d: x [B, Cin, Hi, Wi], weight [Cin, Cout, kh, kw] -> act(y + bias) [B, Cout, H, W]. */
export function convTranspose2d(gpu: Gpu, x: Tensor, weight: Tensor, options: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  const [, Cin, Hi, Wi] = nchw(op, 'input', x);
  const [Cw, , kh, kw] = nchw(op, 'weight', weight);
  if (Cw !== Cin) throw new ShapeError(`${op}: weight ${dims(weight)} takes ${Cw} input channels, the input ${dims(x)} has ${Cin}`);
  const { g, outputPadding } = transposeGeometry(op, options);
  const H = convTransposeOutputSize(Hi, kh, g, outputPadding[0]);
  const W = convTransposeOutputSize(Wi, kw, g, outputPadding[1]);
  if (H < 1 || W < 1) throw new ShapeError(`${op}: an input of ${Hi}×${Wi} gives an empty ${H}×${W} output; use less padding`);
  return conv2dBackwardData(gpu, x, weight, [H, W], { ...options, ...g }, op);
}

/** A transposed conv's input gradient: the conv of dy [B, Cout, H, W] with its weight [Cin, Cout, kh, kw]. */
export function convTranspose2dBackwardData(gpu: Gpu, dy: Tensor, weight: Tensor, options: ConvTransposeGeometry & Output = {}): Tensor {
  const { g } = transposeGeometry('convTranspose2dBackwardData', options);
  const { out, accumulate, config } = options;
  return conv2d(gpu, dy, weight, { ...g, out, accumulate, config });
}

/** A transposed conv's weight gradient [Cin, Cout, kh, kw] from its input x and dy. */
export function convTranspose2dBackwardWeight(gpu: Gpu, x: Tensor, dy: Tensor, kernel: readonly [number, number], options: ConvTransposeGeometry & Output = {}): Tensor {
  const { g } = transposeGeometry('convTranspose2dBackwardWeight', options);
  const { out, accumulate, config } = options;
  return conv2dBackwardWeight(gpu, dy, x, kernel, { ...g, out, accumulate, config });
}

/** Per-channel sums of dy [B, C, H, W] (a bias gradient): Σ over batch and pixels. */
export function channelSums(gpu: Gpu, dy: Tensor, options: { out?: Tensor; accumulate?: boolean } = {}): Tensor {
  const [B, C, H, W] = nchw('channelSums', 'input', dy);
  const perImage = sumRows(gpu, dy.view([B * C, H * W]));
  const sums = sumCols(gpu, perImage.view([B, C]), options);
  gpu.release(perImage);
  return sums;
}
