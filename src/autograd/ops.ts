// Differentiable functions: each runs its forward kernels and records a node whose
// `Saved` entry (typed per op below) is what its gradient rule in rules.ts reads.
// Adding an op means adding it to `Saved` and to the rule table; a missing rule is
// a compile error there.
import { ShapeError } from '../gpu/errors.js';
import { BACKWARD_READS, type Activation } from '../ops/activation.js';
import { activation as activationKernel } from '../ops/elementwise.js';
import { conv2d as conv2dKernel, convTranspose2d as convTranspose2dKernel, type ConvGeometry, type ConvTransposeGeometry } from '../ops/conv.js';
import { add as addKernel, concatCols, mul, sliceCols } from '../ops/features.js';
import { matmul } from '../ops/matmul.js';
import { reparameterize as reparameterizeKernel, type NoiseOptions } from '../ops/reparameterize.js';
import { reconstructionLoss as reconstructionLossKernel, vaeLoss as vaeLossKernel, type ReconstructionLossOptions, type VaeLossOptions } from '../ops/vae-loss.js';
import type { Tensor } from '../tensor.js';
import { Parameter, Var, type Tape } from './tape.js';

export interface Saved {
  /** y = act(x·Wᵀ + b) with the activation fused into the matmul's epilogue. */
  linear: { x: Tensor; weight: Tensor; y: Tensor; activation: Activation };
  activation: { saved: Tensor; kind: Activation };
  /** y = act(conv(x, W) + b) [B, O, Ho, Wo], the activation fused as in `linear`. */
  conv2d: { x: Tensor; weight: Tensor; y: Tensor; activation: Activation; geometry: ConvGeometry };
  convTranspose2d: { x: Tensor; weight: Tensor; y: Tensor; activation: Activation; geometry: ConvTransposeGeometry };
  reparameterize: { logvar: Tensor; noise: NoiseOptions };
  /** [a | b] along features; the rule slices the gradient back apart. */
  concat: { widthA: number; widthB: number };
  /** Columns start .. start+width of x; the rule places the gradient back. */
  slice: { start: number; width: number };
  add: Record<string, never>;
  /** The same values under another shape (a view: no copy). */
  reshape: { shape: readonly number[] };
  /** x ⊙ mask with a constant mask. */
  maskMul: { mask: Tensor };
  /** The fused losses compute their input gradients in the forward pass. */
  vaeLoss: { dRecon: Tensor; dMu: Tensor; dLogvar: Tensor };
  reconstructionLoss: { dRecon: Tensor };
}
export type OpName = keyof Saved;

/**
 * A fully connected layer, y = act(x·Wᵀ + b) with W stored [out, in] as in PyTorch.
 * Activations whose derivative reads the output are fused into the matmul; the
 * others (softplus, gelu) need the pre-activation, so they run as a separate op.
 */
export function linear(tape: Tape, x: Var, weight: Parameter, bias: Parameter | null, act: Activation = 'identity'): Var {
  const fused = BACKWARD_READS[act] === 'output';
  const y = tape.own(matmul(tape.gpu, x.value, weight.value, { transB: true, bias: bias?.value, activation: fused ? act : 'identity' }));
  const out = new Var(y, true, `${weight.name}:out`);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  tape.record('linear', inputs, [out], { x: x.value, weight: weight.value, y, activation: fused ? act : 'identity' }, [x.value, y]);
  return fused ? out : activation(tape, out, act);
}

/** nn.Conv2d over NCHW x with W [O, C, kh, kw]; the activation fused where its derivative reads the output. */
export function conv2d(tape: Tape, x: Var, weight: Parameter, bias: Parameter | null, geometry: ConvGeometry, act: Activation = 'identity'): Var {
  return convOp(tape, 'conv2d', x, weight, bias, geometry, act);
}

/** nn.ConvTranspose2d over NCHW x with W [Cin, Cout, kh, kw]. */
export function convTranspose2d(tape: Tape, x: Var, weight: Parameter, bias: Parameter | null, geometry: ConvTransposeGeometry, act: Activation = 'identity'): Var {
  return convOp(tape, 'convTranspose2d', x, weight, bias, geometry, act);
}

function convOp(tape: Tape, op: 'conv2d' | 'convTranspose2d', x: Var, weight: Parameter, bias: Parameter | null, geometry: ConvTransposeGeometry, act: Activation): Var {
  const fused = BACKWARD_READS[act] === 'output';
  const kernel = op === 'conv2d' ? conv2dKernel : convTranspose2dKernel;
  const y = tape.own(kernel(tape.gpu, x.value, weight.value, { ...geometry, bias: bias?.value, activation: fused ? act : 'identity' }));
  const out = new Var(y, true, `${weight.name}:out`);
  tape.record(op, bias ? [x, weight, bias] : [x, weight], [out], { x: x.value, weight: weight.value, y, activation: fused ? act : 'identity', geometry }, [x.value, y]);
  return fused ? out : activation(tape, out, act);
}

export function activation(tape: Tape, x: Var, kind: Activation): Var {
  const y = tape.own(activationKernel(tape.gpu, x.value, kind));
  const out = new Var(y, x.requiresGrad, `${kind}:out`);
  const saved = BACKWARD_READS[kind] === 'input' ? x.value : y;
  tape.record('activation', [x], [out], { saved, kind }, [saved]);
  return out;
}

