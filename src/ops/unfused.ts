// The plain kernels of the unfused training step (shaders/unfused.wgsl): a bias add,
// elementwise arithmetic, the loss terms and gradients, and Adam as four passes. They
// exist to measure what the fused kernels save (`webgpu-vae bench --compare-unfused`)
// and only record dispatches; callers read.
import src, { reflection } from '../../shaders/unfused.wgsl';
import { ShapeError } from '../gpu/errors.js';
import type { Binding, Gpu } from '../gpu/runtime.js';
import { shaderOf } from '../gpu/shader.js';
import type { Tensor } from '../tensor.js';
import { workgroupGrid } from './elementwise.js';
import type { Likelihood } from './vae-loss.js';

const shader = shaderOf('unfused', src, reflection);

/** Invocations per workgroup of every entry point (WG in the shader). */
const WG = 256;

/** The `RECON` override: the codes of shaders/vae_loss.wgsl. */
const RECON_CODE: Record<Likelihood, number> = { bernoulli: 0, gaussian: 1 };

/** Elements of Adam's step state (adam.wgsl's struct State). */
const STATE_SIZE = 3;

const dims = (t: Tensor) => `[${t.shape.join(', ')}]`;

function sameShape(op: string, name: string, t: Tensor, like: Tensor, likeName: string): void {
  if (t.shape.length !== like.shape.length || t.shape.some((d, i) => d !== like.shape[i])) {
    throw new ShapeError(`${op}: ${name} has shape ${dims(t)} but ${likeName} has ${dims(like)}; pass tensors of the same shape (use .view() to reshape)`);
  }
}

function finite(op: string, name: string, v: number): number {
  if (!Number.isFinite(v)) throw new ShapeError(`${op}: ${name} must be a finite number, got ${v}`);
  return v;
}

