// The classic VAE's training step with every fusion split into plain kernels, as a
// framework without this library's fused kernels would run it: the baseline of
// `webgpu-vae bench --compare-unfused`. It computes the fused step's math (the same
// values up to f32 reassociation; test/gpu/unfused.test.ts) but launches:
//   Linear layers   matmul with no epilogue, then a bias add, then the activation;
//                   backward: activation backward, the two matmuls, sumCols for the bias
//   reparameterize  randn (the same eps for the same (seed, step, stream)),
//                   std = exp(0.5 logvar), t = std eps, z = mu + t; backward
//                   dmu += dz, dlogvar += 0.5 (dz eps) std as axpy and multiply passes
//   loss            per-element reconstruction terms, a row sum, KL terms, a row sum,
//                   the per-sample combination, a column sum for the batch means, and
//                   each gradient as its own elementwise pass
//   Adam            adam.wgsl's `advance` (the same GPU step counter as the fused
//                   update), then the m, v, bias-corrected direction and parameter passes
// The sequence is written out by hand, mirroring the fused step's order (the tape
// walks fc22 before fc21), rather than through the autograd tape: for a benchmark
// the kernels launched should be plain to read. Every dispatch goes through gpu.run,
// so the step can be captured and replayed like the fused one; intermediates go back
// to the pool as soon as they are dead, so a capture keeps them as its arena.
import { BACKWARD_READS, type Activation } from '../ops/activation.js';
import { activation, activationBackward, axpy } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { adamCalls, createAdamState } from '../ops/optimizer-step.js';
import { sumCols, sumRows } from '../ops/reduce.js';
import { randn, type NoiseOptions } from '../ops/reparameterize.js';
import { add, adamDirection, adamMoment1, adamMoment2, adamUpdate, biasAdd, combineLoss, expScale, klLogvarGrad, klTerms, mul, reconGrad, reconTerms, scale } from '../ops/unfused.js';
import type { Gpu } from '../gpu/runtime.js';
import type { OptimizerKind } from '../optim/optimizer.js';
import type { Tensor } from '../tensor.js';
import type { Vae } from '../models/vae.js';

export interface UnfusedStepOptions {
  lr: number;
  /** Only 'adam' (the default) has an unfused form. */
  optimizer?: OptimizerKind;
  /** Must be 0 (or absent): the unfused Adam has no weight decay pass. */
  weightDecay?: number;
}

/** torch.optim.Adam's defaults, which adamCalls also applies. */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/** A layer's output and what its backward pass reads. */
interface LayerOut {
  y: Tensor;
  /** The activation's saved value (its output or input, BACKWARD_READS); y for identity. */
  saved: Tensor;
}

export class UnfusedStep {
  /** Adam's moments and GPU step state, the unfused step's own (zero at step 0, like a fresh Optimizer's). */
  private readonly adam: { m: Tensor; v: Tensor; state: Tensor };

  constructor(
    readonly gpu: Gpu,
    readonly model: Vae,
    readonly options: UnfusedStepOptions,
  ) {
    if (model.config.network !== 'dense' || model.config.likelihood !== 'bernoulli' || model.config.hidden.length !== 1 || model.config.classes !== 0) {
      throw new RangeError('the unfused step implements the classic Bernoulli VAE only (one hidden layer, unconditional): the benchmark baseline');
    }
    if ((options.optimizer ?? 'adam') !== 'adam' || (options.weightDecay ?? 0) !== 0) {
      throw new RangeError(`the unfused step implements Adam without weight decay only (got optimizer '${options.optimizer ?? 'adam'}', weight decay ${options.weightDecay ?? 0})`);
    }
    this.adam = createAdamState(gpu, model.parameters.length);
  }

  /**
   * Records one training step on batch `x` [B, inputSize]: forward, loss, backward
   * into the model's flat gradient buffer, and Adam on its parameters. Returns the
   * batch means (loss, recon, kl) as a [3] tensor that the caller releases.
   */
  record(x: Tensor, noise: NoiseOptions): Tensor {
    const { gpu } = this;
    const { activation: act, beta, likelihood } = this.model.config;
    const B = x.shape[0];

    // Forward.
    const h1 = this.linear(x, 'fc1', act);
    const mu = this.linear(h1.y, 'fc21', 'identity').y;
    const logvar = this.linear(h1.y, 'fc22', 'identity').y;
    const eps = randn(gpu, mu.shape, noise);
    const std = expScale(gpu, logvar, 0.5);
    const t = mul(gpu, std, eps);
    const z = add(gpu, mu, t);
    gpu.release(t);
    const h3 = this.linear(z, 'fc3', act);
    const logits = this.linear(h3.y, 'fc4', 'identity').y;

