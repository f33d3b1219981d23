// One optimiser step over a model's flat parameter buffer (shaders/adam.wgsl): Adam,
// AdamW and SGD with momentum, each recorded as two dispatches in one compute pass,
// `advance` (the GPU-side step count and bias corrections) and then the update.
// Nothing is read back and the host never sends the step count, so a training loop
// only records. Hyperparameters travel in the uniform, not in override constants, so
// a learning-rate schedule costs no compile: pass the new lr to the next step, or
// rewrite the uniforms of the dispatches prepared from adamCalls / sgdCalls.
import src, { reflection } from '../../shaders/adam.wgsl';
import vec4Src, { reflection as vec4Reflection } from '../../shaders/adam_vec4.wgsl';
import { Live } from '../gpu/program.js';
import { shaderOf } from '../gpu/shader.js';
import { ShapeError } from '../gpu/errors.js';
import type { Gpu, KernelCall } from '../gpu/runtime.js';
import type { Tensor } from '../tensor.js';
import { streamGrid, streamLaunch } from './stream.js';

const shader = shaderOf('adam', src, reflection);
/**
 * Adam four parameters at a time, for n % 4 == 0 (every model's flat buffer):
 * bench/adam.ts pairs it with the scalar entry on the VAE's 652,824 parameters,
 * 1.17-1.45x on SwiftShader and 1.69-1.93x on llvmpipe (Adam and AdamW, four runs,
 * 2026-12-03).
 */
const vec4Shader = shaderOf('adam_vec4', vec4Src, vec4Reflection);

/** Elements of a state tensor: the WGSL struct State (t: u32, two f32 bias corrections). */
const STATE_SIZE = 3;

/** The uniform of every entry point in adam.wgsl (one struct, see its header); lr may be Live (a schedule). */
type Hyper = Record<'n' | 'weight_decay' | 'beta1' | 'beta2' | 'eps' | 'momentum' | 'dampening', number> & { lr: number | Live };

export interface AdamTensors {
  /** All parameters of the model, flat; updated in place. */
  params: Tensor;
  grads: Tensor;
  /** First and second moments, same size as params (from createAdamState). */
  m: Tensor;
  v: Tensor;
  /** The step count (a u32) and its bias corrections, advanced on the GPU by every step. */
  state: Tensor;
  /** The non-finite guard's health (src/ops/guard.ts): a step it flags changes nothing. */
  guard?: Tensor | null;
}