/** z = mu + exp(logvar/2)·eps with eps from the counter-based RNG (Kingma & Welling 2013, §2.4). */
export function reparameterize(tape: Tape, mu: Var, logvar: Var, noise: NoiseOptions): Var {
  const z = tape.own(reparameterizeKernel(tape.gpu, mu.value, logvar.value, noise));
  const out = new Var(z, mu.requiresGrad || logvar.requiresGrad, 'z');
  tape.record('reparameterize', [mu, logvar], [out], { logvar: logvar.value, noise }, [logvar.value]);
  return out;
}

/** [a | b]: rows side by side along the feature axis (torch.cat(dim=1)). */
export function concat(tape: Tape, a: Var, b: Var): Var {
  const y = tape.own(concatCols(tape.gpu, a.value, b.value));
  const out = new Var(y, a.requiresGrad || b.requiresGrad, `cat(${a.name},${b.name})`);
  tape.record('concat', [a, b], [out], { widthA: a.value.shape[1], widthB: b.value.shape[1] }, []);
  return out;
}

/** Columns start .. start+width-1 of x [B, d]. */
export function slice(tape: Tape, x: Var, start: number, width: number): Var {
  const y = tape.own(sliceCols(tape.gpu, x.value, start, width));
  const out = new Var(y, x.requiresGrad, `${x.name}[:, ${start}:${start + width}]`);
  tape.record('slice', [x], [out], { start, width }, []);
  return out;
}

/** x [B, sum(widths)] cut into consecutive column blocks (torch.split(dim=1)). */
export function split(tape: Tape, x: Var, widths: readonly number[]): Var[] {
  const total = widths.reduce((a, b) => a + b, 0);
  if (x.value.shape.length !== 2 || total !== x.value.shape[1]) {
    throw new ShapeError(`split: widths ${widths.join('+')} = ${total} do not add up to the ${x.value.shape[1]} columns of [${x.value.shape.join(', ')}]`);
  }
  let start = 0;
  return widths.map((w) => {
    const piece = slice(tape, x, start, w);
    start += w;
    return piece;
  });
}

/** x's values under another shape with as many elements (flatten, unflatten); a view, no copy. */
export function reshape(tape: Tape, x: Var, shape: readonly number[]): Var {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== x.value.size) throw new ShapeError(`reshape: [${x.value.shape.join(', ')}] has ${x.value.size} elements, [${shape.join(', ')}] would have ${size}`);
  const out = new Var(x.value.view(shape), x.requiresGrad, x.name);
  tape.record('reshape', [x], [out], { shape: x.value.shape }, []);
  return out;
}

/** a + b, elementwise (same shapes). */
export function add(tape: Tape, a: Var, b: Var): Var {
  const y = tape.own(addKernel(tape.gpu, a.value, b.value));
  const out = new Var(y, a.requiresGrad || b.requiresGrad, `${a.name}+${b.name}`);
  tape.record('add', [a, b], [out], {}, []);
  return out;
}

/** x ⊙ mask with a constant mask (e.g. the visible pixels of an inpainting input). */
export function maskMul(tape: Tape, x: Var, mask: Tensor): Var {
  const y = tape.own(mul(tape.gpu, x.value, mask));
  const out = new Var(y, x.requiresGrad, `${x.name}*mask`);
  tape.record('maskMul', [x], [out], { mask }, []);
  return out;
}

export interface LossOutputs {
  /** The batch-mean loss as a one-element Var (the root for backward): a view of stats[0]. */
  loss: Var;
  /** [3]: batch means of (loss, reconstruction, KL), per image, in nats. */
  stats: Tensor;
  /** [B, 3]: (loss, reconstruction, KL) of each sample. */
  perSample: Tensor;
}

/** Fused reconstruction + beta·KL; its gradients are computed in the same pass. */
export function vaeLoss(tape: Tape, recon: Var, x: Tensor, mu: Var, logvar: Var, options: VaeLossOptions): LossOutputs {
  const r = vaeLossKernel(tape.gpu, recon.value, x, mu.value, logvar.value, options);
  for (const t of [r.stats, r.perSample, r.dRecon, r.dMu, r.dLogvar]) tape.own(t);
  const loss = new Var(r.stats.view([1]), true, 'loss');
  // The gradients are handed to the inputs by the rule (tape.contribute), not held.
  tape.record('vaeLoss', [recon, mu, logvar], [loss], { dRecon: r.dRecon, dMu: r.dMu, dLogvar: r.dLogvar }, []);
  return { loss, stats: r.stats, perSample: r.perSample };
}

/** Fused reconstruction loss alone (a plain autoencoder): the same layouts, KL = 0. */
export function reconstructionLoss(tape: Tape, recon: Var, x: Tensor, options: ReconstructionLossOptions): LossOutputs {
  const r = reconstructionLossKernel(tape.gpu, recon.value, x, options);
  for (const t of [r.stats, r.perSample, r.dRecon]) tape.own(t);
  const loss = new Var(r.stats.view([1]), true, 'loss');
  tape.record('reconstructionLoss', [recon], [loss], { dRecon: r.dRecon }, []);
  return { loss, stats: r.stats, perSample: r.perSample };
}