    // Loss: per-sample sums, then the batch means.
    const terms = reconTerms(gpu, logits, x, likelihood);
    const recon = sumRows(gpu, terms);
    const kls = klTerms(gpu, mu, logvar);
    const kl = sumRows(gpu, kls);
    const perSample = combineLoss(gpu, recon, kl, beta);
    const stats = sumCols(gpu, perSample, { scale: 1 / B });
    gpu.release(terms, recon, kls, kl, perSample);

    // Gradients of the batch mean loss; the scales are formed in float64, as the fused loss's.
    const dLogits = reconGrad(gpu, logits, x, likelihood, 1 / B);
    const dMu = scale(gpu, mu, beta / B);
    const dLogvar = klLogvarGrad(gpu, logvar, beta / B);
    gpu.release(logits, mu, logvar);

    // Backward, in the tape's order: fc4, fc3, the reparameterisation, fc22, fc21, fc1.
    this.parameterGrads(dLogits, h3.y, 'fc4');
    const dh3 = matmul(gpu, dLogits, this.weight('fc4'));
    gpu.release(dLogits);
    const dh3pre = this.activationGrad(dh3, h3, act);
    this.parameterGrads(dh3pre, z, 'fc3');
    const dz = matmul(gpu, dh3pre, this.weight('fc3'));
    this.release(h3, dh3, dh3pre, z);

    axpy(gpu, 1, dz, dMu);
    const dzEps = mul(gpu, dz, eps);
    const dStd = mul(gpu, dzEps, std);
    axpy(gpu, 0.5, dStd, dLogvar);
    gpu.release(dz, dzEps, dStd, eps, std);

    const dh1 = matmul(gpu, dLogvar, this.weight('fc22'));
    this.parameterGrads(dLogvar, h1.y, 'fc22');
    matmul(gpu, dMu, this.weight('fc21'), { out: dh1, accumulate: true });
    this.parameterGrads(dMu, h1.y, 'fc21');
    gpu.release(dLogvar, dMu);
    const dh1pre = this.activationGrad(dh1, h1, act);
    this.parameterGrads(dh1pre, x, 'fc1');
    this.release(h1, dh1, dh1pre);

    this.adamStep();
    return stats;
  }

  private weight(layer: string): Tensor {
    return this.model.parameters.get(`${layer}.weight`).value;
  }

  /** y = act(x·Wᵀ + b) as three kernels (two for the identity). */
  private linear(x: Tensor, layer: string, act: Activation): LayerOut {
    const { gpu } = this;
    const pre = matmul(gpu, x, this.weight(layer), { transB: true });
    const z = biasAdd(gpu, pre, this.model.parameters.get(`${layer}.bias`).value);
    gpu.release(pre);
    if (act === 'identity') return { y: z, saved: z };
    const y = activation(gpu, z, act);
    if (BACKWARD_READS[act] === 'input') return { y, saved: z };
    gpu.release(z);
    return { y, saved: y };
  }

  /** dy ⊙ act'(saved): the gradient before the activation (dy itself for the identity). */
  private activationGrad(dy: Tensor, out: LayerOut, act: Activation): Tensor {
    return act === 'identity' ? dy : activationBackward(this.gpu, dy, out.saved, act);
  }

  /** A Linear layer's weight and bias gradients, dW = dZᵀ·x and db = Σ_rows dZ, written into the flat gradient buffer. */
  private parameterGrads(dz: Tensor, x: Tensor, layer: string): void {
    const { gpu, model } = this;
    matmul(gpu, dz, x, { transA: true, out: model.parameters.get(`${layer}.weight`).gradView });
    sumCols(gpu, dz, { out: model.parameters.get(`${layer}.bias`).gradView });
  }

  /** Returns a layer's output, its saved value and the given tensors to the pool, each once. */
  private release(layer: LayerOut, ...tensors: Tensor[]): void {
    this.gpu.release(...new Set([layer.y, layer.saved, ...tensors]));
  }

  private adamStep(): void {
    const { gpu } = this;
    const { params, grads } = this.model.parameters;
    const { m, v, state } = this.adam;
    const lr = this.options.lr;
    // adamCalls is the public route to adam.wgsl's `advance` (t += 1 and the bias
    // corrections, on the GPU); its fused update call is left unused.
    const advance = adamCalls({ params, grads, m, v, state }, { lr, beta1: BETA1, beta2: BETA2, eps: EPS }).find((c) => c.entry === 'advance')!;
    gpu.run(advance);
    adamMoment1(gpu, grads, m, BETA1);
    adamMoment2(gpu, grads, v, BETA2);
    const direction = adamDirection(gpu, m, v, state, EPS);
    adamUpdate(gpu, direction, params, state, lr);
    gpu.release(direction);
  }

  dispose(): void {
    this.gpu.release(this.adam.m, this.adam.v, this.adam.state);
  }
}