export interface AdamOptions {
  /** A Live value lets a captured step follow a learning-rate schedule (its value now is checked here; src/train/schedules.ts keeps later ones > 0). */
  lr: number | Live;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Default 0 for Adam, 0.01 for AdamW (torch.optim's defaults). */
  weightDecay?: number;
  /** AdamW's decoupled weight decay instead of Adam's L2 term. Default false. */
  decoupled?: boolean;
}

export interface SgdTensors {
  params: Tensor;
  grads: Tensor;
  /** Same size as params when momentum != 0; ignored (may be null) when momentum is 0. */
  momentumBuffer: Tensor | null;
  /** The step count, as for Adam: its first step initialises the momentum buffer. */
  state: Tensor;
  /** As for Adam. */
  guard?: Tensor | null;
}

export interface SgdOptions {
  lr: number | Live;
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Default 0. */
  dampening?: number;
  /** Default 0. */
  weightDecay?: number;
  /** Default false; needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
}

/** Zeroed Adam state for n parameters: moments m and v, and the step state at t = 0. */
export function createAdamState(gpu: Gpu, n: number): { m: Tensor; v: Tensor; state: Tensor } {
  checkCount('createAdamState', n);
  return { m: zeros(gpu, n, 'adam.m'), v: zeros(gpu, n, 'adam.v'), state: zeros(gpu, STATE_SIZE, 'adam.state') };
}

/** Zeroed SGD state: a momentum buffer (omitted for plain SGD) and the step state at t = 0. */
export function createSgdState(gpu: Gpu, n: number, withMomentum = true): { momentumBuffer: Tensor | null; state: Tensor } {
  checkCount('createSgdState', n);
  return { momentumBuffer: withMomentum ? zeros(gpu, n, 'sgd.momentum') : null, state: zeros(gpu, STATE_SIZE, 'sgd.state') };
}

/** The two dispatches of an Adam / AdamW step, for callers that prepare (capture) a step. */
export function adamCalls(tensors: AdamTensors, options: AdamOptions): KernelCall[] {
  const op = 'adamStep';
  const { params, grads, m, v, state } = tensors;
  const n = checkSizes(op, params, { grads, m, v });
  checkState(op, state);
  const decoupled = options.decoupled ?? false;
  const hyper: Hyper = {
    n,
    lr: checkedLr(op, options.lr),
    weight_decay: checked(op, 'weightDecay', options.weightDecay ?? (decoupled ? 0.01 : 0), (x) => x >= 0, 'a finite number >= 0'),
    beta1: checked(op, 'beta1', options.beta1 ?? 0.9, (x) => x >= 0 && x < 1, 'in [0, 1)'),
    beta2: checked(op, 'beta2', options.beta2 ?? 0.999, (x) => x >= 0 && x < 1, 'in [0, 1)'),
    eps: checked(op, 'eps', options.eps ?? 1e-8, (x) => x > 0, 'a finite number > 0'),
    momentum: 0,
    dampening: 0,
  };
  const guard = tensors.guard ?? null;
  return [
    advanceCall(state, hyper, guard),
    // Reads p, g, m, v and writes p, m, v; four at a time where n allows.
    {
      ...streamLaunch(n, { shader, entry: 'adam' }, { shader: vec4Shader, entry: 'adam4' }),
      constants: { DECOUPLED: decoupled ? 1 : 0, GUARDED: guard ? 1 : 0 },
      bindings: { grads, state, weights: params, m, v, health: guard },
      params: hyper,
      cost: { bytes: 28 * n },
    },
  ];
}

/** Records one Adam (or, with `decoupled`, AdamW) step: params, m, v and the counter change in place. */
export function adamStep(gpu: Gpu, tensors: AdamTensors, options: AdamOptions): void {
  for (const call of adamCalls(tensors, options)) gpu.run(call);
}

/** The two dispatches of an SGD step, for callers that prepare (capture) a step. */
export function sgdCalls(tensors: SgdTensors, options: SgdOptions): KernelCall[] {
  const op = 'sgdStep';
  const { params, grads, momentumBuffer, state } = tensors;
  const momentum = checked(op, 'momentum', options.momentum ?? 0, (x) => x >= 0, 'a finite number >= 0');
  const dampening = checked(op, 'dampening', options.dampening ?? 0, (x) => x >= 0 && x <= 1, 'in [0, 1]');
  const nesterov = options.nesterov ?? false;
  if (nesterov && (momentum === 0 || dampening !== 0)) {
    throw new ShapeError(`${op}: nesterov needs momentum > 0 and dampening 0 (got momentum ${momentum}, dampening ${dampening})`);
  }
  if (momentum !== 0 && !momentumBuffer) {
    throw new ShapeError(`${op}: momentum ${momentum} needs a momentumBuffer; create one with createSgdState(gpu, n)`);
  }
  const n = checkSizes(op, params, momentum !== 0 ? { grads, momentumBuffer: momentumBuffer! } : { grads });
  checkState(op, state);
  const hyper: Hyper = {
    n,
    lr: checkedLr(op, options.lr),
    weight_decay: checked(op, 'weightDecay', options.weightDecay ?? 0, (x) => x >= 0, 'a finite number >= 0'),
    beta1: 0,
    beta2: 0,
    eps: 0,
    momentum,
    dampening,
  };
  const guard = tensors.guard ?? null;
  return [
    advanceCall(state, hyper, guard),
    {
      shader,
      entry: 'sgd',
      constants: { NESTEROV: nesterov ? 1 : 0, GUARDED: guard ? 1 : 0 },
      // With momentum 0 the kernel never touches the buffer, so none is bound.
      bindings: { grads, state, weights: params, m: momentum !== 0 ? momentumBuffer : null, health: guard },
      params: hyper,
      workgroups: streamGrid(n),
      cost: { bytes: (momentum !== 0 ? 20 : 12) * n },
    },
  ];
}

/** Records one SGD step (momentum, dampening, Nesterov, coupled weight decay as torch.optim.SGD). */
export function sgdStep(gpu: Gpu, tensors: SgdTensors, options: SgdOptions): void {
  for (const call of sgdCalls(tensors, options)) gpu.run(call);
}

function advanceCall(state: Tensor, hyper: Hyper, guard: Tensor | null): KernelCall {
  return { shader, entry: 'advance', constants: { GUARDED: guard ? 1 : 0 }, bindings: { state_rw: state, health: guard }, params: hyper, workgroups: [1] };
}


function zeros(gpu: Gpu, n: number, label: string): Tensor {
  return gpu.upload(new Float32Array(n), [n], label);
}

function checkCount(op: string, n: number): void {
  // The kernel's index plus the grid stride must stay below 2^32.
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31) throw new ShapeError(`${op}: n = ${n} must be an integer in 1..2^31 (the number of parameters)`);
}

/** Every named tensor must hold exactly as many elements as params; returns that count. */
function checkSizes(op: string, params: Tensor, others: Record<string, Tensor>): number {
  const n = params.size;
  checkCount(op, n);
  for (const [name, t] of Object.entries(others)) {
    if (t.size !== n) {
      throw new ShapeError(`${op}: ${name} has ${t.size} elements but params has ${n}; optimiser buffers are flat and parallel to the parameter buffer`);
    }
  }
  return n;
}

function checkState(op: string, state: Tensor): void {
  if (state.size !== STATE_SIZE) throw new ShapeError(`${op}: state has ${state.size} elements, not ${STATE_SIZE}; create it with createAdamState / createSgdState`);
}

/** The learning rate, or a Live one whose current value is checked (a schedule keeps it > 0). */
function checkedLr(op: string, lr: number | Live): number | Live {
  checked(op, 'lr', lr instanceof Live ? lr.value : lr, (x) => x > 0, 'a finite number > 0');
  return lr;
}

/** A hyperparameter as the kernel will see it (f32) must be finite and pass `ok`. */
function checked(op: string, name: string, value: number, ok: (x: number) => boolean, want: string): number {
  const f32 = Math.fround(value);
  if (!Number.isFinite(f32) || !ok(f32)) {
    const rounded = f32 !== value && Number.isFinite(value) ? ` (${f32} in f32, which the kernel uses)` : '';
    throw new ShapeError(`${op}: ${name} = ${value}${rounded} must be ${want}`);
  }
  return value;
}