/** `out` if given (checked against `shape`), else a new tensor. */
function output(gpu: Gpu, op: string, out: Tensor | undefined, shape: readonly number[]): Tensor {
  if (!out) return gpu.empty(shape, op);
  if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${op}: out has shape ${dims(out)}, expected [${shape.join(', ')}]`);
  }
  return out;
}

interface Launch {
  entry: string;
  bindings: Record<string, Binding>;
  /** Elements (invocations) of the pass. */
  n: number;
  scalar?: number;
  cols?: number;
  recon?: Likelihood;
  /** Bytes read and written per element, for profiles. */
  bytesPerElement: number;
}

function launch(gpu: Gpu, l: Launch): void {
  gpu.run({
    shader,
    entry: l.entry,
    constants: l.recon ? { RECON: RECON_CODE[l.recon] } : undefined,
    bindings: l.bindings,
    params: { n: l.n, cols: l.cols ?? 0, scalar: l.scalar ?? 0 },
    workgroups: workgroupGrid(l.n, WG, gpu.device.limits.maxComputeWorkgroupsPerDimension),
    cost: { bytes: l.bytesPerElement * l.n },
  });
}

export interface OutOption {
  /** Write into this tensor (same shape as the result) instead of a new one. */
  out?: Tensor;
}

/** y[r, c] = x[r, c] + bias[c]: the bias of a Linear layer, added after a plain matmul. */
export function biasAdd(gpu: Gpu, x: Tensor, bias: Tensor, options: OutOption = {}): Tensor {
  if (x.shape.length !== 2 || bias.shape.length !== 1 || bias.shape[0] !== x.shape[1]) {
    throw new ShapeError(`biasAdd: x ${dims(x)} must be [rows, cols] and bias ${dims(bias)} [cols]`);
  }
  const y = output(gpu, 'biasAdd', options.out, x.shape);
  launch(gpu, { entry: 'bias_add', bindings: { a: x, b: bias, y }, n: x.size, cols: x.shape[1], bytesPerElement: 12 });
  return y;
}

/** y = a + b, elementwise. */
export function add(gpu: Gpu, a: Tensor, b: Tensor, options: OutOption = {}): Tensor {
  sameShape('add', 'b', b, a, 'a');
  const y = output(gpu, 'add', options.out, a.shape);
  launch(gpu, { entry: 'add', bindings: { a, b, y }, n: a.size, bytesPerElement: 12 });
  return y;
}

/** y = a * b, elementwise. */
export function mul(gpu: Gpu, a: Tensor, b: Tensor, options: OutOption = {}): Tensor {
  sameShape('mul', 'b', b, a, 'a');
  const y = output(gpu, 'mul', options.out, a.shape);
  launch(gpu, { entry: 'mul', bindings: { a, b, y }, n: a.size, bytesPerElement: 12 });
  return y;
}

/** y = exp(k * x), e.g. the standard deviation exp(0.5 * logvar). */
export function expScale(gpu: Gpu, x: Tensor, k: number, options: OutOption = {}): Tensor {
  const y = output(gpu, 'expScale', options.out, x.shape);
  launch(gpu, { entry: 'exp_scale', bindings: { a: x, y }, n: x.size, scalar: finite('expScale', 'k', k), bytesPerElement: 8 });
  return y;
}

/** y = k * x. */
export function scale(gpu: Gpu, x: Tensor, k: number, options: OutOption = {}): Tensor {
  const y = output(gpu, 'scale', options.out, x.shape);
  launch(gpu, { entry: 'scale', bindings: { a: x, y }, n: x.size, scalar: finite('scale', 'k', k), bytesPerElement: 8 });
  return y;
}

/**
 * The reconstruction loss of every element: the binary cross-entropy of logits
 * `recon` against targets `x` in [0, 1] ('bernoulli'), or the squared error (o - x)^2
 * ('gaussian'). Sum a row for a sample's reconstruction term.
 */
export function reconTerms(gpu: Gpu, recon: Tensor, x: Tensor, likelihood: Likelihood, options: OutOption = {}): Tensor {
  sameShape('reconTerms', 'x', x, recon, 'recon');
  checkLikelihood('reconTerms', likelihood);
  const y = output(gpu, 'reconTerms', options.out, recon.shape);
  launch(gpu, { entry: 'recon_terms', recon: likelihood, bindings: { a: recon, b: x, y }, n: recon.size, bytesPerElement: 12 });
  return y;
}

/** k times the derivative of each reconTerms element: k (sigmoid(l) - x) or k 2 (o - x). */
export function reconGrad(gpu: Gpu, recon: Tensor, x: Tensor, likelihood: Likelihood, k: number, options: OutOption = {}): Tensor {
  sameShape('reconGrad', 'x', x, recon, 'recon');
  checkLikelihood('reconGrad', likelihood);
  const y = output(gpu, 'reconGrad', options.out, recon.shape);
  launch(gpu, { entry: 'recon_grad', recon: likelihood, bindings: { a: recon, b: x, y }, n: recon.size, scalar: finite('reconGrad', 'k', k), bytesPerElement: 12 });
  return y;
}

/** Each latent's term of KL(N(mu, exp(logvar)) || N(0, 1)): 0.5 (mu^2 + exp(logvar) - 1 - logvar). */
export function klTerms(gpu: Gpu, mu: Tensor, logvar: Tensor, options: OutOption = {}): Tensor {
  sameShape('klTerms', 'logvar', logvar, mu, 'mu');
  const y = output(gpu, 'klTerms', options.out, mu.shape);
  launch(gpu, { entry: 'kl_terms', bindings: { a: mu, b: logvar, y }, n: mu.size, bytesPerElement: 12 });
  return y;
}

/** k times the KL term's derivative in logvar: k 0.5 (exp(logvar) - 1). (In mu it is k mu: use scale.) */
export function klLogvarGrad(gpu: Gpu, logvar: Tensor, k: number, options: OutOption = {}): Tensor {
  const y = output(gpu, 'klLogvarGrad', options.out, logvar.shape);
  launch(gpu, { entry: 'kl_logvar_grad', bindings: { a: logvar, y }, n: logvar.size, scalar: finite('klLogvarGrad', 'k', k), bytesPerElement: 8 });
  return y;
}

/** The per-sample loss table [B, 3] = (recon_b + beta kl_b, recon_b, kl_b) from the two [B] sums. */
export function combineLoss(gpu: Gpu, recon: Tensor, kl: Tensor, beta: number, options: OutOption = {}): Tensor {
  if (recon.shape.length !== 1) throw new ShapeError(`combineLoss: recon ${dims(recon)} must be [batch], one sum per sample`);
  sameShape('combineLoss', 'kl', kl, recon, 'recon');
  const y = output(gpu, 'combineLoss', options.out, [recon.shape[0], 3]);
  launch(gpu, { entry: 'combine', bindings: { a: recon, b: kl, y }, n: recon.size, scalar: finite('combineLoss', 'beta', beta), bytesPerElement: 20 });
  return y;
}

/** Adam's first moment, in place: m = beta1 m + (1 - beta1) g. */
export function adamMoment1(gpu: Gpu, grads: Tensor, m: Tensor, beta1: number): Tensor {
  sameShape('adamMoment1', 'm', m, grads, 'grads');
  launch(gpu, { entry: 'adam_moment1', bindings: { a: grads, y: m }, n: m.size, scalar: belowOne('adamMoment1', 'beta1', beta1), bytesPerElement: 12 });
  return m;
}

/** Adam's second moment, in place: v = beta2 v + (1 - beta2) g^2. */
export function adamMoment2(gpu: Gpu, grads: Tensor, v: Tensor, beta2: number): Tensor {
  sameShape('adamMoment2', 'v', v, grads, 'grads');
  launch(gpu, { entry: 'adam_moment2', bindings: { a: grads, y: v }, n: v.size, scalar: belowOne('adamMoment2', 'beta2', beta2), bytesPerElement: 12 });
  return v;
}

/**
 * Adam's bias-corrected direction m / (sqrt(v) / sqrt(1 - beta2^t) + eps), with the
 * correction read from the GPU step `state` (createAdamState; advanced by adam.wgsl's
 * `advance` before this pass).
 */
export function adamDirection(gpu: Gpu, m: Tensor, v: Tensor, state: Tensor, eps: number, options: OutOption = {}): Tensor {
  sameShape('adamDirection', 'v', v, m, 'm');
  checkState('adamDirection', state);
  const y = output(gpu, 'adamDirection', options.out, m.shape);
  launch(gpu, { entry: 'adam_direction', bindings: { a: m, b: v, state, y }, n: m.size, scalar: positive('adamDirection', 'eps', eps), bytesPerElement: 12 });
  return y;
}

/** The parameter update, in place: p = p - (lr / (1 - beta1^t)) direction, t from `state`. */
export function adamUpdate(gpu: Gpu, direction: Tensor, params: Tensor, state: Tensor, lr: number): Tensor {
  sameShape('adamUpdate', 'params', params, direction, 'direction');
  checkState('adamUpdate', state);
  launch(gpu, { entry: 'adam_update', bindings: { a: direction, state, y: params }, n: params.size, scalar: positive('adamUpdate', 'lr', lr), bytesPerElement: 12 });
  return params;
}

function checkLikelihood(op: string, likelihood: Likelihood): void {
  if (!Object.hasOwn(RECON_CODE, likelihood)) throw new ShapeError(`${op}: unknown likelihood '${likelihood}'; choose 'bernoulli' (logits) or 'gaussian' (squared error)`);
}

function checkState(op: string, state: Tensor): void {
  if (state.size !== STATE_SIZE) throw new ShapeError(`${op}: state has ${state.size} elements, not ${STATE_SIZE}; create it with createAdamState`);
}

/** A step size or eps as the kernel sees it (f32) must be finite and > 0. */
function positive(op: string, name: string, value: number): number {
  const f32 = Math.fround(value);
  if (!(Number.isFinite(f32) && f32 > 0)) throw new ShapeError(`${op}: ${name} = ${value} must be a finite number > 0 (as an f32)`);
  return value;
}

/** A beta as the kernel sees it (f32) must lie in [0, 1). */
function belowOne(op: string, name: string, value: number): number {
  const f32 = Math.fround(value);
  if (!(f32 >= 0 && f32 < 1)) throw new ShapeError(`${op}: ${name} = ${value} must be in [0, 1) (as an f32)`);
  return value;
}
