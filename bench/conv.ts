// Conv benchmark on the conv VAE's layers (src/models/conv.ts, channels 32,64) at
// batch 128 (and 1024 unless --quick): every GEMM a training step runs, forward,
// input gradient and weight gradient of each Conv2d and ConvTranspose2d, each beside
// a plain matmul of the same M, N, K and the same fused bias and activation (the same
// multiply-adds and epilogue, dense operands), timed in alternation with it, so the
// table's ratio shows what the implicit im2col and the NCHW scatter cost against the
// matmul's rate. FLOPs count useful multiply-adds: a transposed conv's taps that
// reach its output (its CONV_DATA classes read only those).
import type { Gpu } from '../src/gpu/runtime.js';
import { conv2d, conv2dBackwardData, conv2dBackwardWeight, convTranspose2d, convTranspose2dBackwardData, convTranspose2dBackwardWeight } from '../src/ops/conv.js';
import type { Activation } from '../src/ops/activation.js';
import { matmul } from '../src/ops/matmul.js';
import type { Tensor } from '../src/tensor.js';
import { lazyCase, type BenchCase, type BenchFamily } from './case.js';

const filled = (gpu: Gpu, shape: number[], label: string): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return gpu.upload(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), shape, label);
};

/** A layer: `small` is the side of the 3x3 stride-2 conv's output, `big` its input's (the transposed conv's reverse). */
interface ConvLayer {
  name: string;
  transposed: boolean;
  cin: number;
  cout: number;
  big: number;
  small: number;
}

// The conv VAE's four layers at 28x28: encoder.0, encoder.2, decoder.0, decoder.2.
const LAYERS: ConvLayer[] = [
  { name: 'encoder.0 conv 1->32', transposed: false, cin: 1, cout: 32, big: 28, small: 14 },
  { name: 'encoder.2 conv 32->64', transposed: false, cin: 32, cout: 64, big: 14, small: 7 },
  { name: 'decoder.0 convT 64->32', transposed: true, cin: 64, cout: 32, big: 14, small: 7 },
  { name: 'decoder.2 convT 32->1', transposed: true, cin: 32, cout: 1, big: 28, small: 14 },
];

const G = { stride: 2, padding: 1 };

type Run = (x: Record<string, Tensor>) => void;
type Alloc = () => Record<string, Tensor>;

function cases(gpu: Gpu, batch: number, l: ConvLayer): BenchCase[] {
  // Seen as the conv from the big side (channels cBig) to the small side (cSmall).
  const [cBig, cSmall] = l.transposed ? [l.cout, l.cin] : [l.cin, l.cout];
  const big = [batch, cBig, l.big, l.big], small = [batch, cSmall, l.small, l.small];
  const weight = [l.transposed ? l.cin : l.cout, l.transposed ? l.cout : l.cin, 3, 3];
  const macs = batch * l.small * l.small * cBig * cSmall * 9;
  const out = (shape: number[]) => gpu.empty(shape, 'bench.out');
  // `fused`: the activation the conv fuses after its bias (null: neither), which its
  // twin fuses too: they are the same work in both, and leaving them out of the twin
  // made K = 9's forward look 10% slower than it is.
  const t = (kind: string, M: number, N: number, K: number, fused: Activation | null, alloc: Alloc, run: Run): BenchCase[] => {
    const name = `${l.name} ${kind} b${batch}`;
    const conv = { ...lazyCase(gpu, 'conv', `${name} [GEMM ${M}x${N}x${K}]`, 0, alloc, run), bytes: undefined, flops: 2 * macs };
    const twinAlloc = () => ({ a: filled(gpu, [M, K], 'a'), b: filled(gpu, [N, K], 'b'), c: out([M, N]), ...(fused ? { bias: filled(gpu, [N], 'bias') } : {}) });
    const twinRun: Run = (x) => matmul(gpu, x.a, x.b, { transB: true, out: x.c, ...(fused ? { bias: x.bias, activation: fused } : {}) });
    const twin = { ...lazyCase(gpu, 'conv', `${name}: matmul ${M}x${N}x${K}`, 0, twinAlloc, twinRun), bytes: undefined, flops: 2 * M * N * K };
    return [{ ...conv, versus: twin }];
  };
  const bigPixels = batch * l.big * l.big, smallPixels = batch * l.small * l.small;
  // The GEMM of the kernel that reads the big side's taps (forward of a conv, dx of a transposed conv) ...
  const down = (kind: string, fused: Activation | null, run: Run, alloc: Alloc) => t(kind, smallPixels, cSmall, cBig * 9, fused, alloc, run);
  // ... and of the one that writes the big side (a conv's dx, a transposed conv's forward): 9/4 taps a pixel on average.
  const up = (kind: string, fused: Activation | null, run: Run, alloc: Alloc) => t(kind, bigPixels, cBig, Math.round((cSmall * 9) / 4), fused, alloc, run);
  const dw = (run: Run, alloc: Alloc) => t('dW', cBig * 9, cSmall, smallPixels, null, alloc, run);
  const w = () => filled(gpu, weight, 'w');
  if (!l.transposed) {
    return [
      ...down('forward', 'relu', (x) => conv2d(gpu, x.x, x.w, { ...G, bias: x.b, activation: 'relu', out: x.y }), () => ({ x: filled(gpu, big, 'x'), w: w(), b: filled(gpu, [cSmall], 'b'), y: out(small) })),
      ...(l.cin > 1 ? up('dx', null, (x) => conv2dBackwardData(gpu, x.g, x.w, [l.big, l.big], { ...G, out: x.dx }), () => ({ g: filled(gpu, small, 'g'), w: w(), dx: out(big) })) : []),
      ...dw((x) => conv2dBackwardWeight(gpu, x.x, x.g, [3, 3], { ...G, out: x.dw }), () => ({ x: filled(gpu, big, 'x'), g: filled(gpu, small, 'g'), dw: out(weight) })),
    ];
  }
  const op = { ...G, outputPadding: 1 };
  return [
    ...up('forward', 'identity', (x) => convTranspose2d(gpu, x.x, x.w, { ...op, bias: x.b, out: x.y }), () => ({ x: filled(gpu, small, 'x'), w: w(), b: filled(gpu, [cBig], 'b'), y: out(big) })),
    ...down('dx', null, (x) => convTranspose2dBackwardData(gpu, x.g, x.w, { ...op, out: x.dx }), () => ({ g: filled(gpu, big, 'g'), w: w(), dx: out(small) })),
    ...dw((x) => convTranspose2dBackwardWeight(gpu, x.x, x.g, [3, 3], { ...op, out: x.dw }), () => ({ x: filled(gpu, small, 'x'), g: filled(gpu, big, 'g'), dw: out(weight) })),
  ];
}

export const convBench: BenchFamily = (gpu, { quick }) => (quick ? [128] : [128, 1024]).flatMap((batch) => LAYERS.flatMap((l) => cases(gpu, batch, l)));
